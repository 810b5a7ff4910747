"""Prompt templates and request bodies, written from PromptLayer's OpenAPI document.

Like PromptLayer's FastAPI server: lax types, unknown keys dropped (kept only where the schema
says `additionalProperties: true`), every default filled in, discriminators (`role`, `type`)
required. What a version stores is the validated model dumped with its defaults.
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from promptsync.emulator.promptlayer.content import Content

TemplateFormat = Literal["f-string", "jinja2"]


class _Message(BaseModel):
    input_variables: list[str] = []
    template_format: TemplateFormat = "f-string"


class SystemMessage(_Message):
    content: list[Content]
    role: Literal["system"] = "system"
    name: str | None = None


class UserMessage(_Message):
    content: list[Content]
    role: Literal["user"] = "user"
    name: str | None = None


class DeveloperMessage(_Message):
    content: list[Content]
    role: Literal["developer"] = "developer"
    name: str | None = None


class FunctionCall(BaseModel):
    name: str
    arguments: str


class ToolCall(BaseModel):
    tool_id: str | None = None
    id: str
    type: Literal["function"] = "function"
    function: FunctionCall


class AssistantMessage(_Message):
    content: list[Content] | None = None
    role: Literal["assistant"] = "assistant"
    function_call: FunctionCall | None = None
    name: str | None = None
    tool_calls: list[ToolCall] | None = None


class FunctionMessage(_Message):
    content: list[Content] | None = None
    role: Literal["function"] = "function"
    name: str


class ToolMessage(_Message):
    content: list[Content]
    role: Literal["tool"] = "tool"
    tool_call_id: str
    name: str | None = None


class PlaceholderMessage(_Message):
    content: list[Content] | None = None
    raw_request_display_role: str = ""
    role: Literal["placeholder"] = "placeholder"
    name: str


Message = Annotated[
    SystemMessage
    | UserMessage
    | AssistantMessage
    | FunctionMessage
    | ToolMessage
    | PlaceholderMessage
    | DeveloperMessage,
    Field(discriminator="role"),
]


class Function(BaseModel):
    name: str
    description: str = ""
    strict: bool = False
    parameters: dict[str, Any] = {"type": "object", "properties": {}}


class FunctionTool(BaseModel):
    type: Literal["function"] = "function"
    function: Function


class BuiltInTool(BaseModel):
    id: str
    name: str
    description: str
    provider: str
    type: Literal[
        "web_search",
        "file_search",
        "code_interpreter",
        "image_generation",
        "google_maps",
        "url_context",
        "mcp",
        "bash",
        "shell",
        "apply_patch",
        "text_editor",
    ]
    config: dict[str, Any]


Tool = Annotated[FunctionTool | BuiltInTool, Field(discriminator="type")]


class MessageFunctionCall(BaseModel):
    name: str


class ChatToolChoice(BaseModel):
    type: Literal["function"] = "function"
    function: MessageFunctionCall


class ChatPrompt(BaseModel):
    messages: list[Message]
    functions: list[Function] | None = None
    tools: list[Tool] | None = None
    function_call: str | MessageFunctionCall | None = None
    tool_choice: str | ChatToolChoice | None = None
    type: Literal["chat"] = "chat"
    input_variables: list[str] = []


class CompletionPrompt(BaseModel):
    model_config = ConfigDict(extra="allow")

    content: list[Content]
    input_variables: list[str] = []
    template_format: TemplateFormat = "f-string"
    type: Literal["completion"] = "completion"


PromptTemplate = Annotated[ChatPrompt | CompletionPrompt, Field(discriminator="type")]


class Model(BaseModel):
    model_config = ConfigDict(extra="allow", protected_namespaces=())

    provider: str
    model_config_display_name: Annotated[str, Field(max_length=255)] | None = None
    base_model: Annotated[str, Field(max_length=100)] | None = None
    name: str
    parameters: dict[str, Any] = {}
    display_params: dict[str, Any] = {}
    api_type: str | None = None


class Metadata(BaseModel):
    model_config = ConfigDict(extra="allow")

    model: Model | None = None


class ExternalId(BaseModel):
    model_config = ConfigDict(extra="forbid")

    source: Annotated[str, Field(min_length=1, max_length=128)]
    external_id: Annotated[str, Field(min_length=1, max_length=512)]


# --- request bodies ---------------------------------------------------------------------------


class BasePromptTemplate(BaseModel):
    prompt_name: Annotated[str, Field(min_length=1, max_length=512)]
    tags: list[str] = []
    folder_id: Annotated[int, Field(gt=0)] | None = None
    workspace_id: int | None = None


class PromptVersion(BaseModel):
    prompt_template: PromptTemplate
    commit_message: Annotated[str, Field(max_length=72)] | None = None
    metadata: Metadata | None = None


class CreatePromptTemplate(BaseModel):
    prompt_template: BasePromptTemplate
    prompt_version: PromptVersion
    release_labels: list[str] | None = None
    external_ids: list[ExternalId] | None = None


class GetPromptTemplate(BaseModel):
    model_config = ConfigDict(protected_namespaces=())

    version: Annotated[int, Field(gt=0)] | None = None
    workspace_id: int | None = None
    label: str | None = None
    provider: Literal["openai", "anthropic"] | None = None
    # The schema says string values; the official SDK also sends lists (placeholder messages).
    input_variables: dict[str, Any] | None = None
    metadata_filters: dict[str, str] | None = None
    model: str | None = None
    model_parameter_overrides: dict[str, Any] | None = None
    # Not in the OpenAPI document: the SDK sends it when it caches and renders locally.
    skip_input_variable_rendering: bool = False


class CreateLabel(BaseModel):
    prompt_version_number: int
    name: Annotated[str, Field(min_length=1)]


class MoveLabel(BaseModel):
    prompt_version_number: int


# --- query strings ----------------------------------------------------------------------------


class ListQuery(BaseModel):
    """`GET /prompt-templates`. No defaults for page sizes are documented: the SDK's are used."""

    page: Annotated[int, Field(gt=0)] = 1
    per_page: Annotated[int, Field(gt=0)] = 30
    label: str | None = None
    name: str | None = None
    tags: list[str] = []
    status: Literal["active", "deleted", "all"] = "active"
    external_source: str | None = None
    external_id: str | None = None
    created_by_email: str | None = None
    created_after: datetime | None = None
    created_before: datetime | None = None
    updated_after: datetime | None = None
    updated_before: datetime | None = None
    sort_by: Literal["created_at", "updated_at", "name", "id"] | None = None
    sort_order: Literal["asc", "desc"] = "desc"
    is_snippet: bool | None = None


class RawQuery(BaseModel):
    """`GET /prompt-templates/{identifier}`."""

    version: Annotated[int, Field(gt=0)] | None = None
    label: str | None = None
    resolve_snippets: bool = True
    include_llm_kwargs: bool = False
