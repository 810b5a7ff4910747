"""A plan of several projects for a terminal (a section per project), as GitHub markdown (one
document, or numbered parts each under GitHub's comment limit), and its one summary line."""

from __future__ import annotations

from typing import NamedTuple

import click

from promptsync.apply.report import Report
from promptsync.display.lines import ALREADY_APPLIED, summary_line, visible
from promptsync.display.text import plan_text
from promptsync.plan.projects import ProjectPlan, ProjectsPlan

GITHUB_LIMIT = 65_536
MAX_PARTS = 5  # past this many comments, each project's details are shortened instead
PART_HEADROOM = 300  # a part's heading and the caller's hidden marker


def projects_summary_line(plans: ProjectsPlan) -> str:
    """`Plan: 2 to create, … — 3 projects: 2 planned, 1 failed.` (or `No changes — …`)."""
    s = plans.summary
    counts = [f"{s.planned} planned"]
    counts += [f"{s.skipped} skipped"] if s.skipped else []
    counts += [f"{s.failed} failed"] if s.failed else []
    noun = "project" if s.projects == 1 else "projects"
    tail = f"{s.projects} {noun}: {', '.join(counts)}."
    if not s.planned:
        return f"Nothing planned — {tail}"
    if not plans.has_changes:
        return (
            f"No changes in the projects planned — {tail}" if s.failed else f"No changes — {tail}"
        )
    return (
        f"Plan: {s.create} to create, {s.update} to update, {s.promote} to promote,"
        f" {s.breaking} breaking — {tail}"
    )


def project_status(entry: ProjectPlan) -> str:
    """One line for a project: its plan's summary, its first error, or why it was skipped."""
    if entry.plan is not None:
        return summary_line(entry.plan)
    if entry.error is not None:
        first = entry.error.messages[0].removeprefix("error: ")
        more = len(entry.error.messages) - 1
        return f"failed: {first}" + (f" (and {more} more)" if more else "")
    return f"skipped: {entry.skipped}"


def projects_text(plans: ProjectsPlan, *, color: bool = False) -> str:
    out: list[str] = []
    for entry in plans.projects:
        heading = f"=== {entry.path} ({entry.config}) ==="
        out.append(click.style(heading, bold=True) if color else heading)
        if entry.plan is not None:
            out.append(plan_text(entry.plan, color=color))
        elif entry.error is not None:
            out.append("\n".join(visible(m) for m in entry.error.messages) + "\n")
        else:
            out.append(f"Skipped: {entry.skipped}.\n")
    line = projects_summary_line(plans)
    out.append(click.style(line, bold=True) if color else line)
    return "\n".join(out) + "\n"


def _block(text: str) -> str:
    return "```\n" + text.strip().replace("```", "`\u200b``") + "\n```"


def _cell(text: str) -> str:
    return visible(text).replace("&", "&amp;").replace("<", "&lt;").replace("|", "\\|")


def _code(text: str) -> str:
    return visible(text).replace("`", "ˋ").replace("|", "\\|")


def _header(plans: ProjectsPlan, title: str) -> str:
    icon = {True: "❌ ", False: ""}[bool(plans.failed)]
    rows = []
    for entry in plans.projects:
        mark = "❌" if entry.error else "⏭️" if entry.skipped else "✏️" if entry.has_changes else "✅"
        rows.append(f"| {mark} | `{_code(entry.path)}` | {_cell(project_status(entry))} |")
    return (
        f"### promptsync plan — {title}\n\n{icon}**{projects_summary_line(plans)}**\n\n"
        "| | Project | Plan |\n|---|---|---|\n" + "\n".join(rows) + "\n"
    )


def _section(entry: ProjectPlan, limit: int) -> str | None:
    from promptsync.display.markdown import plan_markdown  # jinja2 only when needed

    if entry.plan is not None:  # a level below the combined heading
        return "#" + plan_markdown(entry.plan, title=entry.path, limit=limit - 1)
    if entry.error is not None:
        listing = _block("\n".join(visible(m) for m in entry.error.messages))
        text = f"#### promptsync plan — {entry.path}\n\n❌ **plan failed**\n\n{listing}\n"
        if len(text) > limit:
            notice = "\n```\n\n> **Truncated:** the full list is in the job summary.\n"
            text = text[: limit - len(notice)] + notice
        return text
    return None  # a skipped project is a row of the table only


def projects_markdown(plans: ProjectsPlan, *, title: str = "all projects") -> str:
    """The whole plan as one document (the job summary), every project's details in full."""
    sections = [_section(e, 1_000_000) for e in plans.projects]
    return "\n".join([_header(plans, title), *(s for s in sections if s)])


def projects_markdown_parts(
    plans: ProjectsPlan, *, title: str = "all projects", limit: int = GITHUB_LIMIT
) -> list[str]:
    """The plan as comments of at most `limit` characters each (less PART_HEADROOM for the
    caller's marker): the summary table first, then whole project sections, in order. A
    project's section never spans two parts: its details are shortened to fit one (the full
    plan is in the job summary); past MAX_PARTS parts, every section is shortened."""
    budget = limit - PART_HEADROOM - 40  # each part's "Part i of n" line
    header = _header(plans, title)
    if len(header) > budget:
        notice = "\n\n> **Truncated:** the full table is in the job summary.\n"
        header = header[: budget - len(notice)] + notice
    each = budget
    while True:
        sections = [s for e in plans.projects if (s := _section(e, each))]
        total = len(header) + sum(len(s) + 1 for s in sections)
        if total <= MAX_PARTS * budget or each <= 4_000:
            break
        each //= 2
    parts = [header]
    for section in sections:
        if len(parts[-1]) + 1 + len(section) <= budget:
            parts[-1] += "\n" + section
        else:
            parts.append(section)
    if len(parts) == 1:
        return parts
    return [
        f"{part}\n\n*Part {i} of {len(parts)} of the plan.*\n" for i, part in enumerate(parts, 1)
    ]


class ProjectOutcome(NamedTuple):
    """How one project's apply went: status is applied, failed, interrupted, no_changes,
    already_applied or skipped; errors are the lines the CLI prints."""

    path: str
    status: str
    report: Report | None
    errors: list[str]


SAID = {
    "no_changes": "No changes. Your prompts match the remote.",
    "already_applied": ALREADY_APPLIED,
    "skipped": "skipped.",
    "interrupted": "not applied: interrupted.",
}


def applied_text(outcomes: list[ProjectOutcome]) -> str:
    """A line per project (its report's last line, the others indented below), then a tally."""
    from promptsync.display.report import report_text

    lines = []
    counts: dict[str, int] = {}
    for path, status, report, errors in outcomes:
        counts[status] = counts.get(status, 0) + 1
        if report is not None:
            body = report_text(report).rstrip("\n").splitlines()
            lines += [f"{path}: {body[-1]}", *(f"  {b}" for b in body[:-1])]
        elif status == "failed":
            lines.append(f"{path}: not applied: {visible(errors[0].removeprefix('error: '))}")
        else:
            lines.append(f"{path}: {SAID[status]}")
    tally = ", ".join(f"{n} {status.replace('_', ' ')}" for status, n in counts.items())
    lines.append(f"Apply of {len(outcomes)} project(s): {tally}.")
    return "\n".join(lines) + "\n"
