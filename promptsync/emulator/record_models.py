"""The record-completion body (`RecordPayload` of Freeplay's OpenAPI document).

Unknown keys are ignored, as in the other bodies (the official SDK also sends a top-level
`custom_metadata`). Messages and tools come in each provider's own shape; each message and
tool is checked against the shape its keys announce.
"""

from __future__ import annotations

import uuid
from typing import Annotated, Any, Literal

from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Discriminator,
    Field,
    StrictBool,
    StrictFloat,
    StrictInt,
    StrictStr,
    Tag,
    model_validator,
)
from pydantic_core import PydanticCustomError

# Seconds since the epoch, before the year 10000 (a timestamp in milliseconds is refused).
MAX_EPOCH = 253_402_300_800


def _uuid(value: str) -> str:
    try:
        return str(uuid.UUID(value))
    except ValueError:
        raise PydanticCustomError("uuid", "Input should be a valid UUID") from None


def _epoch(value: float | None) -> float | None:
    if value is not None and not 0 <= value < MAX_EPOCH:
        raise PydanticCustomError("epoch", "Input should be seconds since the epoch")
    return value


UUIDStr = Annotated[str, AfterValidator(_uuid)]
Epoch = Annotated[float | None, AfterValidator(_epoch)]
Scalar = StrictStr | StrictInt | StrictFloat | StrictBool


class _Body(BaseModel):
    model_config = ConfigDict(strict=True, allow_inf_nan=False)


class _Open(_Body):
    """Provider shapes carry more keys than are checked here; they are kept."""

    model_config = ConfigDict(extra="allow")


class ChatMessage(_Open):
    """OpenAI, Anthropic, Bedrock and simple messages: a role and content (str or blocks)."""

    role: Literal["system", "user", "assistant", "tool"]
    content: StrictStr | list[dict[str, Any]] | None = None
    tool_call_id: StrictStr | None = None

    @model_validator(mode="after")
    def _content_rules(self) -> ChatMessage:
        if self.content is None and self.role != "assistant":
            raise PydanticCustomError(
                "content", "content is required in a {role} message", {"role": self.role}
            )
        if self.role == "tool" and self.tool_call_id is None:
            raise PydanticCustomError("tool_call_id", "tool_call_id is required in a tool message")
        return self


class VertexMessage(_Open):
    role: Literal["model", "user"] = "user"
    parts: list[dict[str, Any]]


def _has(value: Any, key: str) -> bool:
    """Discriminators see request dicts when validating, models when serializing."""
    return key in value if isinstance(value, dict) else hasattr(value, key)


# Union tags are <bracketed> so that error messages can leave them out of field paths.
def _message_shape(value: Any) -> str:
    return "<vertex>" if _has(value, "parts") else "<chat>"


RecordedMessage = Annotated[
    Annotated[ChatMessage, Tag("<chat>")] | Annotated[VertexMessage, Tag("<vertex>")],
    Discriminator(_message_shape),
]


class OpenaiFunction(_Open):
    name: StrictStr
    description: StrictStr
    parameters: Any


class OpenaiTool(_Open):
    type: Literal["function"]
    function: OpenaiFunction


class AnthropicTool(_Open):
    name: StrictStr
    description: StrictStr
    input_schema: Any


class VertexTool(_Open):
    functionDeclarations: list[dict[str, Any]]


def _tool_shape(value: Any) -> str:
    if _has(value, "function"):
        return "<openai>"
    return "<vertex>" if _has(value, "functionDeclarations") else "<anthropic>"


RecordedTool = Annotated[
    Annotated[OpenaiTool, Tag("<openai>")]
    | Annotated[AnthropicTool, Tag("<anthropic>")]
    | Annotated[VertexTool, Tag("<vertex>")],
    Discriminator(_tool_shape),
]


class PromptInfo(_Body):
    prompt_template_version_id: UUIDStr
    environment: StrictStr | None = None


class Usage(_Body):
    prompt_tokens: StrictInt
    completion_tokens: StrictInt


class CallInfo(_Body):
    start_time: Epoch = None
    end_time: Epoch = None
    model: StrictStr | None = None
    provider: StrictStr | None = None
    provider_info: dict[str, Any] | None = None
    llm_parameters: dict[str, Scalar | dict[str, Any]] | None = None
    usage: Usage | None = None
    api_style: Literal["batch", "default"] | None = None


class SessionInfo(_Body):
    custom_metadata: dict[str, Scalar] | None = None


class TraceInfo(_Body):
    trace_id: UUIDStr


class TestRunInfo(_Body):
    test_run_id: UUIDStr
    test_case_id: UUIDStr


class MediaInputUrl(_Body):
    type: Literal["url"]
    url: StrictStr


class MediaInputBase64(_Body):
    type: Literal["base64"]
    data: StrictStr
    content_type: StrictStr


class FunctionCall(_Body):
    name: StrictStr
    arguments: StrictStr


def _media_shape(value: Any) -> str:
    kind = value.get("type") if isinstance(value, dict) else getattr(value, "type", None)
    return "<url>" if kind == "url" else "<base64>"


MediaInput = Annotated[
    Annotated[MediaInputUrl, Tag("<url>")] | Annotated[MediaInputBase64, Tag("<base64>")],
    Discriminator(_media_shape),
]


class ResponseInfo(_Body):
    function_call_response: FunctionCall | None = None


class RecordPayload(_Body):
    messages: list[RecordedMessage] = Field(min_length=1)
    # Checked for nulls separately (routes), to name the path of a null inside a value.
    inputs: dict[str, Any] | None = None
    media_inputs: dict[str, MediaInput] | None = None
    tool_schema: list[RecordedTool] | None = None
    session_info: SessionInfo | None = None
    trace_info: TraceInfo | None = None
    prompt_info: PromptInfo | None = None
    call_info: CallInfo | None = None
    test_run_info: TestRunInfo | None = None
    eval_results: dict[str, StrictFloat | StrictBool] | None = None
    response_info: ResponseInfo | None = None
    completion_id: UUIDStr | None = None
    parent_id: UUIDStr | None = None
    output_schema: dict[str, Any] | None = None
