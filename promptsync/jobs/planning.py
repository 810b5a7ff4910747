"""The jobs the CLI and the GitHub Action run: make a plan, check a saved one, apply one.

Each returns data (a Plan, a Report); printing is the caller's business. The imperative shell
around the pure core: it reads files and the registry, the planner decides, apply executes.
"""

from __future__ import annotations

import os
import secrets
from collections.abc import Callable, Mapping, Sequence
from concurrent.futures import Future
from dataclasses import dataclass
from datetime import UTC, datetime
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING

from promptsync import __version__
from promptsync.errors import PromptsyncError
from promptsync.jobs.project import (
    Project,
    Selection,
    acting_environments,
    changed_files,
    check_started,
    datasets_in_scope,
    load_project,
    matches,
    template_filter,
)
from promptsync.kinds.datasets.identity import fingerprint as dataset_fingerprint
from promptsync.kinds.datasets.planner import plan_datasets
from promptsync.kinds.prompts.identity import fingerprint
from promptsync.kinds.prompts.planner import PlanBody, Scope, build
from promptsync.kinds.prompts.remote import LATEST, RemoteVersion, Snapshot, Snapshots
from promptsync.plan.models import Plan
from promptsync.repo.provenance import describer
from promptsync.repo.settings import Settings, load_settings
from promptsync.threads import background, in_parallel

if TYPE_CHECKING:  # httpx once a backend is opened; impact and evaluation only when asked for
    from promptsync.backends.base import Backend
    from promptsync.jobs.evaluation import EvalRequest
    from promptsync.jobs.impact import ImpactOptions


@dataclass
class Planning:
    """A project and its registry, opened for planning. The registry is read while the files
    load, when the config names the managed environments (it is valid by then; invalid files
    still fail the plan, and reads never change anything)."""

    project: Project
    backend: Backend
    early: Future[dict[str, Snapshot]] | None = None

    def plan(
        self,
        selection: Selection,
        impact: ImpactOptions | None = None,
        evaluation: EvalRequest | None = None,
        progress: Callable[[str], None] = lambda _line: None,
    ) -> Plan:
        return make_plan(
            self.project, self.backend, selection, self.early, impact, evaluation, progress
        )

    def close(self) -> None:
        self.backend.close()


def start_planning(
    config: str | None,
    environ: Mapping[str, str],
    cwd: Path,
    remote: RemoteOptions,
    on_retry: Callable[[str], None] | None = None,
) -> Planning:
    settings = load_settings(config, environ, cwd)
    check_started(settings, cwd)
    try:
        backend = connect(settings, remote, environ, on_retry)
    except PromptsyncError:
        load_project(settings)  # problems in the files are reported before a missing key
        raise
    early = None
    if settings.config.environments:
        envs = [*settings.config.environments, LATEST]
        early = background(lambda: backend.read(envs))
    try:
        return Planning(load_project(settings), backend, early)
    except BaseException:
        backend.close()
        raise


