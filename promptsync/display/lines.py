"""A plan as styled lines: the shared content of the text and markdown renderings."""

from __future__ import annotations

import json
from typing import Any, Literal

from promptsync.display.impact import affected_lines, pair_lines
from promptsync.impact.models import Impact
from promptsync.kinds.common import Orphan
from promptsync.kinds.datasets.changes import DatasetOrphan
from promptsync.kinds.prompts.changes import Change, EnvironmentChange, FieldDiff
from promptsync.kinds.prompts.identity import short
from promptsync.kinds.prompts.remote import LATEST
from promptsync.plan.models import Plan

Style = Literal["create", "update", "promote", "remove", "breaking", "plain", "dim", "hunk"]
Line = tuple[Style, str]

SYMBOL = {"create": "+", "update": "~", "promote": ">"}
LEGEND = (
    "Symbols: + create template   ~ new version   > promote an existing version   ! breaking change"
)


def value(v: Any) -> str:
    return json.dumps(v, ensure_ascii=False, sort_keys=True)


def _env_line(env: str, change: EnvironmentChange) -> Line:
    before = short(change.before.version_id or "") if change.before else "(nothing)"
    if change.before is not None and change.before.unreadable is not None:
        before += f" (cannot be compared: {change.before.unreadable})"
    if change.via == "promote":
        return (
            "promote",
            f"> {env}: {before} -> {short(change.after.version_id or '')} (existing version)",
        )
    symbol: str = "~" if change.before else "+"
    style: Style = "update" if change.before else "create"
    same = change.before is not None and (
        change.before.hash,
        change.before.version_name,
        change.before.version_description,
    ) == (change.after.hash, change.after.version_name, change.after.version_description)
    note = " (re-created: other new versions move latest)" if same else ""
    return style, f"{symbol} {env}: {before} -> new version {short(change.after.hash)}{note}"


def _diff_lines(diff: FieldDiff) -> list[Line]:
    if diff.text_diff is not None:
        lines: list[Line] = [
            ("update", f"~ {diff.path}:") if diff.before else ("create", f"+ {diff.path}:")
        ]
        for text in diff.text_diff.split("\n"):
            style: Style = (
                "hunk"
                if text.startswith("@@")
                else "dim"
                if text.startswith(("---", "+++"))
                else "create"
                if text.startswith("+")
                else "remove"
                if text.startswith("-")
                else "plain"
            )
            lines.append((style, f"    {text}"))
        return lines
    if diff.before is None:
        return [("create", f"+ {diff.path}: {value(diff.after)}")]
    if diff.after is None:
        return [("remove", f"- {diff.path}: {value(diff.before)}")]
    return [("update", f"~ {diff.path}: {value(diff.before)} -> {value(diff.after)}")]


def change_body(change: Change, impact: Impact | None = None) -> list[Line]:
    """Everything under a template's heading line, indented by the caller."""
    lines: list[Line] = [("dim", f"files: {', '.join(change.files)}")]
    lines.extend(_env_line(env, c) for env, c in change.environments.items())
    if change.latest_after is not None and LATEST not in change.environments:
        lines.append(
            (
                "dim",
                f"latest moves to {short(change.latest_after)}"
                " (creating a version always moves latest)",
            )
        )
    groups: dict[tuple[str, ...], list[FieldDiff]] = {}
    for diff in change.diff:
        groups.setdefault(tuple(diff.environments), []).append(diff)
    for envs, diffs in groups.items():
        if len(groups) > 1:
            lines.append(("dim", f"changes for {', '.join(envs)}:"))
        for diff in diffs:
            lines.extend(_diff_lines(diff))
    for b in change.breaking:
        lines.append(("breaking", f"! {b.environment}: {b.kind.replace('_', ' ')}: {b.detail}"))
        lines.extend(affected_lines(impact, change, b))
    lines.extend(pair_lines(impact, change))
    return lines


def heading(change: Change) -> Line:
    return (
        change.action,
        f"{SYMBOL[change.action]} {change.name}   [{', '.join(change.actions)}]",
    )


ALREADY_APPLIED = "The saved plan is already applied: the remote serves what it planned."


def nothing_applied(plan: Plan, already_applied: bool) -> str:
    """What an apply that wrote nothing says: a saved plan already applied, or the plan's own
    no-changes line."""
    return ALREADY_APPLIED if already_applied else summary_line(plan)


def summary_line(plan: Plan) -> str:
    if not plan.changes and plan.held_back:
        return f"No changes to make; {len(plan.held_back)} held back (see above)."
    if not plan.changes:
        what = "prompts and datasets" if plan.dataset_summary is not None else "prompts"
        return f"No changes. Your {what} match the remote."
    s = plan.summary
    line = (
        f"Plan: {s.create} to create, {s.update} to update, {s.promote} to promote,"
        f" {s.breaking} breaking."
    )
    d = plan.dataset_summary
    if d is not None and plan.dataset_changes:
        line += (
            f" Datasets: {d.create} to create, {d.update} to update (test cases:"
            f" +{d.cases_added} -{d.cases_removed} ~{d.cases_changed})."
        )
    return line


def notices(plan: Plan) -> list[Line]:
    lines: list[Line] = []
    templates = [o for o in plan.orphans if isinstance(o, Orphan)]
    datasets = [o for o in plan.orphans if isinstance(o, DatasetOrphan)]
    if templates:
        lines.append(
            ("plain", "Orphans (remote templates with no file; promptsync never deletes):")
        )
        lines.extend(
            ("dim", f"  ? {o.name} (version {short(o.version_id or '') or 'unknown'})")
            for o in templates
        )
    if datasets:
        lines.append(("plain", "Orphans (remote datasets with no file; promptsync never deletes):"))
        lines.extend(
            ("dim", f"  ? {o.name} (dataset {o.dataset_id or 'unknown'})") for o in datasets
        )
    if plan.unclaimed:
        lines.append(("plain", "Unclaimed environments (served remotely, claimed by no file):"))
        lines.extend(
            ("dim", f"  ? {u.name}: {u.environment} (version {short(u.version_id)})")
            for u in plan.unclaimed
        )
    if plan.held_back:
        lines.append(("plain", "Held back (apply makes the other changes, then fails):"))
        lines.extend(("breaking", f"  ! {reason}") for reason in plan.held_back)
    if plan.warnings:
        lines.append(("plain", "Warnings:"))
        lines.extend(("breaking", f"  ! {w}") for w in plan.warnings)
    return lines


_ESCAPES = {"\t": "\\t", "\r": "\\r", "\x1b": "\\e"}


def _escape(char: str) -> str:
    if char in _ESCAPES:
        return _ESCAPES[char]
    code = ord(char)
    return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}"


def visible(text: str) -> str:
    """Terminal control characters (ESC, BEL, CR, …) and invisible format characters
    (bidirectional overrides, zero-width spaces) escaped, so that no content can clear the
    screen, hide part of a line or reorder what a reviewer reads."""
    if text.isprintable():
        return text
    return "".join(c if c.isprintable() or c == " " else _escape(c) for c in text)
