"""A local prompt version rendered exactly as Freeplay's SDK formats it (`get_formatted`). Pure.

Bind: every message's text goes through pystache (no HTML escaping; dicts and lists as compact
JSON; missing variables empty); history placeholders are left out (no history is given). Format:
the flavor's provider shape, as the SDK's adapters build it.

promptsync/emulator/formatting.py holds similar code on purpose: the emulator is written from
Freeplay's contract and imports nothing of promptsync, so that a shared misunderstanding cannot
hide on both sides. Each is tested against the official SDK independently.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from promptsync.errors import PromptsyncError
from promptsync.models import ChatMessage, PromptFile
from promptsync.templating import mustache

PROVIDER_FLAVORS = {
    "openai": "openai_chat",
    "anthropic": "anthropic_chat",
    "azure": "azure_openai_chat",
    "vertex": "gemini_chat",
    "gemini": "gemini_api_chat",
}
FLAVORS = (
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
_DROP_SYSTEM = {
    "anthropic_chat",
    "gemini_chat",
    "gemini_api_chat",
    "openai_responses",
    "amazon_bedrock_converse",
}
_OUTPUT_SCHEMA_FLAVORS = {"openai_chat", "azure_openai_chat", "openai_responses"}


@dataclass(frozen=True)
class Rendered:
    flavor: str
    llm_prompt: Any  # a list of provider messages, or a string (llama_3_chat)
    system_content: str | None
    tool_schema: Any
    output_schema: dict[str, Any] | None
    missing_variables: list[str]
    notes: list[str] = field(default_factory=list)


def default_flavor(prompt: PromptFile) -> str:
    flavor = PROVIDER_FLAVORS.get(prompt.provider)
    if flavor is None:
        raise PromptsyncError(
            f"provider {prompt.provider!r} has no default flavor; pass --flavor"
            f" ({', '.join(FLAVORS)})"
        )
    return flavor


def check_variables(values: dict[str, Any], where: str) -> None:
    """The SDK accepts strings, numbers, booleans and lists/dicts of those — nothing else."""

    def ok(value: Any) -> bool:
        if isinstance(value, bool | int | float | str):
            return True
        if isinstance(value, list):
            return all(ok(v) for v in value)
        if isinstance(value, dict):
            return all(isinstance(k, str) and ok(v) for k, v in value.items())
        return False

    for name, value in values.items():
        if not ok(value):
            raise PromptsyncError(
                f"{where}: variable {name!r} must be a string, number, boolean,"
                " or a list or mapping of those"
            )


def _format_messages(flavor: str, messages: list[dict[str, str]]) -> Any:
    kept = [m for m in messages if flavor not in _DROP_SYSTEM or m["role"] != "system"]
    if flavor in ("gemini_chat", "gemini_api_chat"):
        return [
            {
                "role": "model" if m["role"] == "assistant" else m["role"],
                "parts": [{"text": m["content"]}],
            }
            for m in kept
        ]
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


def _format_tools(flavor: str, prompt: PromptFile) -> tuple[Any, str | None]:
    tools = [t.model_dump() for t in prompt.tool_schema or []]
    if not tools:
        return None, None
    if flavor == "anthropic_chat":
        return [
            {"name": t["name"], "description": t["description"], "input_schema": t["parameters"]}
            for t in tools
        ], None
    if flavor in ("openai_chat", "azure_openai_chat"):
        return [{"function": t, "type": "function"} for t in tools], None
    if flavor == "openai_responses":
        return [{"type": "function", **t} for t in tools], None
    if flavor == "gemini_api_chat":
        return [{"functionDeclarations": tools}], None
    if flavor == "amazon_bedrock_converse":
        return {
            "tools": [
                {
                    "toolSpec": {
                        "name": t["name"],
                        "description": t["description"],
                        "inputSchema": {"json": t["parameters"]},
                    }
                }
                for t in tools
            ]
        }, None
    return None, f"tools are not rendered for {flavor} (Freeplay's SDK does not format them)"


def render(prompt: PromptFile, values: dict[str, Any], flavor: str | None = None) -> Rendered:
    flavor = flavor or default_flavor(prompt)
    if flavor not in FLAVORS:
        raise PromptsyncError(f"--flavor {flavor}: unknown flavor (known: {', '.join(FLAVORS)})")
    bound: list[dict[str, str]] = []
    used = mustache.VariableUse()
    notes = []
    for message in prompt.messages:
        if not isinstance(message, ChatMessage):
            notes.append("history placeholder left out: no history is given")
            continue
        used = used | mustache.variables(message.content)
        bound.append({"role": message.role, "content": mustache.render(message.content, values)})
        if message.media_slots:
            notes.append(
                f"{message.role} message: media slots"
                f" ({', '.join(s.placeholder_name for s in message.media_slots)})"
                " are not filled"
            )
    tools, tools_note = _format_tools(flavor, prompt)
    if tools_note:
        notes.append(tools_note)
    output = prompt.output_schema if flavor in _OUTPUT_SCHEMA_FLAVORS else None
    if prompt.output_schema and output is None:
        notes.append(f"output_schema is not rendered for {flavor}")
    return Rendered(
        flavor=flavor,
        llm_prompt=_format_messages(flavor, bound),
        system_content=next((m["content"] for m in bound if m["role"] == "system"), None),
        tool_schema=tools,
        output_schema=output,
        missing_variables=sorted(used.required - values.keys()),
        notes=notes,
    )
