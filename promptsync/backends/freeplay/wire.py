"""Freeplay's JSON ↔ promptsync's neutral types. Pure: no I/O, no httpx.

A tolerant reader: unknown fields anywhere are ignored (a newer `format_version`, a filled
`provider_info`, a tool's `strict`); each template of a list is read on its own, and one that
cannot be modelled becomes an `Unreadable` entry instead of failing the whole response.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from promptsync.backends.replies import (
    ShapeError,
    Unmodellable,
    kind,
    load_json,
    optional_object,
)
from promptsync.kinds.prompts.changes import CreateVersion
from promptsync.kinds.prompts.identity import make_content, message, remote_version, tools
from promptsync.kinds.prompts.models import ChatMessage
from promptsync.kinds.prompts.remote import RemoteVersion, Snapshot, Unreadable
from promptsync.templating.flavors import PROVIDER_FLAVORS


def _text(value: Any, where: str, *, optional: bool = False) -> str | None:
    if value is None and optional:
        return None
    if not isinstance(value, str):
        raise Unmodellable(f"{where} is {kind(value)}, not text")
    return value


def _messages(raw: Any) -> list[dict[str, Any]]:
    if not isinstance(raw, list):
        raise Unmodellable(f"content is {kind(raw)}, not a list of messages")
    out = []
    for i, m in enumerate(raw):
        if not isinstance(m, dict):
            raise Unmodellable(f"content[{i}] is {kind(m)}, not a message")
        if m.get("kind") is not None:
            out.append(message(None, None, _text(m["kind"], f"content[{i}].kind"), None))
            continue
        role = _text(m.get("role"), f"content[{i}].role")
        text = _text(m.get("content"), f"content[{i}].content")
        slots = m.get("media_slots")
        if slots is not None and not (
            isinstance(slots, list) and all(isinstance(s, dict) for s in slots)
        ):
            raise Unmodellable(f"content[{i}].media_slots is not a list of slots")
        out.append(message(role, text, None, slots))
    return out


# What a tool may hold besides these without changing what the SDK sends: nothing set. A key
# the files cannot express, set (e.g. `strict: true`), changes the request an application makes.
_TOOL_KEYS = frozenset({"name", "description", "parameters"})


def _tools(raw: Any) -> list[dict[str, Any]] | None:
    if raw is None:
        return None
    if not isinstance(raw, list):
        raise Unmodellable(f"tool_schema is {kind(raw)}, not a list")
    for i, tool in enumerate(raw):
        if not isinstance(tool, dict):
            raise Unmodellable(f"tool_schema[{i}] is {kind(tool)}, not a tool")
        _text(tool.get("name"), f"tool_schema[{i}].name")
        for key in sorted(tool.keys() - _TOOL_KEYS):
            if tool[key] not in (None, False):
                raise Unmodellable(
                    f"tool_schema[{i}].{key} is set, which prompt files cannot express"
                )
    return tools(raw)


def _sent_as_written(metadata: Mapping[str, Any], provider: str | None) -> None:
    """Metadata that changes what the SDK sends, which the files cannot express: a flavor other
    than the provider's own (the SDK formats by flavor: `anthropic_chat` under provider openai
    moves the system message out), and provider settings (`provider_info`: an endpoint, a
    region, an API version)."""
    flavor = metadata.get("flavor")
    default = PROVIDER_FLAVORS.get(provider or "")
    if flavor is not None and default is not None and flavor != default:
        raise Unmodellable(
            f"metadata.flavor is {flavor!r}, not {default!r} (what provider {provider!r}"
            " formats as), which prompt files cannot express"
        )
    if metadata.get("provider_info"):
        raise Unmodellable("metadata.provider_info is set, which prompt files cannot express")


def read_template(raw: Mapping[str, Any]) -> RemoteVersion:
    """One PlainPromptTemplate → RemoteVersion; raises Unmodellable when it cannot be modelled."""
    metadata = optional_object(raw.get("metadata"), "metadata") or {}
    provider = _text(metadata.get("provider"), "metadata.provider", optional=True)
    _sent_as_written(metadata, provider)
    content = make_content(
        messages=_messages(raw.get("content")),
        provider=provider,
        model=_text(metadata.get("model"), "metadata.model", optional=True),
        llm_parameters=optional_object(metadata.get("params"), "metadata.params"),
        tool_schema=_tools(raw.get("tool_schema")),
        output_schema=optional_object(raw.get("output_schema"), "output_schema"),
    )
    return remote_version(
        template_id=str(_text(raw.get("prompt_template_id"), "prompt_template_id")),
        version_id=str(_text(raw.get("prompt_template_version_id"), "prompt_template_version_id")),
        name=str(_text(raw.get("prompt_template_name"), "prompt_template_name")),
        content=content,
        version_name=_text(raw.get("version_name"), "version_name", optional=True),
        version_description=_text(
            raw.get("version_description"), "version_description", optional=True
        ),
    )


def read_all(raw: bytes, cache: dict[str, RemoteVersion] | None = None) -> Snapshot:
    """The body of `GET …/prompt-templates/all/<env>` → a snapshot.

    `cache` (version id → version) lets the environments of one plan share the versions they
    have in common, so each is normalized and hashed once.
    """
    data = load_json(raw)
    templates = data.get("prompt_templates") if isinstance(data, dict) else None
    if not isinstance(templates, list):
        raise ShapeError("unexpected response shape: no list 'prompt_templates'")
    versions: dict[str, RemoteVersion] = {}
    unreadable: dict[str, Unreadable] = {}
    for i, item in enumerate(templates):
        name = item.get("prompt_template_name") if isinstance(item, dict) else None
        if not isinstance(name, str):
            raise ShapeError(
                f"unexpected response shape at prompt_templates.{i}.prompt_template_name:"
                f" {kind(name) if name is not None else 'missing'}, not text"
            )
        assert isinstance(item, dict)
        version_id = item.get("prompt_template_version_id")
        cached = (
            cache.get(version_id) if cache is not None and isinstance(version_id, str) else None
        )
        if cached is not None and cached.name == name:
            versions[name] = cached
            continue
        try:
            version = read_template(item)
        except (Unmodellable, RecursionError) as exc:
            unreadable[name] = Unreadable(
                name,
                str(exc),
                item.get("prompt_template_id")
                if isinstance(item.get("prompt_template_id"), str)
                else None,
                version_id if isinstance(version_id, str) else None,
            )
            continue
        versions[name] = version
        if cache is not None:
            cache[version.version_id] = version
    return Snapshot(versions, unreadable)


def read_created(payload: Any) -> RemoteVersion:
    """A create-version response (PlainPromptTemplate)."""
    if not isinstance(payload, dict):
        raise ShapeError("unexpected response shape: not an object")
    try:
        return read_template(payload)
    except (Unmodellable, RecursionError) as exc:
        raise ShapeError(f"unexpected response shape: {exc}") from None


def create_body(op: CreateVersion) -> dict[str, Any]:
    """The body of `POST …/name/<name>/versions` for a create operation."""
    c = op.content
    body: dict[str, Any] = {
        "template_messages": [
            message(m.role, m.content, None, m.media_slots)
            if isinstance(m, ChatMessage)
            else {"kind": m.kind}
            for m in c.messages
        ],
        "provider": c.provider,
        "model": c.model,
        "llm_parameters": dict(c.llm_parameters) if c.llm_parameters else None,
        "tool_schema": [
            {"name": t.name, "description": t.description, "parameters": t.parameters}
            for t in c.tool_schema
        ]
        or None
        if c.tool_schema
        else None,
        "output_schema": c.output_schema,
        "version_name": c.version_name,
        "version_description": c.version_description,
    }
    if op.environments:  # none: Freeplay deploys to latest only ("latest if none specified")
        body["environments"] = list(op.environments)
    return body


def environments_page(payload: Any) -> tuple[list[str], bool]:
    """`GET /api/v2/environments`: (names on this page, whether there are more pages)."""
    items = payload.get("data") if isinstance(payload, dict) else None
    if not isinstance(items, list):
        raise ShapeError("unexpected response shape: no list 'data'")
    names = [e["name"] for e in items if isinstance(e, dict) and isinstance(e.get("name"), str)]
    pagination = payload.get("pagination")
    more = bool(pagination.get("has_next")) if isinstance(pagination, dict) else False
    return names, more


def versions_page(payload: Any) -> tuple[list[RemoteVersion], bool]:
    """A page of `GET …/id/<tid>/versions` → its readable versions, and whether more follow.
    A version promptsync cannot model is left out (nothing can be promoted to it)."""
    data = payload.get("data") if isinstance(payload, dict) else None
    if not isinstance(data, list):
        raise ShapeError("unexpected response shape: no list 'data'")
    found = []
    for item in data:
        if not isinstance(item, dict):
            continue
        try:
            found.append(read_template(item))
        except (Unmodellable, RecursionError):
            continue
    pagination = payload.get("pagination")
    more = isinstance(pagination, dict) and pagination.get("has_next") is True
    return found, more
