"""`promptsync github run`: what the GitHub Action executes. Inputs come from INPUT_* variables.

plan: make the plan (the same function `promptsync plan` calls), put the markdown plan in the job
summary, write step outputs, and keep one sticky pull-request comment per config. Without an API
key (pull requests from forks) it validates offline and says that the remote comparison was
skipped. apply: apply a plan file given in `args`, or plan-and-apply without asking.
"""

from __future__ import annotations

import hashlib
import json
import os
import shlex
from collections.abc import Mapping
from dataclasses import dataclass, replace
from pathlib import Path

import click

from promptsync import console
from promptsync.commands.options import (
    apply_arguments,
    impact,
    parse,
    plan_arguments,
    remote,
    selection,
)
from promptsync.display.lines import summary_line
from promptsync.display.markdown import plan_markdown
from promptsync.display.report import report_text
from promptsync.display.text import plan_text
from promptsync.errors import PromptsyncError, messages
from promptsync.github.rest import COMMENT_LIMIT, GitHub, GitHubError, append_summary, write_outputs
from promptsync.jobs.deploy import deploy
from promptsync.jobs.planning import start_planning
from promptsync.jobs.validation import validate
from promptsync.repo.files import write_atomically
from promptsync.repo.registries import REGISTRIES
from promptsync.repo.settings import load_settings


@dataclass(frozen=True)
class Inputs:
    command: str
    config: str | None
    args: list[str]
    comment: bool
    token: str
    impact: bool = False

    @classmethod
    def from_env(cls, env: Mapping[str, str]) -> Inputs:
        command = env.get("INPUT_COMMAND", "plan").strip() or "plan"
        if command not in ("plan", "apply"):
            raise PromptsyncError(f"input command: {command!r} is not plan or apply")
        try:
            args = shlex.split(env.get("INPUT_ARGS", ""))
        except ValueError as exc:
            raise PromptsyncError(f"input args: {exc}") from None
        return cls(
            command,
            env.get("INPUT_CONFIG", "").strip() or None,
            args,
            env.get("INPUT_COMMENT", "true").strip().lower() in ("true", "1", "yes"),
            env.get("INPUT_GITHUB_TOKEN", "").strip(),
            env.get("INPUT_IMPACT", "false").strip().lower() in ("true", "1", "yes"),
        )

    def options(self, command: click.Command) -> dict[str, object]:
        try:
            return parse(command, self.args)
        except click.ClickException as exc:
            raise PromptsyncError(f"input args: {exc.format_message()}") from None


@dataclass(frozen=True)
class Outcome:
    summary_markdown: str
    comment_markdown: str | None
    summary_line: str
    has_changes: bool
    exitcode: int
    plan_path: str = ""


def _block(text: str) -> str:
    return "```\n" + text.strip().replace("```", "`\u200b``") + "\n```"


def _failed(title: str, what: str, exc: PromptsyncError) -> Outcome:
    lines = messages(exc)
    for line in lines:
        console.err(line)
    listing = _block("\n".join(lines))
    md = f"### promptsync {what} — {title}\n\n❌ **{what} failed**\n\n{listing}\n"
    return Outcome(md, md, lines[0], False, 1)


def _plan(title: str, inputs: Inputs, temp: Path) -> Outcome:
    kw = inputs.options(plan_arguments)
    if kw.get("impact_show_examples"):  # the comment and summary are read by many people
        raise PromptsyncError(
            "input args: --impact-show-examples is not allowed in the Action: sampled inputs"
            " may hold user data, and the plan comment is visible to everyone who can read the"
            " pull request"
        )
    kw["impact"] = bool(kw.get("impact")) or inputs.impact
    path = temp / f"promptsync-plan-{hashlib.sha256(title.encode()).hexdigest()[:8]}.json"
    try:
        planning = start_planning(inputs.config, os.environ, Path.cwd(), remote(kw), console.err)
        try:
            plan = planning.plan(selection(kw), impact(kw))
        finally:
            planning.close()
        write_atomically(path, plan.model_dump_json(indent=2) + "\n")
    except PromptsyncError as exc:
        return _failed(title, "plan", exc)
    console.out(plan_text(plan))
    full = plan_markdown(plan, title=title, limit=1_000_000)
    comment = plan_markdown(plan, title=title, limit=COMMENT_LIMIT - 500)
    code = 2 if plan.has_changes else 0
    return Outcome(full, comment, summary_line(plan), plan.has_changes, code, str(path))


def _skipped(key_variable: str) -> str:
    return (
        f"**Remote comparison skipped:** `{key_variable}` is not available to this run"
        " (pull requests from forks do not receive secrets), so the prompt files were only"
        " validated offline."
    )


