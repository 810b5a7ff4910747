"""Model-call request bodies, OpenAI's chat completions and Anthropic's messages, read into one
neutral `Prompt` that the answer rule (model_answers) works on.

Validation is the providers' where a client could trip over it (required fields, roles, types,
`stream`); everything else a provider accepts (temperature, metadata, …) is accepted and ignored.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any, Literal, TypeVar

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from promptsync.emulator.calls import field_parts

Role = Literal["instructions", "user", "assistant", "tool"]
M = TypeVar("M", bound=BaseModel)
NO_STREAM = "the emulator does not stream; send stream=false"


class Invalid(Exception):
    """A body the provider refuses with 400; `param` is the field's path (`messages.0.role`)."""

    def __init__(self, message: str, param: tuple[int | str, ...] = (), missing: bool = False):
        super().__init__(message)
        self.message = message
        self.param = param
        self.missing = missing


@dataclass(frozen=True)
class Turn:
    """One message's text: system/developer text is "instructions", a tool result is "tool"."""

    role: Role
    text: str


@dataclass(frozen=True)
class Prompt:
    model: str
    turns: tuple[Turn, ...]
    tools: tuple[str, ...]  # the tools the model may call now (none with tool_choice "none")
    forced_tool: str | None  # tool_choice names this one
    must_call: bool  # tool_choice requires a call ("required", "any" or a named tool)
    json_mode: bool
    max_tokens: int | None
    choices: int = 1

    @property
    def after_tool_result(self) -> bool:
        return bool(self.turns) and self.turns[-1].role == "tool"


class _Body(BaseModel):
    model_config = ConfigDict(extra="allow", strict=True)


def validate(model: type[M], data: Any) -> M:
    if not isinstance(data, dict):
        raise Invalid("The request body must be a JSON object.")
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        first = exc.errors(include_url=False)[0]
        missing = first["type"] == "missing"
        raise Invalid(first["msg"], tuple(field_parts(first["loc"])), missing) from None


def _get(value: Any, *keys: str) -> Any:
    """`value[k1][k2]…`, or None where a level is missing or not an object."""
    for key in keys:
        if not isinstance(value, dict):
            return None
        value = value.get(key)
    return value


def _text(content: Any) -> str:
    """The text of a content string or of its text blocks (joined by newlines); tool results'
    text counts, and tool calls count as their JSON input. Other blocks are ignored."""
    if isinstance(content, str):
        return content
    parts: list[str] = []
    for block in content if isinstance(content, list) else ():
        kind = _get(block, "type")
        if kind == "text" and isinstance(_get(block, "text"), str):
            parts.append(block["text"])
        elif kind == "tool_result":
            parts.append(_text(_get(block, "content")))
        elif kind == "tool_use":
            parts.append(json.dumps(_get(block, "input") or {}))
    return "\n".join(parts)


# --- OpenAI: POST /v1/chat/completions ----------------------------------------------------------


class _Function(_Body):
    name: str = Field(min_length=1)


class _OpenAITool(_Body):
    type: str
    function: _Function | None = None


class _OpenAIMessage(_Body):
    role: Literal["system", "developer", "user", "assistant", "tool", "function"]
    content: str | list[dict[str, Any]] | None = None
    tool_calls: list[dict[str, Any]] | None = None


class ChatRequest(_Body):
    model: str = Field(min_length=1)
    messages: list[_OpenAIMessage] = Field(min_length=1)
    tools: list[_OpenAITool] | None = None
    tool_choice: str | dict[str, Any] | None = None
    response_format: dict[str, Any] | None = None
    max_tokens: int | None = Field(default=None, ge=1)
    max_completion_tokens: int | None = Field(default=None, ge=1)
    n: int | None = Field(default=None, ge=1, le=128)
    stream: bool | None = None


def _openai_turn(message: _OpenAIMessage) -> Turn:
    text = _text(message.content)
    if message.role == "assistant":
        calls = [_get(c, "function", "arguments") for c in message.tool_calls or ()]
        text = "\n".join([text, *(a for a in calls if isinstance(a, str))])
    roles: dict[str, Role] = {"system": "instructions", "developer": "instructions"}
    roles |= {"user": "user", "assistant": "assistant", "tool": "tool", "function": "tool"}
    return Turn(roles[message.role], text)


def from_openai(data: Any) -> Prompt:
    body = validate(ChatRequest, data)
    if body.stream:
        raise Invalid(NO_STREAM, ("stream",))
    tools = tuple(t.function.name for t in body.tools or () if t.function is not None)
    choice = body.tool_choice
    forced = None
    if isinstance(choice, dict) and choice.get("type") == "function":
        name = _get(choice, "function", "name")
        if name not in tools:
            raise Invalid(f"no tool named {name!r} in tools", ("tool_choice",))
        forced = name
    fmt = _get(body.response_format, "type")
    return Prompt(
        model=body.model,
        turns=tuple(_openai_turn(m) for m in body.messages),
        tools=() if choice == "none" else tools,
        forced_tool=forced,
        must_call=choice == "required" or forced is not None,
        json_mode=fmt in ("json_object", "json_schema"),
        max_tokens=body.max_completion_tokens or body.max_tokens,
        choices=body.n or 1,
    )


# --- Anthropic: POST /v1/messages ---------------------------------------------------------------


class _AnthropicTool(_Body):
    name: str = Field(min_length=1)
    type: str | None = None


class _AnthropicMessage(_Body):
    role: Literal["user", "assistant"]
    content: str | list[dict[str, Any]]


class MessagesRequest(_Body):
    model: str = Field(min_length=1)
    messages: list[_AnthropicMessage] = Field(min_length=1)
    max_tokens: int = Field(ge=1)
    system: str | list[dict[str, Any]] | None = None
    tools: list[_AnthropicTool] | None = None
    tool_choice: dict[str, Any] | None = None
    output_config: dict[str, Any] | None = None
    stream: bool | None = None


def _anthropic_turn(message: _AnthropicMessage) -> Turn:
    blocks = message.content if isinstance(message.content, list) else []
    if message.role == "user" and any(b.get("type") == "tool_result" for b in blocks):
        return Turn("tool", _text(message.content))
    return Turn(message.role, _text(message.content))


def from_anthropic(data: Any) -> Prompt:
    body = validate(MessagesRequest, data)
    if body.stream:
        raise Invalid(NO_STREAM, ("stream",))
    # Server tools (web search, code execution, …) have a versioned type; only custom ones run here.
    tools = tuple(t.name for t in body.tools or () if t.type in (None, "custom"))
    choice = _get(body.tool_choice, "type") or "auto"
    forced = _get(body.tool_choice, "name") if choice == "tool" else None
    if choice == "tool" and forced not in tools:
        raise Invalid(f"no tool named {forced!r} in tools", ("tool_choice", "name"))
    system = () if body.system is None else (Turn("instructions", _text(body.system)),)
    fmt = _get(body.output_config, "format", "type")
    return Prompt(
        model=body.model,
        turns=system + tuple(_anthropic_turn(m) for m in body.messages),
        tools=() if choice == "none" else tools,
        forced_tool=forced,
        must_call=choice in ("any", "tool"),
        json_mode=fmt == "json_schema",
        max_tokens=body.max_tokens,
    )
