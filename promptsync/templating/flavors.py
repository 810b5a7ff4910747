"""Rendering as Freeplay's SDK does: mustache with pystache and no HTML escaping, dicts and lists
as compact JSON, missing variables empty; and the provider → flavor table with each flavor's shape
of messages, tools and output schema (the SDK's adapters).

One table for one fact: `promptsync render` and the emulator's `format=true` both read this
module, which imports nothing else of promptsync (tests/test_flavors.py renders every flavor
through both).
"""

from __future__ import annotations

import json
from functools import cache
from typing import Any

PROVIDER_FLAVORS = {
    "openai": "openai_chat",
    "anthropic": "anthropic_chat",
    "azure": "azure_openai_chat",
    "vertex": "gemini_chat",
    "gemini": "gemini_api_chat",
    "bedrock": "amazon_bedrock_converse",
    "mistral": "mistral_chat",
    "baseten": "baseten_mistral_chat",
    "perplexity": "perplexity_chat",
    "llama": "llama_3_chat",
}
FLAVORS = (  # in the order of Freeplay's SDK documentation
    "openai_chat",
    "azure_openai_chat",
    "openai_responses",
    "anthropic_chat",
    "gemini_chat",
    "gemini_api_chat",
    "amazon_bedrock_converse",
    "llama_3_chat",
    "mistral_chat",
    "baseten_mistral_chat",
    "perplexity_chat",
)
SEPARATE_SYSTEM = {
    "anthropic_chat",
    "gemini_chat",
    "gemini_api_chat",
    "openai_responses",
    "amazon_bedrock_converse",
}


@cache
def _renderer() -> Any:
    """pystache's renderer as the SDK configures it (pystache is imported on first use: the
    tables above are read by every plan, rendering only by render and impact)."""
    import pystache

    class Renderer(pystache.Renderer):  # type: ignore[misc]
        def __init__(self) -> None:
            super().__init__(escape=lambda s: s)

        def str_coerce(self, val: Any) -> str:
            if isinstance(val, dict | list):
                return json.dumps(val, separators=(",", ":"))
            return str(val)

    return Renderer


def bind_text(text: str, variables: dict[str, Any]) -> str:
    return str(_renderer()().render(text, variables))


def render_content(content: Any, variables: dict[str, Any]) -> Any:
    if isinstance(content, str):
        return bind_text(content, variables)
    if isinstance(content, list):
        return [
            {**block, "text": bind_text(block["text"], variables)}
            if isinstance(block, dict) and isinstance(block.get("text"), str)
            else block
            for block in content
        ]
    return content


def _gemini_role(role: str) -> str:
    return "model" if role == "assistant" else role


def format_messages(flavor: str, messages: list[dict[str, Any]]) -> Any:
    kept = [m for m in messages if flavor not in SEPARATE_SYSTEM or m["role"] != "system"]
    if flavor in ("gemini_chat", "gemini_api_chat"):
        return [{"role": _gemini_role(m["role"]), "parts": [{"text": m["content"]}]} for m in kept]
    if flavor == "openai_responses":
        return [{"type": "message", **m} for m in kept]
    if flavor == "amazon_bedrock_converse":
        return [{"role": m["role"], "content": [{"text": m["content"]}]} for m in kept]
    if flavor == "llama_3_chat":
        turns = "".join(
            f"<|start_header_id|>{m['role']}<|end_header_id|>\n{m['content']}<|eot_id|>"
            for m in kept
        )
        return f"<|begin_of_text|>{turns}<|start_header_id|>assistant<|end_header_id|>"
    return kept


def format_tools(flavor: str, given: list[dict[str, Any]] | None) -> Any:
    tools = [t for t in given or [] if isinstance(t, dict)]
    if not tools:
        return None
    if flavor == "anthropic_chat":
        return [
            {
                "name": t.get("name"),
                "description": t.get("description"),
                "input_schema": t.get("parameters"),
            }
            for t in tools
        ]
    if flavor in ("openai_chat", "azure_openai_chat"):
        return [{"type": "function", "function": t} for t in tools]
    if flavor == "openai_responses":
        return [{"type": "function", **t} for t in tools]
    if flavor in ("gemini_chat", "gemini_api_chat"):
        return [{"functionDeclarations": tools}]
    if flavor == "amazon_bedrock_converse":
        return {
            "tools": [
                {
                    "toolSpec": {
                        "name": t.get("name"),
                        "description": t.get("description"),
                        "inputSchema": {"json": t.get("parameters")},
                    }
                }
                for t in tools
            ]
        }
    return None


def format_output_schema(flavor: str, schema: dict[str, Any] | None) -> dict[str, Any] | None:
    if schema and flavor in ("openai_chat", "azure_openai_chat", "openai_responses"):
        return schema
    return None


def system_content(messages: list[dict[str, Any]]) -> Any:
    return next((m["content"] for m in messages if m["role"] == "system"), None)
