"""`promptsync github run`: what the GitHub Action executes. Inputs come from INPUT_* variables.

plan: make the plan (the same function `promptsync plan` calls), put the markdown plan in the job
summary, write step outputs, and keep one sticky pull-request comment per config. Without an API
key (pull requests from forks) it validates offline and says that the remote comparison was
skipped. apply: apply a plan file given in `args`, or plan-and-apply without asking (and, with
`deployments: true`, record a GitHub Deployment per environment changed). With `all: true`, every
project of the repository, one sticky comment for all (docs/monorepo.md). drift: the drift watch,
a pull request per project whose registry differs from the files.
"""

from __future__ import annotations

import json
import os
from collections.abc import Mapping
from dataclasses import replace
from pathlib import Path

from promptsync import console
from promptsync.commands.github.common import (
    Inputs,
    api_url,
    failed,
    from_fork,
    no_key,
    registry_key_variable,
)
from promptsync.commands.github.one import apply_one, plan_one, validate_only
from promptsync.commands.github.projects import (
    apply_all_projects,
    drift_watch,
    plan_all_projects,
)
from promptsync.errors import PromptsyncError
from promptsync.github.rest import GitHub, GitHubError, append_summary, write_outputs


def run_github(global_config: str | None) -> int:
    env = os.environ
    inputs = Inputs.from_env(env)
    if inputs.config is None and global_config:
        inputs = replace(inputs, config=global_config)
    if inputs.all_projects and inputs.config:
        raise PromptsyncError("input config: all: true finds every config itself; leave it out")
    title = inputs.config or "promptsync.yaml"
    temp = Path(env.get("RUNNER_TEMP") or ".")
    key_variable = registry_key_variable(inputs.config)
    has_key = bool(env.get(key_variable, "").strip())
    if inputs.command == "drift":
        outcome = drift_watch(inputs)
    elif inputs.command == "apply":
        outcome = (
            apply_all_projects(inputs)
            if inputs.all_projects
            else apply_one(title, inputs, key_variable)
        )
    elif inputs.all_projects:
        outcome = plan_all_projects(inputs, temp)
        has_key = not outcome.validated_only
    elif has_key:
        outcome = plan_one(title, inputs, temp)
    elif from_fork(env):
        outcome = validate_only(title, inputs, key_variable)
    else:  # a secret never created looks like a fork's pull request: say which it is
        outcome = failed(title, "plan", no_key(key_variable))
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
            if inputs.all_projects:
                comment_parts(env, inputs, outcome.comment_parts or [outcome.comment_markdown])
            else:
                comment(env, inputs, title, outcome.comment_markdown)
        except GitHubError as exc:
            if has_key:  # a normal pull request: the workflow's permissions need fixing
                raise
            console.err(f"::warning::promptsync could not comment: {exc}")
    return 1 if outcome.exitcode in (1, 3) else 0


def pull_request(env: Mapping[str, str], inputs: Inputs) -> int | None:
    """The pull request this run is for (None: not a pull-request event)."""
    if env.get("GITHUB_EVENT_NAME") not in ("pull_request", "pull_request_target"):
        return None
    event = json.loads(Path(env["GITHUB_EVENT_PATH"]).read_text(encoding="utf-8"))
    if not inputs.token:
        raise GitHubError("no github-token to comment with")
    return int(event["pull_request"]["number"])


def comment(env: Mapping[str, str], inputs: Inputs, title: str, markdown: str) -> None:
    number = pull_request(env, inputs)
    if number is None:
        return
    marker = f"<!-- promptsync:plan {title} -->"
    body = f"{marker}\n{markdown}"
    with GitHub(api_url(env), inputs.token) as github:
        done = github.upsert_comment(env["GITHUB_REPOSITORY"], number, marker, body)
    console.err(f"promptsync: {done} the plan comment on pull request #{number}")


def comment_parts(env: Mapping[str, str], inputs: Inputs, parts: list[str]) -> None:
    """One sticky comment for the whole repository, in as many parts as it needs."""
    number = pull_request(env, inputs)
    if number is None:
        return
    with GitHub(api_url(env), inputs.token) as github:
        done = github.comment_parts(env["GITHUB_REPOSITORY"], number, "plan all", parts)
    console.err(f"promptsync: the plan comment on pull request #{number}: {done}")
