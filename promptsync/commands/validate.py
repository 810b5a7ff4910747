"""`promptsync validate`: every rule of the file format, offline, all problems at once."""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path

from promptsync.desired import LoadedPrompts
from promptsync.errors import Issue
from promptsync.project import validate


def _issue_json(issue: Issue) -> dict[str, object]:
    return {
        "path": issue.path,
        "line": issue.line,
        "column": issue.column,
        "severity": issue.severity,
        "message": issue.message,
    }


def collect(config: str | None) -> tuple[LoadedPrompts | None, list[Issue], str]:
    """Load config and prompts; return what loaded, every issue, and the prompts dir shown."""
    result = validate(config, os.environ, Path.cwd())
    return result.loaded, result.issues, result.prompts_dir


def run_validate(config: str | None, fmt: str) -> int:
    loaded, issues, shown = collect(config)
    errors = [i for i in issues if i.severity == "error"]
    files = len(loaded.sources) if loaded else 0
    templates = len(loaded.templates) if loaded else 0
    if fmt == "json":
        report = {
            "valid": not errors,
            "prompts_dir": shown,
            "files": files,
            "templates": templates,
            "errors": [_issue_json(i) for i in errors],
            "warnings": [_issue_json(i) for i in issues if i.severity == "warning"],
        }
        sys.stdout.write(json.dumps(report, indent=2) + "\n")
        return 1 if errors else 0
    for issue in issues:
        print(f"{issue.severity}: {issue}", file=sys.stderr)
    if errors:
        noun = "error" if len(errors) == 1 else "errors"
        print(f"{len(errors)} {noun} in {len({i.path for i in errors})} file(s).", file=sys.stderr)
        return 1
    print(f"{shown}: {files} file(s), {templates} template(s) valid.")
    return 0
