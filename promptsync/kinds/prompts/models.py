"""Pydantic models of a prompt file (one version of one template). No I/O here; the JSON Schema
of the format is generated from them (`promptsync schema prompt`)."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import (
    AfterValidator,
    ConfigDict,
    Discriminator,
    Field,
    StrictFloat,
    StrictInt,
    StrictStr,
    Tag,
)

from promptsync.repo.config import SCHEMA_BASE, EnvironmentName, StrictModel, unique_environments
from promptsync.repo.rules import LATEST, TEMPLATE_NAME_MAX, check_label, check_variable_name

# PromptLayer's template languages; Freeplay has only mustache (and no template_format).
TemplateFormat = Literal["f-string", "jinja2"]


class MediaSlot(StrictModel):
    """A slot where the caller attaches media (an image, audio, video or file) at run time."""

    type: Literal["image", "audio", "video", "file"]
    placeholder_name: str = Field(min_length=1)


class ChatMessage(StrictModel):
    """One message of the template; `content` may use variables (mustache `{{name}}` on
    Freeplay; `{name}` or jinja2 `{{ name }}` on PromptLayer)."""

    role: Literal["system", "user", "assistant"]
    content: str
    media_slots: list[MediaSlot] | None = None


class HistoryPlaceholder(StrictModel):
    """Where the conversation history is inserted at run time."""

    kind: Literal["history"]


def _message_tag(value: Any) -> str:
    if isinstance(value, dict) and "kind" in value:
        return "history"
    if isinstance(value, HistoryPlaceholder):
        return "history"
    return "message"


Message = Annotated[
    Annotated[ChatMessage, Tag("message")] | Annotated[HistoryPlaceholder, Tag("history")],
    Discriminator(_message_tag),
]


class Tool(StrictModel):
    """A tool the model may call: a name, a description and a JSON-schema of its parameters."""

    name: str = Field(min_length=1)
    description: str
    parameters: dict[str, Any]


class Variable(StrictModel):
    """A declared template variable, with an example value used by `render` and the docs."""

    example: Any = None
    description: str | None = None


LlmParamValue = StrictStr | StrictInt | StrictFloat | dict[str, Any]
TemplateName = Annotated[
    str, Field(min_length=1, max_length=TEMPLATE_NAME_MAX), AfterValidator(check_label)
]
VariableName = Annotated[str, AfterValidator(check_variable_name)]


def _claimable_environment(value: str) -> str:
    if value == LATEST:
        raise ValueError(
            "'latest' cannot be listed: it always points at the newest version"
            " (omit environments to compare this file with latest)"
        )
    return value


ClaimableEnvironment = Annotated[EnvironmentName, AfterValidator(_claimable_environment)]


class PromptFile(StrictModel):
    """One version of one prompt template (one YAML file under the prompts directory)."""

    model_config = ConfigDict(
        title="promptsync prompt file",
        json_schema_extra={
            "$schema": "https://json-schema.org/draft/2020-12/schema",
            "$id": f"{SCHEMA_BASE}/prompt.schema.json",
        },
    )

    name: TemplateName = Field(description="The template name (case-sensitive).")
    provider: str = Field(min_length=1, description="Provider key: openai, anthropic, ...")
    model: str = Field(min_length=1)
    llm_parameters: dict[str, LlmParamValue] | None = Field(
        default=None, description="Model parameters, sent as-is (temperature, max_tokens, ...)."
    )
    template_format: TemplateFormat | None = Field(
        default=None,
        description="PromptLayer only: the template language of every message, f-string"
        " (default) or jinja2. Freeplay templates are always mustache.",
    )
    messages: list[Message] = Field(min_length=1, description="The template's messages.")
    tool_schema: list[Tool] | None = None
    output_schema: dict[str, Any] | None = None
    environments: Annotated[
        list[ClaimableEnvironment] | None, AfterValidator(unique_environments)
    ] = Field(
        default=None,
        min_length=1,
        description="Environments this version must be deployed to. Omit to compare with latest.",
    )
    version_name: str | None = None
    version_description: str | None = None
    variables: dict[VariableName, Variable] | None = Field(
        default=None, description="Declared template variables; enables the undeclared-use check."
    )


def trusted_prompt(data: dict[str, Any]) -> PromptFile:
    """The model of data that `shape.prompt_file_ok` vouched for, without validating it again.

    Validation is what costs: building pydantic's validators for these models is a tenth of a
    second of every plan. tests/test_shape.py holds the shape check to the models' verdict, and
    this construction to `PromptFile.model_validate` of the same data.
    """

    def message(m: dict[str, Any]) -> ChatMessage | HistoryPlaceholder:
        if "kind" in m:
            return HistoryPlaceholder.model_construct(kind=m["kind"])
        slots = m.get("media_slots")
        return ChatMessage.model_construct(
            role=m["role"],
            content=m["content"],
            media_slots=None if slots is None else [MediaSlot.model_construct(**s) for s in slots],
        )

    tools = data.get("tool_schema")
    variables = data.get("variables")
    fields = {
        **{k: v for k, v in data.items() if k not in ("messages", "tool_schema", "variables")},
        "messages": [message(m) for m in data["messages"]],
        "tool_schema": None if tools is None else [Tool.model_construct(**t) for t in tools],
        "variables": None
        if variables is None
        else {k: Variable.model_construct(**(v or {})) for k, v in variables.items()},
    }
    return PromptFile.model_construct(**fields)


def prompt_keys(parent_loc: tuple[int | str, ...]) -> tuple[list[str], str]:
    """Keys allowed in the prompt file's mapping at a pydantic error location, and a note
    for the hint."""
    names = [part for part in parent_loc if isinstance(part, str)]
    if not names:
        return list(PromptFile.model_fields), ""
    if names[0] == "messages":
        if "media_slots" in names:
            return list(MediaSlot.model_fields), ""
        if "history" in names:
            return [], " (a history placeholder has only 'kind: history')"
        return list(ChatMessage.model_fields), ""
    if names[0] == "tool_schema":
        return list(Tool.model_fields), ""
    if names[0] == "variables":
        return list(Variable.model_fields), ""
    return [], ""  # pragma: no cover - every mapping of the format is listed above
