"""`promptsync drift`: does the registry still serve what the files say? Per project, the plan's
summary and the files `pull` would change to match the registry; `--write` writes them (the
building block of the drift watch: docs/monorepo.md has the script, the Action does the rest)."""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

from promptsync import console
from promptsync.display.lines import summary_line
from promptsync.errors import PromptsyncError
from promptsync.jobs.drift import Drift, find_drifts, write_drift
from promptsync.jobs.planning import RemoteOptions
from promptsync.jobs.projects import discover, one_project


def _json(drift: Drift) -> dict[str, Any]:
    return {
        "path": drift.path,
        "config": drift.config,
        "drifted": drift.drifted,
        "summary": drift.plan.summary.model_dump() if drift.plan else None,
        "files": {
            path: {"+": "create", "~": "update", "-": "delete"}[drift.symbols[path]]
            for path in sorted(drift.files)
        },
        "notes": drift.notes,
        "errors": drift.errors,
    }


def _text(drift: Drift, wrote: bool) -> list[str]:
    if drift.errors:
        first = drift.errors[0].removeprefix("error: ")
        return [f"{drift.path}: error: {first}"]
    if not drift.drifted:
        return [f"{drift.path}: no drift."]
    assert drift.plan is not None
    verb = "wrote" if wrote else "pull would change"
    lines = [f"{drift.path}: drift — {summary_line(drift.plan)}"]
    if drift.files:
        lines.append(f"  {verb} {len(drift.files)} file(s):")
        lines += [f"    {drift.symbols[path]} {path}" for path in sorted(drift.files)]
    else:
        lines.append("  nothing to pull (the registry lacks these templates, or serves no file)")
    lines += [f"  note: {n}" for n in drift.notes]
    return lines


def run_drift(
    config: str | None,
    all_projects: bool,
    remote: RemoteOptions,
    *,
    write: bool,
    fmt: str,
    detailed_exitcode: bool,
    verbose: int,
) -> int:
    cwd = Path.cwd()
    repository = discover(cwd) if all_projects else one_project(config, os.environ, cwd)
    on_retry = (lambda m: console.err(f"retry: {m}")) if verbose else None
    drifts = find_drifts(repository.projects, repository.top, os.environ, remote, on_retry)
    if write:
        for drift in drifts:
            if drift.changes:
                try:
                    write_drift(drift, repository.top)
                except PromptsyncError as exc:
                    drift.errors.append(f"error: {exc}")
    if fmt == "json":
        console.out(json.dumps({"projects": [_json(d) for d in drifts]}, indent=2) + "\n")
    else:
        for drift in drifts:
            console.out("".join(line + "\n" for line in _text(drift, write)))
        drifted = [d.path for d in drifts if d.drifted]
        console.out(
            f"Drift in {len(drifted)} of {len(drifts)} project(s)"
            + (f": {', '.join(drifted)}.\n" if drifted else ".\n")
        )
    failed = [d for d in drifts if d.errors]
    for drift in failed:
        console.err(f"error: {drift.path}: {drift.errors[0].removeprefix('error: ')}")
    if failed:
        return 1
    return 2 if detailed_exitcode and any(d.drifted for d in drifts) else 0
