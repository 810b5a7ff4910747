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

import hashlib
import json
import os
import shlex
from collections.abc import Mapping
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import click

from promptsync import console
from promptsync.commands.options import (
    apply_arguments,
    evaluation,
    impact,
    parse,
    plan_arguments,
    remote,
    selection,
)
from promptsync.display.lines import summary_line
from promptsync.display.markdown import plan_markdown
from promptsync.display.projects import (
    applied_text,
    projects_markdown,
    projects_markdown_parts,
    projects_summary_line,
    projects_text,
)
from promptsync.display.report import report_text
from promptsync.display.text import plan_text
from promptsync.errors import PromptsyncError, messages
from promptsync.github.rest import COMMENT_LIMIT, GitHub, GitHubError, append_summary, write_outputs
from promptsync.jobs.deploy import deploy
from promptsync.jobs.deploy_all import deploy_all
from promptsync.jobs.deployments import DeploymentRecord, deployment_records, record_all
from promptsync.jobs.drift import watch
from promptsync.jobs.planning import start_planning
from promptsync.jobs.projects import Repository, discover, one_project, plan_all, validate_all
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
            _flag(env, "INPUT_IMPACT"),
            _flag(env, "INPUT_ALL"),
            _flag(env, "INPUT_DEPLOYMENTS"),
            _flag(env, "INPUT_EVAL"),
        )

    def options(self, command: click.Command) -> dict[str, object]:
        try:
            return parse(command, self.args)
        except click.ClickException as exc:
            raise PromptsyncError(f"input args: {exc.format_message()}") from None


def _flag(env: Mapping[str, str], name: str) -> bool:
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


def _block(text: str) -> str:
    return "```\n" + text.strip().replace("```", "`\u200b``") + "\n```"


def _failed(title: str, what: str, exc: PromptsyncError) -> Outcome:
    lines = messages(exc)
    for line in lines:
        console.err(line)
    listing = _block("\n".join(lines))
    md = f"### promptsync {what} — {title}\n\n❌ **{what} failed**\n\n{listing}\n"
    return Outcome(md, md, lines[0], False, 1)


def _plan_options(inputs: Inputs) -> dict[str, object]:
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


def _plan(title: str, inputs: Inputs, temp: Path) -> Outcome:
    kw = _plan_options(inputs)
    path = temp / f"promptsync-plan-{hashlib.sha256(title.encode()).hexdigest()[:8]}.json"
    try:
        planning = start_planning(inputs.config, os.environ, Path.cwd(), remote(kw), console.err)
        try:
            _mask_provider_keys(planning.project.settings.config.providers)
            plan = planning.plan(selection(kw), impact(kw), evaluation(kw), console.err)
        finally:
            planning.close()
        write_atomically(path, plan.model_dump_json(indent=2) + "\n")
    except PromptsyncError as exc:
        return _failed(title, "plan", exc)
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


def _mask_provider_keys(providers: Mapping[str, Any]) -> None:
    """Mask every model provider key the run can see (the defaults and the configured ones),
    so that no log line can show one."""
    names = {"OPENAI_API_KEY", "ANTHROPIC_API_KEY"}
    names |= {p.api_key_env for p in providers.values() if getattr(p, "api_key_env", None)}
    for name in sorted(names):
        value = os.environ.get(name, "").strip()
        if value:
            console.out(f"::add-mask::{value}\n")


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


def _no_key(key_variable: str) -> PromptsyncError:
    return PromptsyncError(
        f"{key_variable} is not set: create the repository secret {key_variable} (Settings →"
        f" Secrets and variables → Actions) and pass it to this step in env:"
        f" ({key_variable}: ${{{{ secrets.{key_variable} }}}}); only a pull request from a fork,"
        " which gets no secrets, plans without it"
    )


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
    skipped = _skipped(key_variable)
    if inputs.evaluate:
        skipped += (
            " The evaluation (`eval: true`) was skipped too: a fork's pull request gets no"
            " provider keys either."
        )
    md = f"### promptsync plan — {title}\n\n{skipped}\n\n{body}\n"
    state = "files are invalid" if result.errors else "files validated"
    line = f"Remote comparison skipped (no {key_variable}); {state}."
    return Outcome(md, md, line, False, 1 if result.errors else 0)


