"""The drift watch: per project, plan the checked-out files against the registry; where they
differ, compute the files `pull` would write for the templates that differ, and (the Action)
put them on a branch `promptsync/drift/<project>` with one pull request whose body is the plan.

No drift, no request to GitHub: an open drift pull request is left alone. Orphans (templates
only the registry has) are shown in the plan but never pulled: `promptsync pull --template`
adopts one on purpose.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from promptsync.errors import PromptsyncError, messages
from promptsync.jobs import planning as jobs_planning
from promptsync.jobs.project import Project, Selection
from promptsync.jobs.projects import PROJECTS_AT_ONCE, each_concurrently
from promptsync.jobs.workspace import (
    FileChange,
    existing_files,
    file_changes,
    outside,
    prompt_targets,
    schema_ref,
    valid_files,
    write_changes,
)
from promptsync.kinds.prompts.pull import pull_all, unreadable_notes
from promptsync.kinds.prompts.remote import LATEST, Snapshots
from promptsync.plan.models import Plan
from promptsync.repo.projects import ProjectConfig, branch_slugs
from promptsync.threads import background

if TYPE_CHECKING:
    from promptsync.github.rest import GitHub

BRANCH_PREFIX = "promptsync/drift/"


@dataclass(frozen=True)
class Drift:
    """One project against its registry: the plan, and what pull would change on disk."""

    path: str
    config: str
    plan: Plan | None = None
    changes: list[FileChange] = field(default_factory=list)
    files: dict[str, str | None] = field(default_factory=dict)  # repository path → text | None
    symbols: dict[str, str] = field(default_factory=dict)  # repository path → "+", "~" or "-"
    notes: list[str] = field(default_factory=list)  # what pull cannot write, and why
    errors: list[str] = field(default_factory=list)

    @property
    def drifted(self) -> bool:
        return self.plan is not None and self.plan.has_changes


def _pulled_changes(
    project: Project, snapshots: Snapshots, names: Sequence[str], top: Path
) -> tuple[list[FileChange], dict[str, str | None], dict[str, str], list[str]]:
    """What pull would change for `names` (the templates that drifted): the file changes,
    repository paths → text (None: removed) and → symbol, and notes on what it cannot write."""
    settings = project.settings
    managed = project.managed
    pulled = pull_all(snapshots, managed, list(names), schema_ref(settings))
    files, skipped = valid_files(pulled, settings.prompts_dir, settings.config.backend)
    existing = existing_files(settings.prompts_dir, settings.config.backend)
    changes, _same = file_changes(prompt_targets(settings.prompts_dir, files), existing)
    notes = [f"skipped {s.template}: {s.reason}" for s in skipped]
    notes += unreadable_notes(snapshots, [*managed, LATEST], list(names))
    real_top = Path(os.path.realpath(top))
    by_path: dict[str, str | None] = {}
    symbols: dict[str, str] = {}
    for change in changes:
        why = outside(change.path, top)
        if why is not None:
            notes.append(f"not written: {why}")
            continue
        real = Path(os.path.realpath(change.path))
        text = change.text
        path = real.relative_to(real_top).as_posix()
        by_path[path], symbols[path] = text, change.symbol
    return changes, by_path, symbols, notes


def find_drift(
    project: ProjectConfig,
    top: Path,
    environ: Mapping[str, str],
    remote: jobs_planning.RemoteOptions,
    on_retry: Callable[[str], None] | None = None,
) -> Drift:
    """Plan one project (reading each environment once) and, when it has changes, the files
    pull would write for the templates that changed. Errors are part of the answer."""
    config = project.config.relative_to(top).as_posix()
    try:
        planning = jobs_planning.start_planning(
            str(project.config), environ, project.directory, remote, on_retry
        )
    except PromptsyncError as exc:
        return Drift(project.path, config, errors=messages(exc))
    try:
        managed = planning.project.managed
        reading = planning.early or background(lambda: planning.backend.read([*managed, LATEST]))
        plan = jobs_planning.make_plan(planning.project, planning.backend, Selection(), reading)
        if not plan.has_changes:
            return Drift(project.path, config, plan)
        names = sorted({c.name for c in plan.template_changes})  # datasets are not pulled here
        pulled = _pulled_changes(planning.project, reading.result(), names, top)
        return Drift(project.path, config, plan, *pulled)
    except PromptsyncError as exc:
        return Drift(project.path, config, errors=messages(exc))
    finally:
        planning.close()


def find_drifts(
    projects: Sequence[ProjectConfig],
    top: Path,
    environ: Mapping[str, str],
    remote: jobs_planning.RemoteOptions,
    on_retry: Callable[[str], None] | None = None,
) -> list[Drift]:
    return each_concurrently(
        projects, lambda p: find_drift(p, top, environ, remote, on_retry), PROJECTS_AT_ONCE
    )


def write_drift(drift: Drift, top: Path) -> None:
    """Write what pull would for the drifted templates into the working tree (`drift --write`)."""
    write_changes(drift.changes, top)


# --- pull requests ------------------------------------------------------------------------------


@dataclass(frozen=True)
class Proposal:
    """What the Action did for one drifted project on GitHub."""

    path: str
    branch: str
    number: int | None = None
    url: str = ""
    outcome: str = ""  # "created", "updated", "unchanged"; "" when nothing could be committed
    error: str | None = None


def drift_branches(paths: Sequence[str]) -> dict[str, str]:
    return {p: BRANCH_PREFIX + slug for p, slug in branch_slugs(paths).items()}


def pull_request_text(drift: Drift, base: str, body_markdown: str) -> tuple[str, str]:
    """The title and body of a drift pull request (the body holds the plan's markdown)."""
    assert drift.plan is not None
    where = "" if drift.path == "." else f" in {drift.path}"
    title = f"promptsync: the registry differs from {base}{where}"
    ref = drift.plan.backend
    registry = (
        f"{ref.kind} ({ref.api_url}{f', project {ref.project_id}' if ref.project_id else ''})"
    )
    notes = "".join(f"- {n}\n" for n in drift.notes)
    body = (
        f"<!-- promptsync:drift {drift.path} -->\n"
        f"The registry, {registry}, serves prompts that differ from the files on `{base}`"
        f" (`{drift.config}`). This pull request writes what it serves into the files, as"
        " `promptsync pull` does, so that a change made in the registry's UI comes back into git"
        " for review.\n\n"
        f"- **Merge** it to keep the registry's state: the next plan says No changes.\n"
        f"- **Close** it and apply `{base}` to put the files' state back into the registry.\n\n"
        "promptsync updates this pull request while the drift lasts, and leaves it alone once"
        f" the registry matches `{base}` again. The plan below is what applying `{base}` would"
        " do, the reverse of this pull request's diff.\n\n"
        + (f"**Not pulled:**\n\n{notes}\n" if notes else "")
        + body_markdown
    )
    return title, body


def propose_drift(
    github: GitHub,
    repo: str,
    drift: Drift,
    *,
    base: str,
    branch: str,
    body_markdown: str,
    draft: bool = True,
) -> Proposal:
    """Put the drift on its branch and open (or update) its one pull request."""
    from promptsync.github.branches import commit_to_branch
    from promptsync.github.pulls import propose
    from promptsync.github.rest import GitHubError

    if not drift.files:
        return Proposal(drift.path, branch)
    assert drift.plan is not None
    title, body = pull_request_text(drift, base, body_markdown)
    message = f"{title}\n\nPulled by promptsync's drift watch.\n"
    try:
        commit_to_branch(github, repo, base, branch, drift.files, message)
        made = propose(github, repo, branch, base, title, body, draft=draft)
    except GitHubError as exc:
        return Proposal(drift.path, branch, error=str(exc))
    return Proposal(drift.path, branch, made.number, made.url, made.outcome)


@dataclass(frozen=True)
class DriftWatch:
    """What the drift watch found in each project, and did on GitHub."""

    drifts: list[Drift]
    proposals: dict[str, Proposal]

    def states(self) -> list[tuple[str, str, bool]]:
        """(project path, what happened, whether it failed) per project, in order."""
        rows = []
        for drift in self.drifts:
            made = self.proposals.get(drift.path)
            if drift.errors:
                rows.append((drift.path, drift.errors[0].removeprefix("error: "), True))
            elif not drift.drifted:
                rows.append((drift.path, "no drift", False))
            elif made is not None and made.error is not None:
                rows.append((drift.path, made.error, True))
            elif made is None or not made.outcome:
                rows.append((drift.path, "drift, but nothing that pull could write", False))
            else:
                rows.append(
                    (drift.path, f"drift: pull request #{made.number} {made.outcome}", False)
                )
        return rows

    @property
    def failed(self) -> bool:
        return any(failed for _, _, failed in self.states())

    def summary_line(self) -> str:
        drifted = [d.path for d in self.drifts if d.drifted]
        listed = f": {', '.join(drifted)}." if drifted else "."
        return f"Drift in {len(drifted)} of {len(self.drifts)} project(s){listed}"


def watch(
    projects: Sequence[ProjectConfig],
    top: Path,
    environ: Mapping[str, str],
    *,
    api_url: str,
    token: str,
    repo: str,
    on_retry: Callable[[str], None] | None = None,
) -> DriftWatch:
    """The drift watch: find each project's drift; for each that pull can write, a branch
    `promptsync/drift/<project>` on top of the default branch and one pull request whose body
    is the plan. GitHub is not called at all when nothing drifted."""
    from promptsync.display.markdown import plan_markdown
    from promptsync.github.branches import default_branch
    from promptsync.github.rest import COMMENT_LIMIT, GitHub

    drifts = find_drifts(projects, top, environ, jobs_planning.RemoteOptions(), on_retry)
    branches = drift_branches([p.path for p in projects])
    proposals: dict[str, Proposal] = {}
    if any(d.drifted and d.files for d in drifts):
        with GitHub(api_url, token) as github:
            base = default_branch(github, repo)
            for drift in drifts:
                if not drift.drifted:
                    continue
                assert drift.plan is not None
                _, preamble = pull_request_text(drift, base, "")
                limit = COMMENT_LIMIT - len(preamble) - 200
                body = plan_markdown(drift.plan, title=drift.path, limit=limit)
                proposals[drift.path] = propose_drift(
                    github, repo, drift, base=base, branch=branches[drift.path], body_markdown=body
                )
    return DriftWatch(drifts, proposals)
