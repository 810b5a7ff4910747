"""A prompt template's part of the plan: what each environment serves before and after, field
diffs, breaking changes, and the neutral operations (create a version; point environments at an
existing one). Frozen data built by the planner, rendered for humans and executed by apply.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import Field, SerializerFunctionWrapHandler, model_serializer

from promptsync.kinds.common import Action, Frozen, PromptKind
from promptsync.kinds.prompts.breaking import BreakingKind
from promptsync.kinds.prompts.models import LlmParamValue, Message, TemplateFormat, Tool


class VersionRef(Frozen):
    """A version: its id when it exists, and the hash of its normalized content."""

    version_id: str | None = None
    hash: str
    version_name: str | None = Field(default=None, description="Only when declared by the file.")
    version_description: str | None = Field(
        default=None, description="Only when declared by the file."
    )
    unreadable: str | None = Field(
        default=None,
        description="Why promptsync cannot compare this version (drift apply replaces); absent"
        " for every version it read.",
    )

    @model_serializer(mode="wrap")
    def _readable_as_before(self, handler: SerializerFunctionWrapHandler) -> dict[str, Any]:
        # Absent rather than null, so a plan of readable versions reads as it always did.
        data: dict[str, Any] = handler(self)
        if data.get("unreadable") is None:
            data.pop("unreadable", None)
        return data


class EnvironmentChange(Frozen):
    """What one environment serves now (`before`, null if nothing) and after apply."""

    via: Action = Field(description="create: a new version; promote: an existing version.")
    before: VersionRef | None
    after: VersionRef


class FieldDiff(Frozen):
    """One changed field, for the environments listed (which share the same `before`)."""

    path: str
    environments: list[str]
    before: Any = None
    after: Any = None
    text_diff: str | None = Field(default=None, description="Unified diff of message text.")


class Breaking(Frozen):
    kind: BreakingKind
    environment: str
    detail: str


class VersionContent(Frozen):
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


class CreateVersion(Frozen):
    """Create a version with this content, deployed to `environments` (none: latest only)."""

    op: Literal["create_version"] = "create_version"
    kind: PromptKind = "prompt_template"
    name: str
    environments: list[str]
    content: VersionContent
    hash: str = Field(description="Hash of the normalized content (without name/description).")
    file: str = Field(description="The prompt file the content comes from.")


class DeployVersion(Frozen):
    """Point environments at an existing version; `environments` is the full set of managed
    environments that serve it afterwards (correct whether a server adds or replaces)."""

    op: Literal["deploy_version"] = "deploy_version"
    kind: PromptKind = "prompt_template"
    name: str
    environments: list[str]
    template_id: str | None
    version_id: str | None = Field(
        description="null: the version this plan's create of the same `hash` makes."
    )
    hash: str


Operation = Annotated[CreateVersion | DeployVersion, Field(discriminator="op")]


class Change(Frozen):
    kind: PromptKind = "prompt_template"
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


class Unclaimed(Frozen):
    kind: PromptKind = "prompt_template"
    name: str
    environment: str
    version_id: str
