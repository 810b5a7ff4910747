"""The plan as GitHub markdown: a summary table and one collapsible block per template."""

from __future__ import annotations

import jinja2

from promptsync.display import datasets, evaluation
from promptsync.display.impact import impact_note
from promptsync.display.lines import SYMBOL, change_body, heading, summary_line, visible
from promptsync.impact.models import Impact
from promptsync.kinds.datasets.changes import DatasetChange
from promptsync.kinds.prompts.changes import Change
from promptsync.plan.models import Plan

GITHUB_LIMIT = 65_536

_env = jinja2.Environment(
    loader=jinja2.PackageLoader("promptsync.display", "templates"),
    autoescape=False,
    keep_trailing_newline=True,
    trim_blocks=True,
    undefined=jinja2.StrictUndefined,
)
# Backticks cannot be escaped inside inline code; a template name containing one is shown with
# a look-alike so the table does not break.
_env.filters["md_code"] = lambda s: visible(str(s)).replace("`", "ˋ").replace("|", "\\|")
_env.filters["cell"] = lambda s: (  # plain text in a table cell
    visible(str(s)).replace("&", "&amp;").replace("<", "&lt;").replace("|", "\\|")
)
_env.filters["html"] = lambda s: (
    visible(str(s)).replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
)


def _body(change: Change | DatasetChange, impact: Impact | None = None) -> str:
    if isinstance(change, DatasetChange):
        head, body = datasets.heading(change), datasets.body(change)
    else:
        head, body = heading(change), change_body(change, impact)
    lines = [head[1], *("    " + text for _, text in body)]
    lines = [_marker_first(visible(line)) for line in lines]
    # A fence inside the diff would end the code block early.
    return "\n".join(lines).replace("```", "`\u200b``")


MARKERS = "+-~>!"


def _marker_first(line: str) -> str:
    """A line's change marker moved to column 0, the indentation after it: GitHub colours a
    `diff` block's lines by their first character (as Atlantis's diff-markdown does). The marker
    is the first character after the structural indentation (a multiple of 4 spaces), so a
    diff's context line whose text starts with "-" stays a context line."""
    depth = (len(line) - len(line.lstrip(" "))) // 4 * 4
    if line[depth:].startswith(("--- ", "+++ ")):  # a unified diff's file headers
        return line
    if depth and line[depth : depth + 1] in tuple(MARKERS):
        return line[depth] + line[:depth] + line[depth + 1 :]
    return line


def _breaking_note(plan: Plan) -> str:
    n = plan.summary.breaking
    if not n or not plan.changes:
        return ""
    return f" ⚠️ **{n} breaking change{'s' if n != 1 else ''}**: callers may silently break."


def plan_markdown(
    plan: Plan,
    *,
    title: str = "",
    limit: int = GITHUB_LIMIT,
    elsewhere: str = "the plan JSON (`plan --format json`, `--out FILE`)",
) -> str:
    """Markdown that stays under `limit` characters: details are dropped from the end first,
    with a notice saying where the full plan is (`elsewhere`)."""
    bodies = {f"{c.kind}:{c.name}": _body(c, plan.impact) for c in plan.changes}
    shown = list(plan.changes)
    while True:
        text = _env.get_template("plan.md.j2").render(
            plan=plan,
            title=title,
            summary=summary_line(plan),
            breaking_note=_breaking_note(plan),
            symbol=SYMBOL,
            bodies=bodies,
            shown=shown,
            omitted=len(plan.changes) - len(shown),
            impact_note=impact_note(plan),
            elsewhere=elsewhere,
            evaluation=evaluation.markdown(plan.evaluation) if plan.evaluation else "",
        )
        if len(text) <= limit or not shown:
            break
        # Drop enough details at once to converge quickly on huge plans.
        excess = len(text) - limit
        while shown and excess > 0:
            dropped = shown.pop()
            excess -= len(bodies[f"{dropped.kind}:{dropped.name}"]) + 100
    if len(text) > limit:  # the table alone is too long: cut it with a visible notice
        notice = "\n\n> **Truncated** to stay under GitHub's 65,536-character limit.\n"
        text = text[: limit - len(notice)] + notice
    return text
