"""The plan: frozen data built by the planner, rendered for humans and executed by apply.

Serialized as "Plan JSON" (format_version "1"), documented in docs/plan-format.md.
"""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from promptsync.breaking import BreakingKind
from promptsync.models import SCHEMA_BASE

Action = Literal["create", "update", "promote"]


class _Frozen(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class VersionRef(_Frozen):
    """A version: its id when it exists, and the hash of its normalized content."""

    version_id: str | None = None
    hash: str
    version_name: str | None = Field(default=None, description="Only when declared by the file.")
    version_description: str | None = Field(
        default=None, description="Only when declared by the file."
    )


class EnvironmentChange(_Frozen):
    """What one environment serves now (`before`, null if nothing) and after apply."""

    via: Action = Field(description="create: a new version; promote: an existing version.")
    before: VersionRef | None
    after: VersionRef


class FieldDiff(_Frozen):
    """One changed field, for the environments listed (which share the same `before`)."""

    path: str
    environments: list[str]
    before: Any = None
    after: Any = None
    text_diff: str | None = Field(default=None, description="Unified diff of message text.")


class Breaking(_Frozen):
    kind: BreakingKind
    environment: str
    detail: str


class Operation(_Frozen):
    """An API call apply makes. `body` is the exact JSON request body."""

    op: Literal["create_version", "update_environments"]
    template: str
    environments: list[str]
    body: dict[str, Any]
    file: str | None = Field(default=None, description="create_version: the source file.")
    template_id: str | None = None
    version_id: str | None = Field(default=None, description="update_environments: target.")


class Change(_Frozen):
    template: str
    action: Action = Field(description="The strongest action: create > update > promote.")
    actions: list[Action]
    files: list[str]
    environments: dict[str, EnvironmentChange]
    diff: list[FieldDiff]
    breaking: list[Breaking]
    operations: list[Operation]
    latest_after: str | None = Field(
        default=None,
        description="Hash of the content latest serves after apply, when apply moves latest.",
    )


class Orphan(_Frozen):
    template: str
    template_id: str
    version_id: str


class Unclaimed(_Frozen):
    template: str
    environment: str
    version_id: str


class Summary(_Frozen):
    create: int
    update: int
    promote: int
    no_op: int
    breaking: int
    orphans: int


class Backend(_Frozen):
    kind: Literal["freeplay"]
    api_url: str
    project_id: str


class GitInfo(_Frozen):
    commit: str
    branch: str | None
    dirty: bool


class Plan(_Frozen):
    model_config = ConfigDict(
        frozen=True,
        extra="forbid",
        title="promptsync plan",
        json_schema_extra={
            "$schema": "https://json-schema.org/draft/2020-12/schema",
            "$id": f"{SCHEMA_BASE}/plan.schema.json",
        },
    )

    format_version: Literal["1"] = "1"
    promptsync_version: str
    created_at: str
    backend: Backend
    git: GitInfo | None
    environments: list[str] = Field(description="Managed environments, in order.")
    remote_fingerprint: dict[str, str]
    summary: Summary
    changes: list[Change]
    orphans: list[Orphan]
    unclaimed: list[Unclaimed]
    warnings: list[str]

    @property
    def has_changes(self) -> bool:
        return bool(self.changes)