def make_plan(
    project: Project,
    backend: Backend,
    selection: Selection,
    early: Future[dict[str, Snapshot]] | None = None,
    impact: ImpactOptions | None = None,
    evaluation: EvalRequest | None = None,
    progress: Callable[[str], None] = lambda _line: None,
) -> Plan:
    """Read every managed environment and latest (one list read each), then plan; with
    `impact`, add evidence from the calls recorded for the changes (one search per pair).

    The files are valid by now; the registry is read in the background (unless `early` already
    does it) while the local work that does not need it (git facts, file identities) is done.
    """
    managed = project.managed
    acting = acting_environments(managed, selection.environments)
    reading = early or background(lambda: backend.read([*managed, LATEST]))
    # The local work, while the registry answers.
    changed = changed_files(project, selection)
    in_scope = template_filter(project, selection, changed)
    datasets = datasets_in_scope(project, selection, changed)
    dataset_reading = (
        background(lambda: backend.read_datasets([s.name for s in datasets]))
        if datasets is not None
        else None
    )
    templates = {
        name: sources
        for name, sources in project.loaded.templates.items()
        if in_scope(name, sources)
    }
    from promptsync.repo.gitinfo import git_info, last_commit  # git only once files are valid

    git, top = git_info(project.settings.root)
    commit_of = (
        last_commit(top, project.settings.prompts_dir) if top is not None else (lambda _path: None)
    )
    for sources in templates.values():
        for source in sources:
            _ = source.identity
    snapshots = reading.result()
    _check_globs(selection, {*project.loaded.templates, *snapshots[LATEST].names()})
    created_at = datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    scope = Scope(
        managed=managed,
        acting=acting,
        provenance=describer(
            top or project.settings.root, commit_of, backend.capabilities.description_limit
        ),
        capabilities=backend.capabilities,
        # Unique to this plan, even for two plans in the same second (see kinds/prompts/describe).
        stamp=f"{created_at} #{secrets.token_hex(3)}",
    )

    # An orphan has no files: with --changed-since it is in scope when a changed file held it.
    def plan_with(
        history: Mapping[str, Sequence[RemoteVersion]] | None = None,
        reuse: PlanBody | None = None,
    ) -> PlanBody:
        return build(
            templates,
            snapshots,
            scope,
            known_names=set(project.loaded.templates),
            in_scope=lambda name: in_scope(name, []),
            history=history,
            reuse=reuse,
        )

    body = plan_with()
    wanting = _would_create(body, snapshots)
    if wanting:  # one version listing per template that would get a new version
        body = plan_with(_histories(backend, wanting), reuse=body)
    data = None
    if datasets is not None and dataset_reading is not None:
        remote = dataset_reading.result()
        data = plan_datasets(datasets, remote, versioned=backend.dataset_versions)
        changed_names = [c.name for c in data.changes]
    plan = Plan(
        promptsync_version=__version__,
        created_at=created_at,
        backend=backend.ref,
        git=git,
        environments=managed,
        remote_fingerprint={env: fingerprint(snapshots[env]) for env in [LATEST, *managed]},
        summary=body.summary,
        changes=[*body.changes, *(data.changes if data else [])],
        orphans=[*body.orphans, *(data.orphans if data else [])],
        unclaimed=body.unclaimed,
        held_back=body.held_back,
        warnings=[
            *body.warnings,
            *_partial(selection, managed),
            *(str(w) for w in project.loaded.warnings),
            *(str(w) for w in project.datasets.warnings),
        ],
        dataset_summary=data.summary if data else None,
        dataset_fingerprint=dataset_fingerprint(remote.datasets, changed_names)
        if data and data.changes
        else None,
    )
    if impact is not None:
        from promptsync.backends.base import call_sampler

        config = project.settings.config.impact
        from promptsync.jobs.impact import with_impact

        plan = with_impact(
            plan, snapshots, call_sampler(backend), impact, config, datetime.now(UTC)
        )
    if evaluation is not None:
        from promptsync.jobs.evaluation import load_specs, run_evaluation
        from promptsync.jobs.evaluation import targets as eval_targets

        specs = load_specs(project)
        found, notes = eval_targets(project, specs, snapshots, plan.template_changes)
        if not specs:
            notes = ["no evaluation files (evals/)"]
        done = run_evaluation(project, backend, found, evaluation, os.environ, progress, notes)
        plan = plan.model_copy(update={"evaluation": done})
    return plan


def _would_create(body: PlanBody, snapshots: Snapshots) -> dict[str, str]:
    """Templates that exist and that the plan would give a new version: name → template id."""
    latest = snapshots[LATEST]
    found = {}
    for change in body.changes:
        served = latest.served(change.name)
        if "update" in change.actions and served is not None and served.template_id:
            found[change.name] = served.template_id
    return found


def _histories(
    backend: Backend, templates: Mapping[str, str]
) -> dict[str, Sequence[RemoteVersion]]:
    """Each template's older versions, read concurrently (a rollback's target is among them)."""
    names = sorted(templates)
    found = in_parallel([partial(backend.history, name, templates[name]) for name in names])
    return dict(zip(names, found, strict=True))


def _partial(selection: Selection, managed: list[str]) -> list[str]:
    """A filtered plan says so, as Terraform's -target does: "No changes" covers only what was
    compared. (`--env` naming every managed environment and latest leaves nothing out.)"""
    envs = selection.environments
    parts = [
        *(f"--env {e}" for e in envs if not {*managed, LATEST} <= set(envs)),
        *(f"--template {t}" for t in selection.templates),
        *([f"--changed-since {selection.changed_since}"] if selection.changed_since else []),
    ]
    if not parts:
        return []
    return [
        f"a partial plan ({'; '.join(parts)}): what it leaves out was not compared and may"
        " still differ"
    ]


def _check_globs(selection: Selection, names: set[str]) -> None:
    for pattern in selection.templates:
        if not any(matches(name, [pattern]) for name in names):
            raise PromptsyncError(
                f"--template {pattern!r}: matches no template (neither a file nor the registry"
                " has one by that name); template names are case-sensitive"
            )


# --- connecting -------------------------------------------------------------------------------


@dataclass(frozen=True)
class RemoteOptions:
    """How to talk to the registry: where the key is, timeouts and retry pacing."""

    api_key_file: str | None = None
    timeout: float = 30.0
    retry_delay: float = 5.0


def connect(
    settings: Settings,
    options: RemoteOptions,
    environ: Mapping[str, str],
    on_retry: Callable[[str], None] | None = None,
) -> Backend:
    """The configured backend, with the key from the environment (or --api-key-file)."""
    from promptsync.backends.base import Connection, open_backend

    key = settings.api_key(environ, options.api_key_file)
    return open_backend(
        settings,
        Connection(
            key, timeout=options.timeout, retry_delay=options.retry_delay, on_retry=on_retry
        ),
    )
