"""Applying a plan: preflight, every operation, the re-read that verifies, and the report."""

from __future__ import annotations

import threading
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from promptsync.apply import Mismatch, OpResult, duplicates, execute, verify
from promptsync.errors import PromptsyncError
from promptsync.plan_models import FORMAT_VERSION, Plan, change_counts
from promptsync.remote import LATEST

if TYPE_CHECKING:
    from promptsync.backends.base import Backend
    from promptsync.jobs import RemoteOptions
    from promptsync.project import Selection


@dataclass(frozen=True)
class Report:
    plan: Plan
    results: list[OpResult]
    mismatches: list[Mismatch]
    interrupted: bool
    unverified: str | None = None  # why the remote could not be checked afterwards
    duplicates: list[str] = field(default_factory=list)  # created twice by concurrent deploys

    @property
    def failed(self) -> list[OpResult]:
        return [r for r in self.results if r.outcome != "succeeded"]

    @property
    def ok(self) -> bool:
        return not (self.failed or self.mismatches or self.interrupted or self.unverified)

    def counts(self) -> dict[str, int]:
        done = {r.operation.name for r in self.results}
        done -= {r.operation.name for r in self.failed}
        counts = change_counts([c for c in self.plan.changes if c.name in done])
        return {
            "created": counts["create"],
            "updated": counts["update"],
            "promoted": counts["promote"],
            "failed_operations": len([r for r in self.results if r.outcome == "failed"]),
        }

    def partly_done(self) -> list[str]:
        """Templates some of whose operations succeeded and some did not (counted nowhere)."""
        succeeded = {r.operation.name for r in self.results if r.outcome == "succeeded"}
        return sorted(succeeded & {r.operation.name for r in self.failed})

    def status(self) -> str:
        if self.interrupted:
            return "interrupted"
        return "applied" if self.ok else "failed"

    def as_json(self) -> dict[str, Any]:
        return {
            "format_version": FORMAT_VERSION,
            "status": self.status(),
            "verified": self.ok,
            "summary": self.counts(),
            "operations": [
                {
                    "op": r.operation.op,
                    "kind": r.operation.kind,
                    "name": r.operation.name,
                    "environments": r.operation.environments,
                    "outcome": r.outcome,
                    "template_id": r.template_id,
                    "version_id": r.version_id,
                    "reused": r.reused,
                    "error": r.error,
                }
                for r in self.results
            ],
            "mismatches": [str(m) for m in self.mismatches],
            "verify_error": self.unverified,
            "duplicates": self.duplicates,
        }


NO_CHANGES_JSON: dict[str, Any] = {
    "format_version": FORMAT_VERSION,
    "status": "no_changes",
    "verified": True,
    "summary": {"created": 0, "updated": 0, "promoted": 0, "failed_operations": 0},
    "operations": [],
    "mismatches": [],
    "verify_error": None,
    "duplicates": [],
}


def apply_plan(
    plan: Plan,
    backend: Backend,
    *,
    parallelism: int,
    emit: Callable[[str], None],
    stop: threading.Event,
) -> Report:
    """Preflight, execute every operation, then re-read and verify."""
    backend.preflight(plan.environments)
    results, interrupted = execute(plan, backend, parallelism=parallelism, emit=emit, stop=stop)
    mismatches: list[Mismatch] = []
    twice: list[str] = []
    unverified = None
    if not interrupted:
        try:
            after = backend.read([LATEST, *plan.environments])
            mismatches = verify(plan, after, results)
            twice = duplicates(plan, after, results)
        except PromptsyncError as exc:  # the operations' outcomes are still worth reporting
            unverified = str(exc)
    return Report(plan, results, mismatches, interrupted, unverified, twice)


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
    from promptsync.interrupts import INTERRUPTS
    from promptsync.jobs import connect, start_planning
    from promptsync.saved import check_saved_plan, load_plan_file
    from promptsync.settings import load_settings

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
