"""The plan: frozen data built by the planner, rendered for humans and executed by apply.

Serialized as "Plan JSON" (format_version "2"), documented in docs/plan-format.md. It knows no
wire format: operations hold the desired content, and a backend turns them into requests.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Annotated, Any, Literal

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    SerializerFunctionWrapHandler,
    model_serializer,
)

from promptsync.breaking import BreakingKind
from promptsync.impact_models import Impact
from promptsync.models import SCHEMA_BASE, LlmParamValue, Message, TemplateFormat, Tool

FORMAT_VERSION = "2"
Action = Literal["create", "update", "promote"]
# The kinds of resource a plan manages. Prompt templates are the first; evaluation criteria or
# datasets would be further kinds with their own operations, in the same lists.
ResourceKind = Literal["prompt_template"]


class _Frozen(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid", allow_inf_nan=False, defer_build=True)


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


class VersionContent(_Frozen):
    """Everything a new version holds, as the files say (plus provenance when undeclared)."""

    messages: list[Message]
    provider: str
    model: str
    llm_parameters: dict[str, LlmParamValue] | None = None
    tool_schema: list[Tool] | None = None
    output_schema: dict[str, Any] | None = None
    version_name: str | None = None
    version_description: str | None = None
    template_format: TemplateFormat | None = Field(
        default=None,
        description="PromptLayer's template language; absent on Freeplay (always mustache).",
    )

    @model_serializer(mode="wrap")
    def _drop_absent_format(self, handler: SerializerFunctionWrapHandler) -> dict[str, Any]:
        # Absent rather than null, so that a Freeplay plan reads as it did before PromptLayer.
        data: dict[str, Any] = handler(self)
        if data.get("template_format") is None:
            data.pop("template_format", None)
        return data


class CreateVersion(_Frozen):
    """Create a version with this content, deployed to `environments` (none: latest only)."""

    op: Literal["create_version"] = "create_version"
    kind: ResourceKind = "prompt_template"
    name: str
    environments: list[str]
    content: VersionContent
    hash: str = Field(description="Hash of the normalized content (without name/description).")
    file: str = Field(description="The prompt file the content comes from.")


class DeployVersion(_Frozen):
    """Point environments at an existing version; `environments` is the full set of managed
    environments that serve it afterwards (correct whether a server adds or replaces)."""

    op: Literal["deploy_version"] = "deploy_version"
    kind: ResourceKind = "prompt_template"
    name: str
    environments: list[str]
    template_id: str | None
    version_id: str | None = Field(
        description="null: the version this plan's create of the same `hash` makes."
    )
    hash: str


Operation = Annotated[CreateVersion | DeployVersion, Field(discriminator="op")]


class Change(_Frozen):
    kind: ResourceKind = "prompt_template"
    name: str
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


def change_counts(changes: Sequence[Change]) -> dict[str, int]:
    """How many templates each action touches, and the breaking changes: what a plan's summary
    says of its changes (and what an apply report counts of the changes it finished)."""
    return {
        "create": sum("create" in c.actions for c in changes),
        "update": sum("update" in c.actions for c in changes),
        "promote": sum("promote" in c.actions for c in changes),
        "breaking": sum(len(c.breaking) for c in changes),
    }


class Orphan(_Frozen):
    kind: ResourceKind = "prompt_template"
    name: str
    template_id: str | None = Field(description="null when the registry's answer lacked it.")
    version_id: str | None


class Unclaimed(_Frozen):
    kind: ResourceKind = "prompt_template"
    name: str
    environment: str
    version_id: str


class Summary(_Frozen):
    create: int
    update: int
    promote: int
    no_op: int
    breaking: int
    orphans: int


class BackendRef(_Frozen):
    """Which registry the plan is for."""

    kind: Literal["freeplay", "promptlayer"]
    api_url: str
    project_id: str | None = Field(default=None, description="Freeplay's project; null otherwise.")


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

    format_version: Literal["2"] = "2"
    promptsync_version: str
    created_at: str
    backend: BackendRef
    git: GitInfo | None
    environments: list[str] = Field(description="Managed environments, in order.")
    remote_fingerprint: dict[str, str]
    summary: Summary
    changes: list[Change]
    orphans: list[Orphan]
    unclaimed: list[Unclaimed]
    warnings: list[str]
    impact: Impact | None = Field(
        default=None, description="Evidence from recorded calls (plan --impact); absent without."
    )

    @model_serializer(mode="wrap")
    def _impact_only_when_asked(self, handler: SerializerFunctionWrapHandler) -> dict[str, Any]:
        # A plan made without --impact is exactly what it was before impact existed.
        data: dict[str, Any] = handler(self)
        if data.get("impact") is None:
            data.pop("impact", None)
        return data

    @property
    def has_changes(self) -> bool:
        return bool(self.changes)
