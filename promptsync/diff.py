"""Field-level differences between two versions, for reviewers. Pure.

Structured fields are diffed with deepdiff (tools keyed by name, so reordering is not noise);
message text becomes one unified diff over all messages, so an inserted message reads as an
insertion rather than as every later message changing.
"""

from __future__ import annotations

import difflib
from dataclasses import dataclass
from typing import Any

from promptsync.models import PromptFile, format_path
from promptsync.remote import Content

FIELD_ORDER = tuple(PromptFile.model_fields)  # diffs follow the file format's order


@dataclass(frozen=True)
class Difference:
    path: str
    before: Any
    after: Any
    text_diff: str | None = None


def message_lines(messages: list[dict[str, Any]]) -> list[str]:
    """Messages as text: a `[role]` header line (with media slots), then the content lines."""
    lines: list[str] = []
    for message in messages:
        if "kind" in message:
            lines.append(f"[{message['kind']}]")
            continue
        slots = message.get("media_slots") or []
        media = "".join(f" +{s['type']}:{s['placeholder_name']}" for s in slots)
        lines.append(f"[{message['role']}]{media}")
        lines.extend(str(message["content"]).split("\n"))
    return lines


def text_diff(before: list[str], after: list[str], before_label: str, after_label: str) -> str:
    return "\n".join(difflib.unified_diff(before, after, before_label, after_label, lineterm=""))


def _comparable(content: Content, extras: dict[str, str | None]) -> dict[str, Any]:
    tools = {
        t["name"]: {"description": t["description"], "parameters": t["parameters"]}
        for t in content["tool_schema"] or []
    }
    view = {
        "provider": content["provider"],
        "model": content["model"],
        "template_format": content.get("template_format"),
        "llm_parameters": content["llm_parameters"],
        "tool_schema": tools,
        "output_schema": content["output_schema"],
        **extras,
    }
    return {k: v for k, v in view.items() if v not in (None, {})}


def _order(diff: Difference) -> tuple[int, str]:
    head = diff.path.split(".", 1)[0].split("[", 1)[0]
    return (FIELD_ORDER.index(head) if head in FIELD_ORDER else len(FIELD_ORDER), diff.path)


def differences(
    before: Content | None,
    after: Content,
    *,
    before_extras: dict[str, str | None],
    after_extras: dict[str, str | None],
    labels: tuple[str, str],
) -> list[Difference]:
    """What changes from `before` (None: nothing yet) to `after`, one entry per field."""
    old = _comparable(before, before_extras) if before is not None else {}
    new = _comparable(after, after_extras)
    found: list[Difference] = []
    if before is None:  # nothing to compare with: every field is an addition
        found = [Difference(key, None, new[key]) for key in new]
    else:
        from deepdiff import DeepDiff  # imported here: a plan without changes never needs it
        from deepdiff.helper import notpresent

        for report in DeepDiff(old, new, verbose_level=2).tree.values():
            for level in report:
                found.append(
                    Difference(
                        format_path(level.path(output_format="list")),
                        None if level.t1 is notpresent else level.t1,
                        None if level.t2 is notpresent else level.t2,
                    )
                )
    old_messages = before["messages"] if before is not None else []
    if old_messages != after["messages"]:
        found.append(
            Difference(
                "messages",
                old_messages,
                after["messages"],
                text_diff(message_lines(old_messages), message_lines(after["messages"]), *labels),
            )
        )
    return sorted(found, key=_order)
