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
    PrivateAttr,
    StrictFloat,
    StrictInt,
    StrictStr,
    Tag,
    field_validator,
)

from promptsync.rules import (
    ENVIRONMENT_NAME_MAX,
    TEMPLATE_NAME_MAX,
    check_api_url,
    check_label,
    check_project_id,
    check_variable_name,
)

ROLES = ("system", "user", "assistant")
MEDIA_TYPES = ("image", "audio", "video", "file")
SCHEMA_BASE = "https://promptsync.dev/schemas"


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True, frozen=True)


class MediaSlot(_Strict):
    """A slot where the caller attaches media (an image, audio, video or file) at run time."""

    type: Literal["image", "audio", "video", "file"]
    placeholder_name: str = Field(min_length=1)


class ChatMessage(_Strict):
    """One message of the template; `content` may use mustache `{{variables}}`."""

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
    """A declared mustache variable, with an example value used by `render` and the docs."""

    example: Any = None
    description: str | None = None


LlmParamValue = StrictStr | StrictInt | StrictFloat | dict[str, Any]
TemplateName = Annotated[
    str, Field(min_length=1, max_length=TEMPLATE_NAME_MAX), AfterValidator(check_label)
]
VariableName = Annotated[str, AfterValidator(check_variable_name)]


def _claimable_environment(value: str) -> str:
    if value == "latest":
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
    if value == "latest":
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

    name: TemplateName = Field(description="The Freeplay template name (case-sensitive).")
    provider: str = Field(min_length=1, description="Provider key: openai, anthropic, ...")
    model: str = Field(min_length=1)
    llm_parameters: dict[str, LlmParamValue] | None = Field(
        default=None, description="Model parameters, sent as-is (temperature, max_tokens, ...)."
    )
    messages: list[Message] = Field(min_length=1, description="Sent as template_messages.")
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
        default=None, description="Declared mustache variables; enables the undeclared-use check."
    )


class Config(_Strict):
    """`promptsync.yaml`: where the prompts are and which registry they go to."""

    model_config = ConfigDict(
        title="promptsync config",
        json_schema_extra={
            "$schema": "https://json-schema.org/draft/2020-12/schema",
            "$id": f"{SCHEMA_BASE}/config.schema.json",
        },
    )

    backend: Literal["freeplay", "promptlayer"] = "freeplay"
    project_id: str | None = Field(default=None, description="Or env FREEPLAY_PROJECT_ID.")
    api_url: str | None = Field(
        default=None,
        description="Or env FREEPLAY_API_URL: the instance root, .../api or .../api/v2.",
    )
    prompts_dir: str = Field(default="prompts", min_length=1)
    environments: Annotated[list[ManagedEnvironment] | None, AfterValidator(_unique)] = Field(
        default=None,
        min_length=1,
        description="Environments promptsync manages (default: all named in prompt files).",
    )

    @field_validator("backend")
    @classmethod
    def _backend(cls, value: str) -> str:
        if value == "promptlayer":
            raise ValueError("'promptlayer' is not supported yet; use 'freeplay'")
        return value

    @field_validator("project_id")
    @classmethod
    def _project_id(cls, value: str | None) -> str | None:
        return None if value is None else check_project_id(value)

    @field_validator("api_url")
    @classmethod
    def _api_url(cls, value: str | None) -> str | None:
        return None if value is None else check_api_url(value)


class RemoteMessage(BaseModel):
    """A message as Freeplay returns it (roles are not restricted: the UI may add others)."""

    model_config = ConfigDict(extra="ignore", frozen=True)

    role: str | None = None
    content: str | None = None
    kind: str | None = None
    media_slots: list[MediaSlot] | None = None


class RemoteVersion(BaseModel):
    """One template version as a Freeplay environment serves it (from PlainPromptTemplate)."""

    model_config = ConfigDict(extra="ignore", frozen=True)

    template_id: str
    version_id: str
    name: str
    provider: str | None
    model: str | None
    llm_parameters: dict[str, Any]
    messages: list[RemoteMessage]
    tool_schema: list[Tool] | None
    output_schema: dict[str, Any] | None
    version_name: str | None
    version_description: str | None
    # (normalized content, its hash), computed once by promptsync.identity.
    _normalized: tuple[Any, str] | None = PrivateAttr(default=None)
