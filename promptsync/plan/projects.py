"""The plan of several projects (`plan --all`): each project's Plan (or why it has none) and one
summary over all of them. Frozen data like the Plan, saved by `plan --all --out` and applied by
`apply --all PLANFILE` (each project's plan is checked against its registry on its own).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Literal

from pydantic import ConfigDict, Field

from promptsync.kinds.common import Frozen
from promptsync.plan.models import Plan
from promptsync.plan.saved import read_saved
from promptsync.repo.config import SCHEMA_BASE
from promptsync.repo.gitinfo import GitInfo


class ProjectError(Frozen):
    messages: list[str] = Field(description="The lines the CLI prints, `error: …` each.")


class ProjectPlan(Frozen):
    path: str = Field(description='The project\'s directory in the repository ("." for the top).')
    config: str = Field(description="Its config file, relative to the repository's top.")
    plan: Plan | None = Field(default=None, description="null when it failed or was skipped.")
    error: ProjectError | None = Field(default=None, description="Why it could not be planned.")
    skipped: str | None = Field(default=None, description="Why it was not planned.")

    @property
    def has_changes(self) -> bool:
        return self.plan is not None and self.plan.has_changes


class ProjectsSummary(Frozen):
    projects: int
    planned: int
    skipped: int
    failed: int
    changed: int = Field(description="Projects whose plan has changes.")
    create: int
    update: int
    promote: int
    no_op: int
    breaking: int
    orphans: int


class ProjectsPlan(Frozen):
    model_config = ConfigDict(
        frozen=True,
        extra="forbid",
        title="promptsync plan of several projects",
        json_schema_extra={
            "$schema": "https://json-schema.org/draft/2020-12/schema",
            "$id": f"{SCHEMA_BASE}/plans.schema.json",
        },
    )

    format_version: Literal["2"] = "2"
    kind: Literal["projects"] = Field(
        default="projects", description="Tells a plan of several projects from one project's."
    )
    promptsync_version: str
    created_at: str
    git: GitInfo | None
    changed_since: str | None = Field(description="--changed-since, when given.")
    projects: list[ProjectPlan]
    summary: ProjectsSummary

    @property
    def has_changes(self) -> bool:
        return any(p.has_changes for p in self.projects)

    @property
    def failed(self) -> list[ProjectPlan]:
        return [p for p in self.projects if p.error is not None]


def summarize(projects: Sequence[ProjectPlan]) -> ProjectsSummary:
    plans = [p.plan for p in projects if p.plan is not None]
    total = {
        key: sum(getattr(plan.summary, key) for plan in plans)
        for key in ("create", "update", "promote", "no_op", "breaking", "orphans")
    }
    return ProjectsSummary(
        projects=len(projects),
        planned=len(plans),
        skipped=sum(p.skipped is not None for p in projects),
        failed=sum(p.error is not None for p in projects),
        changed=sum(p.has_changes for p in projects),
        **total,
    )


def load_projects_plan_file(path: str) -> ProjectsPlan:
    """A saved plan of several projects; one project's plan is refused with a pointer."""
    return read_saved(path, ProjectsPlan, several=True)
