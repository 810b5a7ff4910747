"""Freeplay's JSON shapes ↔ promptsync models. Pure: no I/O, no httpx."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict, ValidationError

from promptsync.models import ChatMessage, PromptFile, RemoteMessage, RemoteVersion, Tool


class _Metadata(BaseModel):
    model_config = ConfigDict(extra="ignore")
    provider: str | None = None
    flavor: str | None = None
    model: str | None = None
    params: dict[str, Any] | None = None


class _PlainPromptTemplate(BaseModel):
    """The fields of Freeplay's PlainPromptTemplate that promptsync reads."""

    model_config = ConfigDict(extra="ignore")
    prompt_template_id: str
    prompt_template_version_id: str
    prompt_template_name: str
    version_name: str | None = None
    version_description: str | None = None
    metadata: _Metadata
    content: list[RemoteMessage]
    tool_schema: list[Tool] | None = None
    output_schema: dict[str, Any] | None = None


class _AllResponse(BaseModel):
    model_config = ConfigDict(extra="ignore")
    prompt_templates: list[_PlainPromptTemplate]


class ShapeError(ValueError):
    """A response that does not have the documented shape; the message names the field."""


def _shape_error(exc: ValidationError) -> ShapeError:
    first = exc.errors()[0]
    if first["type"] == "json_invalid":
        return ShapeError("response is not valid JSON")
    where = ".".join(str(p) for p in first["loc"]) or "body"
    return ShapeError(f"unexpected response shape at {where}: {first['msg']}")


def _remote(t: _PlainPromptTemplate) -> RemoteVersion:
    # Every part was validated by _PlainPromptTemplate: construct without validating again.
    return RemoteVersion.model_construct(
        template_id=t.prompt_template_id,
        version_id=t.prompt_template_version_id,
        name=t.prompt_template_name,
        provider=t.metadata.provider,
        model=t.metadata.model,
        llm_parameters=t.metadata.params or {},
        messages=t.content,
        tool_schema=t.tool_schema,
        output_schema=t.output_schema,
        version_name=t.version_name,
        version_description=t.version_description,
    )


def parse_all(raw: bytes) -> list[RemoteVersion]:
    """The body of `GET …/prompt-templates/all/<env>` → one RemoteVersion per template."""
    try:
        parsed = _AllResponse.model_validate_json(raw)
    except ValidationError as exc:
        raise _shape_error(exc) from None
    return [_remote(t) for t in parsed.prompt_templates]


def parse_version(payload: Any) -> RemoteVersion:
    """A create-version response (PlainPromptTemplate)."""
    try:
        return _remote(_PlainPromptTemplate.model_validate(payload))
    except ValidationError as exc:
        raise _shape_error(exc) from None


def template_messages(prompt: PromptFile) -> list[dict[str, Any]]:
    messages: list[dict[str, Any]] = []
    for message in prompt.messages:
        if isinstance(message, ChatMessage):
            item: dict[str, Any] = {"role": message.role, "content": message.content}
            if message.media_slots:
                item["media_slots"] = [s.model_dump() for s in message.media_slots]
            messages.append(item)
        else:
            messages.append({"kind": message.kind})
    return messages


def create_version_body(
    prompt: PromptFile, environments: list[str], description: str | None
) -> dict[str, Any]:
    """The body of `POST …/name/<name>/versions` for one prompt file."""
    return {
        "template_messages": template_messages(prompt),
        "provider": prompt.provider,
        "model": prompt.model,
        "llm_parameters": dict(prompt.llm_parameters) if prompt.llm_parameters else None,
        "tool_schema": [t.model_dump() for t in prompt.tool_schema] if prompt.tool_schema else None,
        "output_schema": prompt.output_schema,
        "version_name": prompt.version_name,
        "version_description": prompt.version_description or description,
        "environments": environments,
    }


def update_environments_body(environments: list[str]) -> dict[str, Any]:
    return {"environments": environments}
