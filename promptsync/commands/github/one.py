"""The Action on one project: plan (or validate only, for a fork's pull request) and apply."""

from __future__ import annotations

import hashlib
import os
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from promptsync import console
from promptsync.commands.github.common import (
    Inputs,
    Outcome,
    block,
    failed,
    no_key,
    plan_options,
    record_deployments,
    skipped,
)
from promptsync.commands.options import apply_arguments, evaluation, impact, remote, selection
from promptsync.display.lines import nothing_applied, summary_line
from promptsync.display.markdown import plan_markdown
from promptsync.display.report import report_text
from promptsync.display.text import plan_text
from promptsync.errors import PromptsyncError
from promptsync.github.rest import COMMENT_LIMIT
from promptsync.jobs.deploy import deploy
from promptsync.jobs.deployments import deployment_records
from promptsync.jobs.planning import start_planning
from promptsync.jobs.validation import validate
from promptsync.repo.files import write_atomically


def plan_one(title: str, inputs: Inputs, temp: Path) -> Outcome:
    kw = plan_options(inputs)
    path = temp / f"promptsync-plan-{hashlib.sha256(title.encode()).hexdigest()[:8]}.json"
    try:
        planning = start_planning(inputs.config, os.environ, Path.cwd(), remote(kw), console.err)
        try:
            mask_provider_keys(planning.project.settings.config.providers)
            plan = planning.plan(selection(kw), impact(kw), evaluation(kw), console.err)
        finally:
            planning.close()
        write_atomically(path, plan.model_dump_json(indent=2) + "\n")
    except PromptsyncError as exc:
        return failed(title, "plan", exc)
    console.out(plan_text(plan))
    full = plan_markdown(plan, title=title, limit=1_000_000)
    comment = plan_markdown(
        plan,
        title=title,
        limit=COMMENT_LIMIT - 500,
        elsewhere="the job summary and in the plan JSON (the step's plan-json output)",
    )
    code = 2 if plan.has_changes else 0
    if plan.evaluation is not None and plan.evaluation.gate_failed:
        for row in plan.evaluation.templates:
            if row.gate:
                console.err(f"error: evaluation gate failed for {row.template}: {row.gate}")
        code = 3
    return Outcome(full, comment, summary_line(plan), plan.has_changes, code, str(path))


def mask_provider_keys(providers: Mapping[str, Any]) -> None:
    """Mask every model provider key the run can see (the defaults and the configured ones),
    so that no log line can show one."""
    names = {"OPENAI_API_KEY", "ANTHROPIC_API_KEY"}
    names |= {p.api_key_env for p in providers.values() if getattr(p, "api_key_env", None)}
    for name in sorted(names):
        value = os.environ.get(name, "").strip()
        if value:
            console.out(f"::add-mask::{value}\n")


def validate_only(title: str, inputs: Inputs, key_variable: str) -> Outcome:
    result = validate(inputs.config, os.environ, Path.cwd())
    for issue in result.issues:
        console.err(f"{issue.severity}: {issue}")
    if result.errors:
        listing = "\n".join(f"{i.severity}: {i}" for i in result.issues)
        body = f"❌ **The prompt files are invalid:**\n\n{block(listing)}"
    else:
        body = f"✅ {result.summary()}"
        console.out(result.summary() + "\n")
    note = skipped(key_variable)
    if inputs.evaluate:
        note += (
            " The evaluation (`eval: true`) was skipped too: a fork's pull request gets no"
            " provider keys either."
        )
    md = f"### promptsync plan — {title}\n\n{note}\n\n{body}\n"
    state = "files are invalid" if result.errors else "files validated"
    line = f"Remote comparison skipped (no {key_variable}); {state}."
    return Outcome(md, md, line, False, 1 if result.errors else 0)


def apply_one(title: str, inputs: Inputs, key_variable: str) -> Outcome:
    if not os.environ.get(key_variable, "").strip():
        return failed(title, "apply", no_key(key_variable))
    kw = inputs.options(apply_arguments)
    log: list[str] = []

    def emit(line: str) -> None:
        log.append(line)
        console.err(line)

    planfile = kw.get("planfile")
    parallelism = kw.get("parallelism")
    try:
        done = deploy(
            inputs.config,
            str(planfile) if planfile else None,
            selection(kw),
            remote(kw),
            os.environ,
            Path.cwd(),
            parallelism=parallelism if isinstance(parallelism, int) else 4,
            emit=emit,
            show=lambda plan: emit(plan_text(plan).rstrip("\n")),
            on_retry=emit,
        )
    except PromptsyncError as exc:
        return failed(title, "apply", exc)
    report = done.report
    if report is None:
        line = nothing_applied(done.plan, done.already_applied)
        console.out(line + "\n")
        md = f"### promptsync apply — {title}\n\n✅ **{line}**\n"
        return Outcome(md, None, line, False, 0)
    if inputs.deployments:
        log.append(record_deployments(inputs, deployment_records(None, done.plan, report)))
    text = report_text(report)
    console.out(text)
    last = text.strip().splitlines()[-1]
    icon = "✅" if report.ok else "❌"
    log_text = "\n".join([*log, text.rstrip("\n")])
    md = (
        f"### promptsync apply — {title}\n\n{icon} **{last}**\n\n<details><summary>Log"
        f"</summary>\n\n{block(log_text)}\n\n</details>\n"
    )
    return Outcome(md, None, last, True, 1 if done.exit_code == 1 else done.exit_code)
