"""Raw, bound and formatted prompt payloads, shaped as Freeplay returns them.

How Freeplay renders and shapes a prompt (mustache as its SDK does, the provider → flavor table,
each flavor's shapes) is `promptsync.templating.flavors`, which `promptsync render` reads too: the
one module of promptsync this emulator imports, and it imports nothing else.
"""

from __future__ import annotations

from typing import Any

from promptsync.templating.flavors import (
    FLAVORS,
    PROVIDER_FLAVORS,
    format_messages,
    format_output_schema,
    format_tools,
    render_content,
    system_content,
)

__all__ = [
    "FLAVORS",
    "PROVIDER_FLAVORS",
    "bind",
    "format_messages",
    "format_output_schema",
    "format_tools",
    "metadata",
    "plain",
    "system_content",
]

FORMAT_VERSION = 2


def plain(
    version_id: str, template_id: str, name: str, project_id: str, body: dict[str, Any]
) -> dict[str, Any]:
    """PlainPromptTemplate: every required field of the schema."""
    return {
        "prompt_template_id": template_id,
        "prompt_template_version_id": version_id,
        "prompt_template_name": name,
        "version_name": body.get("version_name"),
        "version_description": body.get("version_description"),
        "metadata": metadata(body),
        "format_version": FORMAT_VERSION,
        "project_id": project_id,
        "content": body.get("content"),
        "tool_schema": body.get("tool_schema"),
        "output_schema": body.get("output_schema"),
    }


def metadata(body: dict[str, Any], flavor: str | None = None) -> dict[str, Any]:
    # .get: versions stored through /_emulator/raw-version may lack any key, or hold nulls.
    return {
        "provider": body.get("provider"),
        "flavor": flavor or body.get("flavor"),
        "model": body.get("model"),
        "params": body.get("params", {}),
        "provider_info": body.get("provider_info", {}),
    }


def bind(body: dict[str, Any], variables: dict[str, Any]) -> list[dict[str, Any]]:
    """Messages with variables inserted; history placeholders dropped (no history is sent).

    Content that is a list of blocks has the text of each `{"text": …}` block rendered.
    """
    return [
        {"role": m.get("role"), "content": render_content(m.get("content"), variables)}
        for m in body.get("content") or []
        if isinstance(m, dict) and "kind" not in m
    ]
