"""Request bodies, written from Freeplay's OpenAPI document (not from promptsync's models)."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import (
    BaseModel,
    ConfigDict,
    Discriminator,
    StrictFloat,
    StrictInt,
    StrictStr,
    Tag,
)


class _Body(BaseModel):
    model_config = ConfigDict(strict=True)


class MediaSlot(_Body):
    type: Literal["audio", "video", "image", "file"]
    placeholder_name: str


class PromptTemplateMessageInfo(_Body):
    role: Literal["system", "user", "assistant"]
    content: str
    media_slots: list[MediaSlot] | None = None


class HistoryPlaceholderInfo(_Body):
    kind: Literal["history"] = "history"


# Union tags are <bracketed> so that error messages can leave them out of field paths.
def _message_kind(value: Any) -> str:
    return "<history>" if isinstance(value, dict) and "kind" in value else "<message>"


TemplateMessage = Annotated[
    Annotated[PromptTemplateMessageInfo, Tag("<message>")]
    | Annotated[HistoryPlaceholderInfo, Tag("<history>")],
    Discriminator(_message_kind),
]


class NormalizedToolSchema(_Body):
    name: str
    description: str
    parameters: dict[str, Any]


class CreateTemplateVersionRequest(_Body):
    template_messages: list[TemplateMessage]
    model: str
    provider: str
    version_name: str | None = None
    version_description: str | None = None
    llm_parameters: dict[str, StrictStr | StrictInt | StrictFloat | dict[str, Any]] | None = None
    tool_schema: list[NormalizedToolSchema] | None = None
    output_schema: dict[str, Any] | None = None
    environments: list[str] | None = None


class UpdateTemplateVersionEnvironmentsRequest(_Body):
    environments: list[str]


class CreatePromptTemplateRequest(_Body):
    name: str
    id: str | None = None


class UpdatePromptTemplateRequest(_Body):
    name: str


class CreateEnvironmentRequest(_Body):
    name: str


class CreateProjectRequest(_Body):
    name: str
    is_private: bool = False
    id: str | None = None