def _validate_only(title: str, inputs: Inputs, key_variable: str) -> Outcome:
    result = validate(inputs.config, os.environ, Path.cwd())
    for issue in result.issues:
        console.err(f"{issue.severity}: {issue}")
    if result.errors:
        listing = "\n".join(f"{i.severity}: {i}" for i in result.issues)
        body = f"❌ **The prompt files are invalid:**\n\n{_block(listing)}"
    else:
        body = f"✅ {result.summary()}"
        console.out(result.summary() + "\n")
    md = f"### promptsync plan — {title}\n\n{_skipped(key_variable)}\n\n{body}\n"
    state = "files are invalid" if result.errors else "files validated"
    line = f"Remote comparison skipped (no {key_variable}); {state}."
    return Outcome(md, md, line, False, 1 if result.errors else 0)


def _apply(title: str, inputs: Inputs, key_variable: str) -> Outcome:
    if not os.environ.get(key_variable, "").strip():
        return _failed(
            title,
            "apply",
            PromptsyncError(f"apply needs {key_variable} (add it as a secret and pass it in env)"),
        )
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
        return _failed(title, "apply", exc)
    report = done.report
    if report is None:
        line = (
            "The saved plan is already applied: the remote serves what it planned."
            if done.already_applied
            else "No changes. Your prompts match the remote."
        )
        console.out(line + "\n")
        md = f"### promptsync apply — {title}\n\n✅ **{line}**\n"
        return Outcome(md, None, line, False, 0)
    text = report_text(report)
    console.out(text)
    last = text.strip().splitlines()[-1]
    icon = "✅" if report.ok else "❌"
    log_text = "\n".join([*log, text.rstrip("\n")])
    md = (
        f"### promptsync apply — {title}\n\n{icon} **{last}**\n\n<details><summary>Log"
        f"</summary>\n\n{_block(log_text)}\n\n</details>\n"
    )
    return Outcome(md, None, last, True, 1 if done.exit_code == 1 else done.exit_code)


def run_github(global_config: str | None) -> int:
    env = os.environ
    inputs = Inputs.from_env(env)
    if inputs.config is None and global_config:
        inputs = replace(inputs, config=global_config)
    title = inputs.config or "promptsync.yaml"
    temp = Path(env.get("RUNNER_TEMP") or ".")
    key_variable = _key_variable(inputs.config)
    has_key = bool(env.get(key_variable, "").strip())
    if inputs.command == "apply":
        outcome = _apply(title, inputs, key_variable)
    elif has_key:
        outcome = _plan(title, inputs, temp)
    else:
        outcome = _validate_only(title, inputs, key_variable)
    if env.get("GITHUB_STEP_SUMMARY"):
        append_summary(env["GITHUB_STEP_SUMMARY"], outcome.summary_markdown)
    if env.get("GITHUB_OUTPUT"):
        write_outputs(
            env["GITHUB_OUTPUT"],
            {
                "has-changes": "true" if outcome.has_changes else "false",
                "plan-json": outcome.plan_path,
                "exitcode": str(outcome.exitcode),
                "summary": outcome.summary_line,
            },
        )
    if inputs.command == "plan" and inputs.comment and outcome.comment_markdown:
        try:
            _comment(env, inputs, title, outcome.comment_markdown)
        except GitHubError as exc:
            if has_key:  # a normal pull request: the workflow's permissions need fixing
                raise
            console.err(f"::warning::promptsync could not comment: {exc}")
    return 1 if outcome.exitcode == 1 else 0


def _key_variable(config: str | None) -> str:
    """The API key variable of the configured registry (Freeplay's when the config is bad)."""
    try:
        settings = load_settings(config, os.environ, Path.cwd())
    except PromptsyncError:
        return REGISTRIES["freeplay"].key_variable
    return settings.registry.key_variable


def _comment(env: Mapping[str, str], inputs: Inputs, title: str, markdown: str) -> None:
    if env.get("GITHUB_EVENT_NAME") not in ("pull_request", "pull_request_target"):
        return
    event = json.loads(Path(env["GITHUB_EVENT_PATH"]).read_text(encoding="utf-8"))
    number = int(event["pull_request"]["number"])
    if not inputs.token:
        raise GitHubError("no github-token to comment with")
    marker = f"<!-- promptsync:plan {title} -->"
    body = f"{marker}\n{markdown}"
    with GitHub(env.get("GITHUB_API_URL", "https://api.github.com"), inputs.token) as github:
        done = github.upsert_comment(env["GITHUB_REPOSITORY"], number, marker, body)
    console.err(f"promptsync: {done} the plan comment on pull request #{number}")
