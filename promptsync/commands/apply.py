"""`promptsync apply`: plan (or load a saved plan), confirm, execute, verify, report."""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path

from promptsync import console
from promptsync.apply.report import NO_CHANGES_JSON
from promptsync.display.lines import nothing_applied
from promptsync.display.report import report_text
from promptsync.display.text import plan_text
from promptsync.errors import PromptsyncError, error_json
from promptsync.interrupts import Interrupted
from promptsync.jobs.deploy import deploy
from promptsync.jobs.planning import RemoteOptions
from promptsync.jobs.project import Selection
from promptsync.plan.models import Plan


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
    text = fmt == "text"

    def show(plan: Plan) -> None:
        rendered = plan_text(plan, color=color and text)
        console.out(rendered) if text else console.err(rendered.rstrip("\n"))

    def approve(plan: Plan) -> None:
        console.confirm_apply(sys.stdin, sys.stdout if text else sys.stderr)

    try:
        done = deploy(
            config,
            planfile,
            selection,
            remote,
            os.environ,
            Path.cwd(),
            parallelism=parallelism,
            emit=console.err,
            show=show,
            approve=None if planfile or auto_approve else approve,
            on_retry=console.err if verbose else None,
        )
    except (PromptsyncError, Interrupted) as exc:
        if not text:  # a machine reader gets a JSON answer either way
            console.out(error_json(exc))
        raise
    if done.report is None:
        if not text:
            status = "already_applied" if done.already_applied else "no_changes"
            console.out(json.dumps({**NO_CHANGES_JSON, "status": status}, indent=2) + "\n")
        elif done.already_applied or not done.plan.held_back:  # held back: the errors say it
            console.out(nothing_applied(done.plan, done.already_applied) + "\n")
    elif text:
        console.out(report_text(done.report))
    else:
        console.out(json.dumps(done.report.as_json(), indent=2) + "\n")
    for reason in done.plan.held_back:
        console.err(f"error: not applied: {reason}")
    return done.exit_code
