"""Field-level differences between two versions, for reviewers. Pure.

Structured fields are diffed with deepdiff (tools keyed by name, so reordering is not noise);
message text becomes one unified diff over all messages, so an inserted message reads as an
insertion rather than as every later message changing.
"""

from __future__ import annotations

import difflib
from dataclasses import dataclass
from typing import Any

from promptsync.kinds.prompts.identity import canonical_json
from promptsync.kinds.prompts.models import PromptFile
from promptsync.kinds.prompts.remote import Content
from promptsync.repo.rules import format_path

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


_ABSENT: Any = object()
_DEEPER = 0.33  # deepdiff's threshold_to_diff_deeper: below it, a dict changed as a whole


def _same(a: Any, b: Any) -> bool:
    """Equal as JSON: `1` and `true` differ (Python's == says they are equal)."""
    return a is b or (type(a) is type(b) and a == b and canonical_json(a) == canonical_json(b))


def _scalar(value: Any) -> bool:
    return not isinstance(value, dict | list)


def _field(key: str, old: Any, new: Any) -> list[Difference]:
    """One top-level field's differences, exactly as deepdiff reports them for that field,
    without paying deepdiff's cost where the comparison is flat (a changed model, a changed
    parameter). Fields are compared one by one, so a version that changes several fields never
    collapses into one change of everything."""
    if old is not _ABSENT and new is not _ABSENT and _same(old, new):
        return []
    if old is _ABSENT or new is _ABSENT or (_scalar(old) and _scalar(new)):
        return [Difference(key, None if old is _ABSENT else old, None if new is _ABSENT else new)]
    if isinstance(old, dict) and isinstance(new, dict):
        union = old.keys() | new.keys()
        if len(union) > 1 and len(old.keys() & new.keys()) / len(union) < _DEEPER:
            return [Difference(key, old, new)]  # little in common: one change, as deepdiff says
        if all(_scalar(v) for v in (*old.values(), *new.values())):
            return [
                Difference(f"{key}.{k}", old.get(k), new.get(k))
                for k in [*old, *(k for k in new if k not in old)]
                if k not in old or k not in new or not _same(old[k], new[k])
            ]
    from deepdiff import DeepDiff  # nested structures only: most plans never need it
    from deepdiff.helper import notpresent

    return [
        Difference(
            format_path([key, *level.path(output_format="list")]),
            None if level.t1 is notpresent else level.t1,
            None if level.t2 is notpresent else level.t2,
        )
        for report in DeepDiff(old, new, verbose_level=2).tree.values()
        for level in report
    ]


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
        for key in [*old, *(k for k in new if k not in old)]:
            found += _field(key, old.get(key, _ABSENT), new.get(key, _ABSENT))
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
