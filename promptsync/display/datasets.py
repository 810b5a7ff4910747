"""A dataset's change as styled lines (the text and markdown renderings share them)."""

from __future__ import annotations

import json
from typing import Any

from promptsync.display.lines import SYMBOL, Line, Style
from promptsync.kinds.datasets.changes import CaseChange, DatasetChange

SHOWN = 10  # test cases listed per kind of change; the rest are counted


def _compact(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False, sort_keys=True, separators=(", ", ": "))


def heading(change: DatasetChange) -> Line:
    return (change.action, f"{SYMBOL[change.action]} dataset {change.name}   [{change.action}]")


def _case_lines(case: CaseChange) -> list[Line]:
    lines: list[Line] = [("update", f"~ inputs {_compact(case.inputs)}")]
    for field in ("output", "metadata", "history"):
        before, after = getattr(case.before, field), getattr(case.after, field)
        if before == after:
            continue
        if before is not None:
            lines.append(("remove", f"    - {field}: {_compact(before)}"))
        if after is not None:
            lines.append(("create", f"    + {field}: {_compact(after)}"))
    return lines


def body(change: DatasetChange) -> list[Line]:
    """Everything under a dataset's heading line, indented by the caller."""
    lines: list[Line] = [("dim", f"files: {', '.join(change.files)}")]
    if change.before_version is not None:
        lines.append(("dim", f"compared with version {change.before_version}"))
    if change.unreadable:
        lines.append(("dim", f"cannot be compared in part: {change.unreadable}"))
    for diff in change.diff:
        lines.append(
            ("update", f"~ {diff.path}: {_compact(diff.before)} -> {_compact(diff.after)}")
        )
    c = change.cases
    style: Style = "create" if change.action == "create" else "update"
    lines.append(
        (style, f"test cases: + {c.added}, - {c.removed}, ~ {c.changed} ({c.unchanged} unchanged)")
    )
    for case in change.case_changes[:SHOWN]:
        lines.extend(_case_lines(case))
    if len(change.case_changes) > SHOWN:
        lines.append(("dim", f"… and {len(change.case_changes) - SHOWN} more changed test cases"))
    return lines
