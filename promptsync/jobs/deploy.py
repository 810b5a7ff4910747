"""`apply` as the CLI and the Action run it: a saved plan (checked) or a fresh one, shown, approved,
executed with Ctrl-C deferred, verified."""

from __future__ import annotations

import threading
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from promptsync.apply.report import Report, apply_plan
from promptsync.errors import PromptsyncError
from promptsync.plan.models import Plan

if TYPE_CHECKING:
    from promptsync.jobs.planning import RemoteOptions
    from promptsync.jobs.project import Selection


@dataclass(frozen=True)
class Deployment:
    """What an apply did: the plan, and the report (None when there was nothing to do)."""

    plan: Plan
    report: Report | None
    already_applied: bool = False  # a saved plan whose changes the remote already serves
    interrupted: bool = False

    @property
    def exit_code(self) -> int:
        if self.interrupted:
            return 130
        if self.plan.held_back:  # the other changes are made; these are not
            return 1
        return 0 if self.report is None or self.report.ok else 1


def deploy(
    config: str | None,
    planfile: str | None,
    selection: Selection,
    remote: RemoteOptions,
    environ: Mapping[str, str],
    cwd: Path,
    *,
    parallelism: int,
    emit: Callable[[str], None],
    show: Callable[[Plan], None],
    approve: Callable[[Plan], None] | None = None,
    on_retry: Callable[[str], None] | None = None,
) -> Deployment:
    """`apply` as the CLI and the Action run it: a saved plan (checked) or a fresh plan, shown,
    approved when asked to, executed with Ctrl-C deferred, verified."""
    from promptsync.apply.stale import check_saved_plan
    from promptsync.interrupts import INTERRUPTS
    from promptsync.jobs.planning import connect, start_planning
    from promptsync.plan.saved import load_plan_file
    from promptsync.repo.settings import load_settings

    if planfile:
        if selection.environments or selection.templates:
            raise PromptsyncError(
                "--env and --template cannot be combined with a saved plan;"
                " pass them to `plan` instead"
            )
        plan = load_plan_file(planfile)
        settings = load_settings(config, environ, cwd)
        backend = connect(settings, remote, environ, on_retry)
    else:
        planning = start_planning(config, environ, cwd, remote, on_retry)
        backend = planning.backend
    try:
        if planfile:
            if not check_saved_plan(plan, settings, backend):
                return Deployment(plan, None, already_applied=True)
        else:
            plan = planning.plan(selection)
        if not plan.changes:
            return Deployment(plan, None)
        show(plan)
        if approve is not None:
            approve(plan)
        stop = threading.Event()
        with INTERRUPTS.defer(stop):
            report = apply_plan(plan, backend, parallelism=parallelism, emit=emit, stop=stop)
    finally:
        backend.close()
    return Deployment(plan, report, interrupted=report.interrupted)
