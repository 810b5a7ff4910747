"""A plan in the format asked for: text, markdown or JSON."""

from __future__ import annotations

from promptsync.plan_models import Plan


def plan_output(plan: Plan, fmt: str, color: bool) -> str:
    if fmt == "json":
        return plan.model_dump_json(indent=2) + "\n"
    if fmt == "markdown":
        from promptsync.display.markdown import render_markdown  # jinja2 only when needed

        return render_markdown(plan)
    from promptsync.display.text import render_text

    return render_text(plan, color=color)
