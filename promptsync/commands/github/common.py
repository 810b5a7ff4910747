"""What every Action command shares: the inputs, the outcome a command hands back, failures as
markdown, fork detection and the key variable, deployments."""

from __future__ import annotations

import json
import os
import shlex
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

import click

from promptsync import console
from promptsync.commands.options import parse, plan_arguments
from promptsync.errors import PromptsyncError, messages
from promptsync.jobs.deployments import DeploymentRecord, record_all
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
    all_projects: bool = False
    deployments: bool = False
    evaluate: bool = False

    @classmethod
    def from_env(cls, env: Mapping[str, str]) -> Inputs:
        command = env.get("INPUT_COMMAND", "plan").strip() or "plan"
        if command not in ("plan", "apply", "drift"):
            raise PromptsyncError(f"input command: {command!r} is not plan, apply or drift")
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
            flag(env, "INPUT_IMPACT"),
            flag(env, "INPUT_ALL"),
            flag(env, "INPUT_DEPLOYMENTS"),
            flag(env, "INPUT_EVAL"),
        )

    def options(self, command: click.Command) -> dict[str, object]:
        try:
            return parse(command, self.args)
        except click.ClickException as exc:
            raise PromptsyncError(f"input args: {exc.format_message()}") from None


def flag(env: Mapping[str, str], name: str) -> bool:
    return env.get(name, "false").strip().lower() in ("true", "1", "yes")


@dataclass(frozen=True)
class Outcome:
    summary_markdown: str
    comment_markdown: str | None
    summary_line: str
    has_changes: bool
    exitcode: int
    plan_path: str = ""
    comment_parts: list[str] | None = None  # all: true — the repository's comment, in parts
    validated_only: bool = False  # no API key (a fork's pull request): a comment may fail


def block(text: str) -> str:
    return "```\n" + text.strip().replace("```", "`\u200b``") + "\n```"


def failed(title: str, what: str, exc: PromptsyncError) -> Outcome:
    lines = messages(exc)
    for line in lines:
        console.err(line)
    listing = block("\n".join(lines))
    md = f"### promptsync {what} — {title}\n\n❌ **{what} failed**\n\n{listing}\n"
    return Outcome(md, md, lines[0], False, 1)


def plan_options(inputs: Inputs) -> dict[str, object]:
    kw = inputs.options(plan_arguments)
    if kw.get("impact_show_examples"):  # the comment and summary are read by many people
        raise PromptsyncError(
            "input args: --impact-show-examples is not allowed in the Action: sampled inputs"
            " may hold user data, and the plan comment is visible to everyone who can read the"
            " pull request"
        )
    if kw.get("eval_show_examples"):
        raise PromptsyncError(
            "input args: --eval-show-examples is not allowed in the Action: test cases and"
            " answers may hold user data, and the plan comment is visible to everyone who can"
            " read the pull request"
        )
    kw["impact"] = bool(kw.get("impact")) or inputs.impact
    kw["evaluate"] = bool(kw.get("evaluate")) or inputs.evaluate
    return kw


def from_fork(env: Mapping[str, str]) -> bool:
    """A pull request from a fork: GitHub gives its runs no secrets."""
    if env.get("GITHUB_EVENT_NAME") not in ("pull_request", "pull_request_target"):
        return False
    try:
        event = json.loads(Path(env["GITHUB_EVENT_PATH"]).read_text(encoding="utf-8"))
        head = event["pull_request"]["head"]["repo"]
        base = event["pull_request"]["base"]["repo"]
    except (KeyError, TypeError, OSError, ValueError):
        return False
    return bool(head and base and head.get("full_name") != base.get("full_name"))


def no_key(key_variable: str) -> PromptsyncError:
    return PromptsyncError(
        f"{key_variable} is not set: create the repository secret {key_variable} (Settings →"
        f" Secrets and variables → Actions) and pass it to this step in env:"
        f" ({key_variable}: ${{{{ secrets.{key_variable} }}}}); only a pull request from a fork,"
        " which gets no secrets, plans without it"
    )


def skipped(key_variable: str) -> str:
    return (
        f"**Remote comparison skipped:** `{key_variable}` is not available to this run"
        " (pull requests from forks do not receive secrets), so the prompt files were only"
        " validated offline."
    )


def registry_key_variable(config: str | None) -> str:
    """The API key variable of the configured registry (Freeplay's when the config is bad)."""
    try:
        settings = load_settings(config, os.environ, Path.cwd())
    except PromptsyncError:
        return REGISTRIES["freeplay"].key_variable
    return settings.registry.key_variable


def api_url(env: Mapping[str, str]) -> str:
    return env.get("GITHUB_API_URL", "https://api.github.com")


def record_deployments(inputs: Inputs, records: list[DeploymentRecord]) -> str:
    """Record the deployments; a refusal is a warning (the prompts are deployed already)."""
    if not records:
        return "No deployments to record."
    done, problem = record_all(os.environ, inputs.token, records)
    lines = [f"promptsync: recorded {line}" for line in done]
    if problem:
        lines.append(f"::warning::promptsync could not record the deployments: {problem}")
    for line in lines:
        console.err(line)
    return "\n".join(lines)
