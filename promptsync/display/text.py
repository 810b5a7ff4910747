"""The plan for a terminal: Terraform-like, coloured only when asked."""

from __future__ import annotations

import click

from promptsync.display import datasets, evaluation
from promptsync.display.impact import impact_note
from promptsync.display.lines import (
    LEGEND,
    Line,
    change_body,
    heading,
    notices,
    summary_line,
    visible,
)
from promptsync.kinds.datasets.changes import DatasetChange
from promptsync.plan.models import Plan

_COLORS = {
    "create": "green",
    "update": "yellow",
    "promote": "cyan",
    "remove": "red",
    "breaking": "red",
    "hunk": "cyan",
}


def _paint(line: Line, color: bool) -> str:
    style, text = line
    text = visible(text)
    if not color or style == "plain":
        return text
    if style == "dim":
        return click.style(text, dim=True)
    return click.style(text, fg=_COLORS[style], bold=True if style == "breaking" else None)


def plan_text(plan: Plan, *, color: bool = False) -> str:
    out: list[str] = []
    if plan.changes:
        out += [_paint(("dim", LEGEND), color), ""]
    for change in plan.changes:
        if isinstance(change, DatasetChange):
            head, lines = datasets.heading(change), datasets.body(change)
        else:
            head, lines = heading(change), change_body(change, plan.impact)
        out.append(_paint(head, color))
        out.extend("    " + _paint(line, color) for line in lines)
        out.append("")
    note = impact_note(plan)
    extra = notices(plan) + ([("plain", note)] if note else [])
    if plan.evaluation is not None:
        extra += evaluation.lines(plan.evaluation)
    if extra:
        out.extend(_paint(line, color) for line in extra)
        out.append("")
    out.append(click.style(summary_line(plan), bold=True) if color else summary_line(plan))
    return "\n".join(out) + "\n"
