"""Every project of a repository at once (`--all`): find the tracked configs, then plan (or
validate) each one — concurrently, each on its own registry connection. A project that cannot be
planned becomes an entry naming it and why; the others are planned all the same.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

from promptsync import __version__
from promptsync.errors import PromptsyncError, messages
from promptsync.jobs import planning as jobs_planning
from promptsync.jobs.project import Selection, matches
from promptsync.jobs.validation import Validation, validate
from promptsync.kinds.prompts.remote import LATEST
from promptsync.plan.projects import ProjectError, ProjectPlan, ProjectsPlan, summarize
from promptsync.repo.projects import ProjectConfig, changed_paths, touched, tracked_configs
from promptsync.repo.settings import load_settings
from promptsync.threads import background

if TYPE_CHECKING:  # impact is imported only when asked for
    from promptsync.jobs.impact import ImpactOptions

T = TypeVar("T")
R = TypeVar("R")

# Projects read at once. Each reads its environments concurrently too, so this bounds the
# requests in flight; a repository of up to this many projects is read in one wave.
PROJECTS_AT_ONCE = 32


@dataclass(frozen=True)
class Repository:
    """A git repository's projects: its top directory and each tracked config, by path."""

    top: Path
    projects: list[ProjectConfig]


def discover(cwd: Path) -> Repository:
    """Every `promptsync.yaml` git tracks at or below `cwd` (untracked files and ignored
    directories such as `.venv` never count)."""
    top, projects = tracked_configs(cwd)
    return Repository(top, projects)


def one_project(config: str | None, environ: Mapping[str, str], cwd: Path) -> Repository:
    """The repository of one config (`--config`, or found by walking up), as a repository with
    that one project (outside git, the config's directory stands for the repository)."""
    from promptsync.repo.projects import repository_top
    from promptsync.repo.settings import find_config

    found = find_config(config, environ, cwd)
    if found is None:
        raise PromptsyncError(
            f"no promptsync.yaml in {cwd} or any parent directory; pass --config, or --all"
        )
    path = found.resolve()
    try:
        top = repository_top(path.parent)
    except PromptsyncError:
        top = path.parent
    return Repository(top, [ProjectConfig(path.parent.relative_to(top).as_posix(), path)])


def each_concurrently(items: Sequence[T], fn: Callable[[T], R], limit: int) -> list[R]:
    """fn(item) for every item, in order, at most `limit` at a time, in daemon threads (a run
    that stops early never waits for a read in flight)."""
    slots = threading.Semaphore(limit)

    def run(item: T) -> R:
        with slots:
            return fn(item)

    futures = [background(lambda item=item: run(item)) for item in items]  # type: ignore[misc]
    return [future.result() for future in futures]


def _entry(project: ProjectConfig, top: Path, **fields: object) -> ProjectPlan:
    config = project.config.relative_to(top).as_posix()
    return ProjectPlan.model_validate({"path": project.path, "config": config, **fields})


def _failed(project: ProjectConfig, top: Path, exc: PromptsyncError) -> ProjectPlan:
    return _entry(project, top, error=ProjectError(messages=messages(exc)))


@dataclass(frozen=True)
class _Planned:
    entry: ProjectPlan
    globs: frozenset[str]  # the --template globs that matched a template of this project


def _encode(planned: _Planned) -> dict[str, object]:
    return {"entry": planned.entry.model_dump(mode="json"), "globs": sorted(planned.globs)}


def _decode(data: dict[str, Any]) -> _Planned:
    return _Planned(ProjectPlan.model_validate(data["entry"]), frozenset(data["globs"]))


