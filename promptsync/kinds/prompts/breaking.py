"""Breaking changes between what an environment serves and what it will serve. Pure.

Freeplay and PromptLayer render a missing variable as an empty string, so a caller that keeps
sending the old variables silently breaks (in every template language: mustache, f-string,
jinja2): removed, renamed and newly required variables are reported, as are
removed or changed tools, a changed output schema and a removed history placeholder.
"""

from __future__ import annotations

import difflib
from dataclasses import dataclass
from functools import lru_cache
from typing import Any, Literal

from promptsync.kinds.prompts.remote import Content
from promptsync.templating import formats
from promptsync.templating.usage import VariableUse

BreakingKind = Literal[
    "variable_removed",
    "variable_renamed",
    "variable_newly_required",
    "tool_removed",
    "tool_changed",
    "output_schema_changed",
    "history_removed",
]


@dataclass(frozen=True)
class BreakingChange:
    kind: BreakingKind
    detail: str


@lru_cache(maxsize=4096)
def _text_variables(text: str, fmt: str) -> VariableUse:
    try:
        return formats.variables(text, fmt)
    except formats.TemplateError:
        return VariableUse()  # a remote text that does not parse: nothing knowable


def _variables(content: Content) -> VariableUse:
    fmt = formats.language(content.get("template_format"))
    use = VariableUse()
    for message in content["messages"]:
        if isinstance(message.get("content"), str):
            use = use | _text_variables(message["content"], fmt)
    return use


def _variable_changes(before: Content, after: Content) -> list[BreakingChange]:
    old, new = _variables(before), _variables(after)
    removed = sorted(old.top_level - new.top_level)
    added = sorted(new.required - old.top_level)
    changes: list[BreakingChange] = []
    for name in removed:
        close = difflib.get_close_matches(name, added, n=1, cutoff=0.5)
        if close or (len(removed) == 1 and len(added) == 1):
            renamed = close[0] if close else added[0]
            added.remove(renamed)
            changes.append(BreakingChange("variable_renamed", f"{name} -> {renamed}"))
        else:
            changes.append(BreakingChange("variable_removed", name))
    changes.extend(BreakingChange("variable_newly_required", name) for name in added)
    optional_now_required = sorted((old.optional - old.required) & new.required)
    changes.extend(BreakingChange("variable_newly_required", n) for n in optional_now_required)
    return changes


def _tools(content: Content) -> dict[str, Any]:
    return {t["name"]: t["parameters"] for t in content["tool_schema"] or []}


def breaking_changes(before: Content, after: Content) -> list[BreakingChange]:
    changes = _variable_changes(before, after)
    old_tools, new_tools = _tools(before), _tools(after)
    for name in sorted(old_tools):
        if name not in new_tools:
            changes.append(BreakingChange("tool_removed", name))
        elif old_tools[name] != new_tools[name]:
            changes.append(BreakingChange("tool_changed", name))
    if before["output_schema"] != after["output_schema"]:
        changes.append(BreakingChange("output_schema_changed", "output_schema"))
    had_history = any("kind" in m for m in before["messages"])
    if had_history and not any("kind" in m for m in after["messages"]):
        changes.append(BreakingChange("history_removed", "history placeholder"))
    return changes
