"""A plan in the format asked for: text, markdown or JSON."""

from __future__ import annotations

from promptsync.plan.models import Plan


def plan_output(plan: Plan, fmt: str, color: bool) -> str:
    if fmt == "json":
        return plan.model_dump_json(indent=2) + "\n"
    if fmt == "markdown":
        from promptsync.display.markdown import plan_markdown  # jinja2 only when needed

        return plan_markdown(plan)
    from promptsync.display.text import plan_text

    return plan_text(plan, color=color)
