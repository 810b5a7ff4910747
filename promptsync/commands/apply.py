"""`promptsync apply`: plan (or load a saved plan), confirm, execute, verify, report."""

from __future__ import annotations

import json
import os
import sys
import threading
from pathlib import Path
from typing import TextIO

from promptsync import console
from promptsync.deployment import NO_CHANGES_JSON, apply_plan
from promptsync.display.report import report_text
from promptsync.display.text import plan_text
from promptsync.errors import PromptsyncError
from promptsync.interrupts import INTERRUPTS
from promptsync.jobs import RemoteOptions, connect, start_planning
from promptsync.project import Selection
from promptsync.saved import check_saved_plan, load_plan_file
from promptsync.settings import load_settings

PROMPT = "Apply these changes? [y/N] "
ALREADY_APPLIED = "The saved plan is already applied: the remote serves what it planned."


def confirm(stdin: TextIO, out: TextIO) -> None:
    if not stdin.isatty():
        raise PromptsyncError(
            "refusing to apply without confirmation: no terminal to ask on;"
            " pass --auto-approve (or apply a reviewed plan file)"
        )
    out.write(PROMPT)
    out.flush()
    if stdin.readline().strip().lower() not in ("y", "yes"):
        raise PromptsyncError("apply cancelled; nothing was changed")


def run_apply(
    config: str | None,
    planfile: str | None,
    selection: Selection,
    remote: RemoteOptions,
    *,
    auto_approve: bool,
    parallelism: int,
    fmt: str,
    color: bool,
    verbose: int,
) -> int:
    on_retry = console.err if verbose else None
    if planfile:
        if selection.environments or selection.templates:
            raise PromptsyncError(
                "--env and --template cannot be combined with a saved plan;"
                " pass them to `plan` instead"
            )
        plan = load_plan_file(planfile)
        settings = load_settings(config, os.environ, Path.cwd())
        backend = connect(settings, remote, os.environ, on_retry)
    else:
        planning = start_planning(config, os.environ, Path.cwd(), remote, on_retry)
        backend = planning.backend
    try:
        if planfile:
            if not check_saved_plan(plan, settings, backend):
                console.out(ALREADY_APPLIED + "\n")
                return 0
        else:
            plan = planning.plan(selection)
        if not plan.changes:
            if fmt == "json":
                console.out(json.dumps(NO_CHANGES_JSON, indent=2) + "\n")
            else:
                console.out("No changes. Your prompts match the remote.\n")
            return 0
        shown = console.out if fmt == "text" else (lambda text: console.err(text.rstrip("\n")))
        shown(plan_text(plan, color=color and fmt == "text"))
        if not planfile and not auto_approve:
            confirm(sys.stdin, sys.stdout if fmt == "text" else sys.stderr)
        stop = threading.Event()
        with INTERRUPTS.defer(stop):
            report = apply_plan(plan, backend, parallelism=parallelism, emit=console.err, stop=stop)
    finally:
        backend.close()
    if fmt == "json":
        console.out(json.dumps(report.as_json(), indent=2) + "\n")
    else:
        console.out(report_text(report))
    if stop.is_set():
        return 130
    return 0 if report.ok else 1