def _apply(title: str, inputs: Inputs, key_variable: str) -> Outcome:
    if not os.environ.get(key_variable, "").strip():
        return _failed(title, "apply", _no_key(key_variable))
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
    if inputs.deployments:
        log.append(_deployments(inputs, deployment_records(None, done.plan, report)))
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
    if inputs.all_projects and inputs.config:
        raise PromptsyncError("input config: all: true finds every config itself; leave it out")
    title = inputs.config or "promptsync.yaml"
    temp = Path(env.get("RUNNER_TEMP") or ".")
    key_variable = _key_variable(inputs.config)
    has_key = bool(env.get(key_variable, "").strip())
    if inputs.command == "drift":
        outcome = _drift(inputs)
    elif inputs.command == "apply":
        outcome = _apply_all(inputs) if inputs.all_projects else _apply(title, inputs, key_variable)
    elif inputs.all_projects:
        outcome = _plan_all(inputs, temp)
        has_key = not outcome.validated_only
    elif has_key:
        outcome = _plan(title, inputs, temp)
    elif from_fork(env):
        outcome = _validate_only(title, inputs, key_variable)
    else:  # a secret never created looks like a fork's pull request: say which it is
        outcome = _failed(title, "plan", _no_key(key_variable))
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
                _comment_parts(env, inputs, outcome.comment_parts or [outcome.comment_markdown])
            else:
                _comment(env, inputs, title, outcome.comment_markdown)
        except GitHubError as exc:
            if has_key:  # a normal pull request: the workflow's permissions need fixing
                raise
            console.err(f"::warning::promptsync could not comment: {exc}")
    return 1 if outcome.exitcode in (1, 3) else 0


def _key_variable(config: str | None) -> str:
    """The API key variable of the configured registry (Freeplay's when the config is bad)."""
    try:
        settings = load_settings(config, os.environ, Path.cwd())
    except PromptsyncError:
        return REGISTRIES["freeplay"].key_variable
    return settings.registry.key_variable


def _pull_request(env: Mapping[str, str], inputs: Inputs) -> int | None:
    """The pull request this run is for (None: not a pull-request event)."""
    if env.get("GITHUB_EVENT_NAME") not in ("pull_request", "pull_request_target"):
        return None
    event = json.loads(Path(env["GITHUB_EVENT_PATH"]).read_text(encoding="utf-8"))
    if not inputs.token:
        raise GitHubError("no github-token to comment with")
    return int(event["pull_request"]["number"])


def _api_url(env: Mapping[str, str]) -> str:
    return env.get("GITHUB_API_URL", "https://api.github.com")


def _comment(env: Mapping[str, str], inputs: Inputs, title: str, markdown: str) -> None:
    number = _pull_request(env, inputs)
    if number is None:
        return
    marker = f"<!-- promptsync:plan {title} -->"
    body = f"{marker}\n{markdown}"
    with GitHub(_api_url(env), inputs.token) as github:
        done = github.upsert_comment(env["GITHUB_REPOSITORY"], number, marker, body)
    console.err(f"promptsync: {done} the plan comment on pull request #{number}")


def _comment_parts(env: Mapping[str, str], inputs: Inputs, parts: list[str]) -> None:
    """One sticky comment for the whole repository, in as many parts as it needs."""
    number = _pull_request(env, inputs)
    if number is None:
        return
    with GitHub(_api_url(env), inputs.token) as github:
        done = github.comment_parts(env["GITHUB_REPOSITORY"], number, "plan all", parts)
    console.err(f"promptsync: the plan comment on pull request #{number}: {done}")


# --- all: true, drift, deployments ------------------------------------------------------------

ALL_TITLE = "all projects"


def _key_variables(repository: Repository) -> list[str]:
    """The API key variables the projects' registries read (Freeplay's for a broken config)."""
    found = []
    for project in repository.projects:
        variable = _key_variable(str(project.config))
        if variable not in found:
            found.append(variable)
    return found


def _plan_all(inputs: Inputs, temp: Path) -> Outcome:
    try:
        kw = _plan_options(inputs)
        repository = discover(Path.cwd())
        variables = _key_variables(repository)
        if not any(os.environ.get(v, "").strip() for v in variables):
            return _validate_all_only(repository, variables)
        plans = plan_all(
            repository,
            selection(kw),
            remote(kw),
            os.environ,
            impact=impact(kw),
            on_retry=console.err,
        )
    except PromptsyncError as exc:
        return _failed(ALL_TITLE, "plan", exc)
    path = temp / "promptsync-plan-all.json"
    write_atomically(path, plans.model_dump_json(indent=2) + "\n")
    console.out(projects_text(plans))
    for entry in plans.failed:
        assert entry.error is not None
        console.err(f"error: {entry.path}: {entry.error.messages[0].removeprefix('error: ')}")
    parts = projects_markdown_parts(plans, title=ALL_TITLE, limit=COMMENT_LIMIT)
    code = 1 if plans.failed else 2 if plans.has_changes else 0
    line = projects_summary_line(plans)
    return Outcome(
        projects_markdown(plans), parts[0], line, plans.has_changes, code, str(path), parts
    )


