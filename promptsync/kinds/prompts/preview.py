"""A local prompt version rendered exactly as its registry would: Freeplay's SDK formats it
(`get_formatted`), PromptLayer fills in its input variables. Pure.

Bind: every message's text goes through mustache as the SDK renders it (no HTML escaping; dicts
and lists as compact JSON; missing variables empty); history placeholders are left out (no
history is given). Format: the flavor's provider shape. The provider → flavor table and the
shapes are `promptsync.templating.flavors`, which the emulator's `format=true` uses too, so the
two cannot drift apart; a test renders every flavor through both.

PromptLayer (a file with `template_format`): every message's text is bound as PromptLayer binds
input variables — f-string with `str.format` semantics (missing or None values empty), jinja2 in
a sandbox where undefined names are empty; a text that cannot be rendered is sent as written.
The messages and tools are shown as PromptLayer stores them; it has no flavors.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from promptsync.errors import PromptsyncError
from promptsync.kinds.prompts.models import ChatMessage, PromptFile
from promptsync.templating import flavors as formatting
from promptsync.templating import formats, mustache

FLAVORS = formatting.FLAVORS


@dataclass(frozen=True)
class Rendered:
    flavor: str | None  # None: PromptLayer, which has no flavors
    llm_prompt: Any  # a list of provider messages, or a string (llama_3_chat)
    system_content: str | None
    tool_schema: Any
    output_schema: dict[str, Any] | None
    missing_variables: list[str]
    notes: list[str] = field(default_factory=list)
    template_format: str | None = None  # PromptLayer's; None on Freeplay (mustache)
    system_separate: bool = False  # the flavor sends the system message as system_content


def default_flavor(prompt: PromptFile) -> str:
    flavor = formatting.PROVIDER_FLAVORS.get(prompt.provider)
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


def bind_promptlayer(prompt: PromptFile, values: dict[str, Any]) -> Rendered:
    """The messages with the input variables filled in, as PromptLayer fills them."""
    fmt = prompt.template_format or "f-string"
    bound: list[dict[str, Any]] = []
    used = formats.VariableUse()
    notes = []
    if not values:  # PromptLayer renders only when given input variables
        notes.append("no variables given: PromptLayer returns the template as written")
    for message in prompt.messages:
        if not isinstance(message, ChatMessage):
            notes.append("history placeholder left out: no history is given")
            continue
        use = formats.variables(message.content, fmt)
        used = used | use
        text = formats.bind(message.content, fmt, values) if values else message.content
        if values and use.all and text == message.content:
            notes.append(
                f"{message.role} message: PromptLayer cannot render it with these values, and"
                " sends it as written"
            )
        bound.append({"role": message.role, "content": text})
    tools = [{"type": "function", "function": t.model_dump()} for t in prompt.tool_schema or []]
    return Rendered(
        flavor=None,
        llm_prompt=bound,
        system_content=None,
        tool_schema=tools or None,
        output_schema=None,
        missing_variables=sorted(used.required - values.keys()) if values else [],
        notes=notes,
        template_format=fmt,
    )


def format_prompt(
    prompt: PromptFile, values: dict[str, Any], flavor: str | None = None
) -> Rendered:
    if prompt.template_format is not None:
        if flavor is not None:
            raise PromptsyncError(
                f"--flavor {flavor}: flavors are Freeplay's; a PromptLayer template is rendered"
                f" as PromptLayer stores it ({prompt.template_format})"
            )
        return bind_promptlayer(prompt, values)
    flavor = flavor or default_flavor(prompt)
    if flavor not in formatting.FLAVORS:
        raise PromptsyncError(f"--flavor {flavor}: unknown flavor (known: {', '.join(FLAVORS)})")
    bound: list[dict[str, Any]] = []
    used = mustache.VariableUse()
    notes = []
    for message in prompt.messages:
        if not isinstance(message, ChatMessage):
            notes.append("history placeholder left out: no history is given")
            continue
        used = used | mustache.variables(message.content)
        bound.append({"role": message.role, "content": mustache.bind(message.content, values)})
        if message.media_slots:
            notes.append(
                f"{message.role} message: media slots"
                f" ({', '.join(s.placeholder_name for s in message.media_slots)})"
                " are not filled"
            )
    tool_list = [t.model_dump() for t in prompt.tool_schema or []]
    tools = formatting.format_tools(flavor, tool_list)
    if tool_list and tools is None:
        notes.append(f"tools are not rendered for {flavor} (Freeplay's SDK does not format them)")
    output = formatting.format_output_schema(flavor, prompt.output_schema)
    if prompt.output_schema and output is None:
        notes.append(f"output_schema is not rendered for {flavor}")
    return Rendered(
        flavor=flavor,
        llm_prompt=formatting.format_messages(flavor, bound),
        system_content=formatting.system_content(bound),
        tool_schema=tools,
        output_schema=output,
        missing_variables=sorted(used.required - values.keys()),
        notes=notes,
        system_separate=flavor in formatting.SEPARATE_SYSTEM,
    )