def _plan_one(
    project: ProjectConfig,
    top: Path,
    selection: Selection,
    remote: jobs_planning.RemoteOptions,
    environ: Mapping[str, str],
    impact: ImpactOptions | None,
    on_retry: Callable[[str], None] | None,
) -> _Planned:
    """One project's entry: its plan, why it was skipped, or its errors."""
    retry = None if on_retry is None else (lambda m: on_retry(f"{project.path}: {m}"))
    try:
        planning = jobs_planning.start_planning(
            str(project.config), environ, project.directory, remote, retry
        )
    except PromptsyncError as exc:
        return _Planned(_failed(project, top, exc), frozenset())
    try:
        managed = planning.project.managed
        envs = [e for e in selection.environments if e in managed or e == LATEST]
        if selection.environments and not envs:
            wanted = ", ".join(selection.environments)
            return _Planned(
                _entry(project, top, skipped=f"manages none of --env {wanted}"), frozenset()
            )
        reading = planning.early or background(lambda: planning.backend.read([*managed, LATEST]))
        globs = list(selection.templates)
        if globs:  # a glob only has to match in some project, not in each
            names = {*planning.project.loaded.templates, *reading.result()[LATEST].names()}
            globs = [g for g in globs if any(matches(n, [g]) for n in names)]
            if not globs:
                wanted = " ".join(f"--template {g}" for g in selection.templates)
                return _Planned(
                    _entry(project, top, skipped=f"no template matches {wanted}"), frozenset()
                )
        narrowed = replace(selection, environments=tuple(envs), templates=tuple(globs))
        plan = jobs_planning.make_plan(
            planning.project, planning.backend, narrowed, reading, impact
        )
        return _Planned(_entry(project, top, plan=plan), frozenset(globs))
    except PromptsyncError as exc:
        return _Planned(_failed(project, top, exc), frozenset())
    finally:
        planning.close()


def _untouched(repository: Repository, ref: str, environ: Mapping[str, str]) -> dict[str, str]:
    """Project path → why it is skipped: nothing in its directory or its prompts directory
    changed since `ref`. (A config that cannot be read counts by its directory alone.)"""
    changed = changed_paths(repository.top, ref)
    skipped = {}
    for project in repository.projects:
        directories = [project.path]
        try:
            settings = load_settings(str(project.config), environ, project.directory)
            prompts = settings.prompts_dir.resolve()
            if prompts.is_relative_to(repository.top.resolve()):
                directories.append(prompts.relative_to(repository.top.resolve()).as_posix())
        except PromptsyncError:
            pass
        if not touched(directories, changed):
            skipped[project.path] = f"no changed files since {ref}"
    return skipped


def plan_all(
    repository: Repository,
    selection: Selection,
    remote: jobs_planning.RemoteOptions,
    environ: Mapping[str, str],
    *,
    impact: ImpactOptions | None = None,
    on_retry: Callable[[str], None] | None = None,
) -> ProjectsPlan:
    """Plan every project of the repository (those touched since --changed-since, when given),
    concurrently. Errors are entries, never exceptions — except a --template glob that matches
    no template in any project (a typo would otherwise plan nothing)."""
    skipped = (
        _untouched(repository, selection.changed_since, environ) if selection.changed_since else {}
    )
    top = repository.top

    def one(project: ProjectConfig) -> _Planned:
        if project.path in skipped:
            return _Planned(_entry(project, top, skipped=skipped[project.path]), frozenset())
        return _plan_one(project, top, selection, remote, environ, impact, on_retry)

    from promptsync.jobs.processes import can_fork, cores, spread
    from promptsync.repo.gitinfo import shared_answers

    def planned(chunk: Sequence[ProjectConfig]) -> list[_Planned]:
        return each_concurrently(chunk, one, PROJECTS_AT_ONCE)

    # Reading 100 files and planning costs a project tens of milliseconds of CPU, which threads
    # cannot share out: with many projects, each core takes a share (two projects at least).
    processes = min(cores(), len(repository.projects) // 2)
    with shared_answers():
        if processes >= 2 and can_fork():
            done = spread(repository.projects, planned, _encode, _decode, processes)
        else:
            done = planned(repository.projects)
    # Undecided when a project failed (the glob may be its) or none was looked at.
    looked_at = [d for d in done if d.entry.path not in skipped]
    if looked_at and not any(d.entry.error for d in done):
        matched = {g for d in done for g in d.globs}
        for pattern in selection.templates:
            if pattern not in matched:
                raise PromptsyncError(
                    f"--template {pattern!r}: matches no template in any project (neither a"
                    " file nor a registry has one by that name); template names are"
                    " case-sensitive"
                )
    from promptsync.repo.gitinfo import git_info

    git, _ = git_info(top)
    entries = [d.entry for d in done]
    return ProjectsPlan(
        promptsync_version=__version__,
        created_at=datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
        git=git,
        changed_since=selection.changed_since,
        projects=entries,
        summary=summarize(entries),
    )


@dataclass(frozen=True)
class ProjectValidation:
    project: ProjectConfig
    result: Validation


def validate_all(repository: Repository, environ: Mapping[str, str]) -> list[ProjectValidation]:
    """Every project validated offline, each on its own."""
    return [
        ProjectValidation(p, validate(str(p.config), environ, p.directory))
        for p in repository.projects
    ]