def _validate_all_only(repository: Repository, variables: list[str]) -> Outcome:
    rows, listing = [], []
    checked = validate_all(repository, os.environ)
    for c in checked:
        for issue in c.result.issues:
            console.err(f"{issue.severity}: {issue}")
            listing.append(f"{issue.severity}: {issue}")
        state = f"❌ {len(c.result.errors)} error(s)" if c.result.errors else "✅ valid"
        rows.append(f"| `{c.project.path}` | {state} |")
    invalid = [c for c in checked if c.result.errors]
    skipped = _skipped(" / ".join(variables))
    body = "| Project | Files |\n|---|---|\n" + "\n".join(rows)
    if listing:
        body += f"\n\n{_block(chr(10).join(listing))}"
    md = f"### promptsync plan — {ALL_TITLE}\n\n{skipped}\n\n{body}\n"
    state = f"{len(invalid)} project(s) invalid" if invalid else "files validated"
    line = f"Remote comparison skipped (no {' / '.join(variables)}); {state}."
    return Outcome(md, md, line, False, 1 if invalid else 0, validated_only=True)


def _apply_all(inputs: Inputs) -> Outcome:
    kw = inputs.options(apply_arguments)
    log: list[str] = []

    def emit(line: str) -> None:
        log.append(line)
        console.err(line)

    planfile, parallelism = kw.get("planfile"), kw.get("parallelism")
    try:
        done = deploy_all(
            discover(Path.cwd()),
            str(planfile) if planfile else None,
            selection(kw),
            remote(kw),
            os.environ,
            parallelism=parallelism if isinstance(parallelism, int) else 4,
            emit=emit,
            show=lambda plans: emit(projects_text(plans).rstrip("\n")),
            on_retry=emit,
        )
    except PromptsyncError as exc:
        return _failed(ALL_TITLE, "apply", exc)
    text = applied_text(done.outcomes())
    console.out(text)
    if inputs.deployments:
        records = [
            record
            for a in done.applied
            if a.report is not None and a.plan is not None
            for record in deployment_records(a.path, a.plan, a.report)
        ]
        log.append(_deployments(inputs, records))
    last = text.strip().splitlines()[-1]
    icon = "✅" if done.exit_code == 0 else "❌"
    log_text = "\n".join([*log, text.rstrip("\n")])
    md = (
        f"### promptsync apply — {ALL_TITLE}\n\n{icon} **{last}**\n\n{_block(text)}\n\n"
        f"<details><summary>Log</summary>\n\n{_block(log_text)}\n\n</details>\n"
    )
    changed = any(a.report is not None for a in done.applied)
    return Outcome(md, None, last, changed, 1 if done.exit_code == 1 else done.exit_code)


def _deployments(inputs: Inputs, records: list[DeploymentRecord]) -> str:
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


def _drift(inputs: Inputs) -> Outcome:
    """The drift watch: a pull request per project whose registry differs from the files."""
    env, cwd = os.environ, Path.cwd()
    try:
        if inputs.args:
            raise PromptsyncError("input args: drift takes none (it plans every environment)")
        repository = discover(cwd) if inputs.all_projects else one_project(inputs.config, env, cwd)
        if not (env.get("GITHUB_REPOSITORY") and inputs.token):
            raise PromptsyncError("drift needs GITHUB_REPOSITORY and a github-token")
        done = watch(
            repository.projects,
            repository.top,
            env,
            api_url=_api_url(env),
            token=inputs.token,
            repo=env["GITHUB_REPOSITORY"],
            on_retry=console.err,
        )
    except PromptsyncError as exc:
        return _failed("drift watch", "drift", exc)
    rows = []
    for path, state, failed in done.states():
        if failed:
            console.err(f"error: {path}: {state}")
        else:
            console.out(f"{path}: {state}\n")
        rows.append(f"| `{path}` | {'❌ ' if failed else ''}{state} |")
    line = done.summary_line()
    console.out(line + "\n")
    table = "| Project | Result |\n|---|---|\n" + "\n".join(rows)
    md = f"### promptsync drift watch\n\n**{line}**\n\n{table}\n"
    has_drift = any(d.drifted for d in done.drifts)
    return Outcome(md, None, line, has_drift, 1 if done.failed else 0)
