"""Pydantic models of the prompt file, the config and a remote template version. No I/O here."""

from __future__ import annotations

from collections import Counter
from typing import Annotated, Any, Literal

from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Discriminator,
    Field,
    StrictFloat,
    StrictInt,
    StrictStr,
    Tag,
    field_validator,
)

from promptsync.impact_models import ImpactConfig
from promptsync.remote import LATEST
from promptsync.rules import (
    ENVIRONMENT_NAME_MAX,
    TEMPLATE_NAME_MAX,
    check_api_url,
    check_label,
    check_project_id,
    check_variable_name,
)

# PromptLayer's template languages; Freeplay has only mustache (and no template_format).
TemplateFormat = Literal["f-string", "jinja2"]
SCHEMA_BASE = "https://promptsync.dev/schemas"


class _Strict(BaseModel):
    # NaN and infinity are not JSON: no registry could be sent them.
    # defer_build: validators are built on first validation, and a valid repository is read
    # without any (see trusted_prompt); building them costs a tenth of a second.
    model_config = ConfigDict(
        extra="forbid", strict=True, frozen=True, allow_inf_nan=False, defer_build=True
    )


class MediaSlot(_Strict):
    """A slot where the caller attaches media (an image, audio, video or file) at run time."""

    type: Literal["image", "audio", "video", "file"]
    placeholder_name: str = Field(min_length=1)


class ChatMessage(_Strict):
    """One message of the template; `content` may use variables (mustache `{{name}}` on
    Freeplay; `{name}` or jinja2 `{{ name }}` on PromptLayer)."""

    role: Literal["system", "user", "assistant"]
    content: str
    media_slots: list[MediaSlot] | None = None


class HistoryPlaceholder(_Strict):
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


class Tool(_Strict):
    """A tool the model may call: a name, a description and a JSON-schema of its parameters."""

    name: str = Field(min_length=1)
    description: str
    parameters: dict[str, Any]


class Variable(_Strict):
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


EnvironmentName = Annotated[
    str, Field(min_length=1, max_length=ENVIRONMENT_NAME_MAX), AfterValidator(check_label)
]
ClaimableEnvironment = Annotated[EnvironmentName, AfterValidator(_claimable_environment)]


def _managed_environment(value: str) -> str:
    if value == LATEST:
        raise ValueError("'latest' is always compared and cannot be managed; remove it")
    return value


ManagedEnvironment = Annotated[EnvironmentName, AfterValidator(_managed_environment)]


def _unique(value: list[str] | None) -> list[str] | None:
    duplicates = sorted(env for env, count in Counter(value or []).items() if count > 1)
    if duplicates:
        raise ValueError(f"environment {duplicates[0]!r} is listed twice")
    return value


class PromptFile(_Strict):
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
    environments: Annotated[list[ClaimableEnvironment] | None, AfterValidator(_unique)] = Field(
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


class Config(_Strict):
    """`promptsync.yaml`: where the prompts are and which registry they go to."""

    model_config = ConfigDict(
        title="promptsync config",
        json_schema_extra={
            "$schema": "https://json-schema.org/draft/2020-12/schema",
            "$id": f"{SCHEMA_BASE}/config.schema.json",
        },
    )

    backend: Literal["freeplay", "promptlayer"] = Field(
        default="freeplay", description="The registry: freeplay (default) or promptlayer."
    )
    project_id: str | None = Field(
        default=None,
        description="Freeplay only: the project (or env FREEPLAY_PROJECT_ID). A PromptLayer"
        " API key is one workspace, so a PromptLayer config has no project_id.",
    )
    api_url: str | None = Field(
        default=None,
        description="Or env FREEPLAY_API_URL / PROMPTLAYER_API_URL. Freeplay: the instance"
        " root, .../api or .../api/v2 (default https://app.freeplay.ai). PromptLayer: the API"
        " root (default https://api.promptlayer.com).",
    )
    prompts_dir: str = Field(default="prompts", min_length=1)
    environments: Annotated[list[ManagedEnvironment] | None, AfterValidator(_unique)] = Field(
        default=None,
        min_length=1,
        description="Environments promptsync manages (PromptLayer: release labels; default:"
        " all named in prompt files).",
    )
    impact: ImpactConfig = Field(
        default_factory=ImpactConfig, description="What `plan --impact` samples."
    )

    @field_validator("project_id")
    @classmethod
    def _project_id(cls, value: str | None) -> str | None:
        return None if value is None else check_project_id(value)

    @field_validator("api_url")
    @classmethod
    def _api_url(cls, value: str | None) -> str | None:
        return None if value is None else check_api_url(value)
