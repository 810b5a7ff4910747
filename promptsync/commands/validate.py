"""`promptsync validate`: every rule of the file format, offline, all problems at once."""

from __future__ import annotations

import json
import os
from pathlib import Path

from promptsync import console
from promptsync.jobs.validation import validate


def run_validate(config: str | None, fmt: str) -> int:
    result = validate(config, os.environ, Path.cwd())
    errors = result.errors
    if fmt == "json":
        report = {
            "valid": not errors,
            "prompts_dir": result.prompts_dir,
            "files": result.files,
            "templates": result.templates,
            **(
                {
                    "datasets_dir": result.datasets.directory,
                    "datasets": result.datasets.datasets,
                    "test_cases": result.datasets.cases,
                }
                if result.datasets is not None
                else {}
            ),
            **(
                {"evals_dir": result.evals[0], "evals": result.evals[1]}
                if result.evals is not None
                else {}
            ),
            "errors": [i.as_json() for i in errors],
            "warnings": [i.as_json() for i in result.issues if i.severity == "warning"],
        }
        console.out(json.dumps(report, indent=2) + "\n")
        return 1 if errors else 0
    for issue in result.issues:
        console.err(f"{issue.severity}: {issue}")
    if errors:
        noun = "error" if len(errors) == 1 else "errors"
        console.err(f"{len(errors)} {noun} in {len({i.path for i in errors})} file(s).")
        return 1
    console.out(result.summary() + "\n")
    return 0
