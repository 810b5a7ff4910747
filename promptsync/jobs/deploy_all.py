"""`apply --all`: every project's plan — fresh, or from a saved plan of several projects — shown
once, approved once, then applied project by project, each through its own registry connection.

A saved plan is checked whole before anything is written: every project's plan against its own
registry (for this registry, unedited, not stale); one stale project refuses them all, since the
plan was reviewed as one. Projects that could not be planned are reported, and the others are
applied all the same (they are independent registries); the exit code says something failed.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from promptsync.apply.report import Report, apply_plan
from promptsync.display.projects import ProjectOutcome
from promptsync.errors import PromptsyncError, messages
from promptsync.jobs.projects import Repository, each_concurrently, plan_all
from promptsync.plan.models import Plan
from promptsync.plan.projects import ProjectPlan, ProjectsPlan

if TYPE_CHECKING:
    from promptsync.jobs.planning import RemoteOptions
    from promptsync.jobs.project import Selection
    from promptsync.repo.settings import Settings


@dataclass(frozen=True)
class ProjectApplied:
    """What apply did in one project: its report (None: nothing to do), or why it failed."""

    path: str
    plan: Plan | None
    report: Report | None = None
    already_applied: bool = False
    errors: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.errors and (self.report is None or self.report.ok)


@dataclass(frozen=True)
class DeployedProjects:
    plans: ProjectsPlan
    applied: list[ProjectApplied]
    interrupted: bool = False

    @property
    def exit_code(self) -> int:
        if self.interrupted:
            return 130
        ok = not self.plans.failed and all(a.ok for a in self.applied)
        return 0 if ok else 1

    def outcomes(self) -> list[ProjectOutcome]:
        """Every project of the plan, in order, and how its apply went."""
        rows = []
        for entry in self.plans.projects:
            found = next((a for a in self.applied if a.path == entry.path), None)
            report = found.report if found else None
            errors: list[str] = []
            if entry.error is not None:
                status, errors = "failed", entry.error.messages
            elif entry.skipped is not None:
                status = "skipped"
            elif found is None:
                status = "interrupted" if self.interrupted and entry.has_changes else "no_changes"
            elif found.errors:
                status, errors = "failed", found.errors
            elif found.already_applied:
                status = "already_applied"
            else:
                status = report.status() if report else "no_changes"
            rows.append(ProjectOutcome(entry.path, status, report, errors))
        return rows


def _settings(repository: Repository, entry: ProjectPlan, environ: Mapping[str, str]) -> Settings:
    from promptsync.repo.settings import load_settings

    config = repository.top / entry.config
    if not config.is_file():
        raise PromptsyncError(f"{entry.path}: the plan's config {entry.config} is not here")
    return load_settings(str(config), environ, config.parent)


def _check_saved(
    repository: Repository,
    plans: ProjectsPlan,
    remote: RemoteOptions,
    environ: Mapping[str, str],
    on_retry: Callable[[str], None] | None,
) -> dict[str, bool]:
    """Project path → still to apply (False: the registry already serves it), for every project
    the saved plan changes; raises naming every project that is stale, edited or elsewhere."""
    from promptsync.apply.stale import check_saved_plan
    from promptsync.jobs.planning import connect

    changing = [e for e in plans.projects if e.plan is not None and e.plan.has_changes]

    def check(entry: ProjectPlan) -> tuple[str, bool | str]:
        assert entry.plan is not None
        try:
            settings = _settings(repository, entry, environ)
            backend = connect(settings, remote, environ, on_retry)
            try:
                return entry.path, check_saved_plan(entry.plan, settings, backend)
            finally:
                backend.close()
        except PromptsyncError as exc:
            return entry.path, str(exc)

    checked = each_concurrently(changing, check, 8)
    problems = [f"{path}: {why}" for path, why in checked if isinstance(why, str)]
    if problems:
        from promptsync.errors import Problems

        raise Problems([*problems, "nothing was changed in any project; run plan --all again"])
    return {path: bool(todo) for path, todo in checked}


def deploy_all(
    repository: Repository,
    planfile: str | None,
    selection: Selection,
    remote: RemoteOptions,
    environ: Mapping[str, str],
    *,
    parallelism: int,
    emit: Callable[[str], None],
    show: Callable[[ProjectsPlan], None],
    approve: Callable[[ProjectsPlan], None] | None = None,
    on_retry: Callable[[str], None] | None = None,
) -> DeployedProjects:
    from promptsync.interrupts import INTERRUPTS
    from promptsync.jobs.planning import connect

    if planfile:
        if selection.environments or selection.templates or selection.changed_since:
            raise PromptsyncError(
                "--env, --template and --changed-since cannot be combined with a saved plan;"
                " pass them to `plan --all` instead"
            )
        from promptsync.plan.projects import load_projects_plan_file

        plans = load_projects_plan_file(planfile)
        todo = _check_saved(repository, plans, remote, environ, on_retry)
    else:
        plans = plan_all(repository, selection, remote, environ, on_retry=on_retry)
        todo = {e.path: True for e in plans.projects if e.has_changes}
    if any(todo.values()):
        show(plans)
        if approve is not None:
            approve(plans)
    applied: list[ProjectApplied] = []
    stop = threading.Event()
    with INTERRUPTS.defer(stop):
        for entry in plans.projects:
            if entry.path not in todo or entry.plan is None:
                continue
            if not todo[entry.path]:
                applied.append(ProjectApplied(entry.path, entry.plan, already_applied=True))
                continue
            if stop.is_set():
                break

            def tagged(line: str, path: str = entry.path) -> None:
                emit(f"{path}: {line}")

            try:
                backend = connect(_settings(repository, entry, environ), remote, environ, on_retry)
                try:
                    report = apply_plan(
                        entry.plan, backend, parallelism=parallelism, emit=tagged, stop=stop
                    )
                finally:
                    backend.close()
            except PromptsyncError as exc:
                applied.append(ProjectApplied(entry.path, entry.plan, errors=messages(exc)))
                continue
            applied.append(ProjectApplied(entry.path, entry.plan, report))
    interrupted = stop.is_set() or any(a.report and a.report.interrupted for a in applied)
    return DeployedProjects(plans, applied, interrupted=interrupted)
