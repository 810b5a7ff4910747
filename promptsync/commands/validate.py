"""`promptsync validate`: every rule of the file format, offline, all problems at once.

A valid repository is checked without importing pydantic (the slowest import promptsync has):
the config and each file first go through the pydantic-free shape checks, and only what those
cannot vouch for goes to the models, which then word every message.
"""

from __future__ import annotations

import json
import os
import sys
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from promptsync.errors import Issue, LoadError
from promptsync.load import CheckedPrompts, check_prompts, display_path, quick_config
from promptsync.rules import check_api_url, check_project_id
from promptsync.settings import find_config, load_settings

Where = tuple[Path, Path, list[str] | None]  # project root, prompts directory, managed envs


def _issue_json(issue: Issue) -> dict[str, object]:
    return {
        "path": issue.path,
        "line": issue.line,
        "column": issue.column,
        "severity": issue.severity,
        "message": issue.message,
    }


def _quick_settings(config: str | None, environ: Mapping[str, str], cwd: Path) -> Where | None:
    """What `load_settings` would give validate, when the config and the environment are
    certainly valid; None when only `load_settings` can say what is wrong."""
    path = find_config(config, environ, cwd)
    overrides = (("FREEPLAY_PROJECT_ID", check_project_id), ("FREEPLAY_API_URL", check_api_url))
    for name, check in overrides:
        value = environ.get(name, "").strip()
        try:
            if value:
                check(value)
        except ValueError:
            return None
    data: dict[str, Any] | None = {}
    if path is not None:
        try:
            data = quick_config(path.read_bytes(), display_path(path))
        except OSError:
            return None
    if data is None:
        return None
    root = path.parent if path else cwd
    environments: list[str] | None = data.get("environments")
    return root, root / data.get("prompts_dir", "prompts"), environments


def collect(config: str | None) -> tuple[CheckedPrompts | None, list[Issue], str]:
    """Check config and prompts; return the result, every issue, and the prompts dir shown."""
    where = _quick_settings(config, os.environ, Path.cwd())
    if where is None:
        try:
            settings = load_settings(config, os.environ, Path.cwd())
        except LoadError as exc:
            return None, exc.issues, "prompts"
        where = (settings.root, settings.prompts_dir, settings.config.environments)
    root, prompts_dir, managed = where
    shown = display_path(prompts_dir)
    try:
        checked = check_prompts(prompts_dir, managed, root)
    except LoadError as exc:
        return None, exc.issues, shown
    return checked, list(checked.issues), shown


def run_validate(config: str | None, fmt: str) -> int:
    checked, issues, shown = collect(config)
    errors = [i for i in issues if i.severity == "error"]
    valid = checked is not None and not errors
    files = checked.files if checked and valid else 0
    templates = checked.templates if checked and valid else 0
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
