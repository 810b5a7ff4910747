"""The Action on every project of the repository (`all: true`) and the drift watch
(docs/monorepo.md)."""

from __future__ import annotations

import os
from pathlib import Path

from promptsync import console
from promptsync.commands.github.common import (
    Inputs,
    Outcome,
    api_url,
    block,
    failed,
    plan_options,
    record_deployments,
    registry_key_variable,
    skipped,
)
from promptsync.commands.options import apply_arguments, impact, remote, selection
from promptsync.display.projects import (
    applied_text,
    projects_markdown,
    projects_markdown_parts,
    projects_summary_line,
    projects_text,
)
from promptsync.errors import PromptsyncError
from promptsync.github.rest import COMMENT_LIMIT
from promptsync.jobs.deploy_all import deploy_all
from promptsync.jobs.deployments import deployment_records
from promptsync.jobs.drift import watch
from promptsync.jobs.projects import Repository, discover, one_project, plan_all, validate_all
from promptsync.repo.files import write_atomically

ALL_TITLE = "all projects"


def key_variables(repository: Repository) -> list[str]:
    """The API key variables the projects' registries read (Freeplay's for a broken config)."""
    found = []
    for project in repository.projects:
        variable = registry_key_variable(str(project.config))
        if variable not in found:
            found.append(variable)
    return found


def plan_all_projects(inputs: Inputs, temp: Path) -> Outcome:
    try:
        kw = plan_options(inputs)
        repository = discover(Path.cwd())
        variables = key_variables(repository)
        if not any(os.environ.get(v, "").strip() for v in variables):
            return validate_all_only(repository, variables)
        plans = plan_all(
            repository,
            selection(kw),
            remote(kw),
            os.environ,
            impact=impact(kw),
            on_retry=console.err,
        )
    except PromptsyncError as exc:
        return failed(ALL_TITLE, "plan", exc)
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


def validate_all_only(repository: Repository, variables: list[str]) -> Outcome:
    rows, listing = [], []
    checked = validate_all(repository, os.environ)
    for c in checked:
        for issue in c.result.issues:
            console.err(f"{issue.severity}: {issue}")
            listing.append(f"{issue.severity}: {issue}")
        state = f"❌ {len(c.result.errors)} error(s)" if c.result.errors else "✅ valid"
        rows.append(f"| `{c.project.path}` | {state} |")
    invalid = [c for c in checked if c.result.errors]
    note = skipped(" / ".join(variables))
    body = "| Project | Files |\n|---|---|\n" + "\n".join(rows)
    if listing:
        body += f"\n\n{block(chr(10).join(listing))}"
    md = f"### promptsync plan — {ALL_TITLE}\n\n{note}\n\n{body}\n"
    state = f"{len(invalid)} project(s) invalid" if invalid else "files validated"
    line = f"Remote comparison skipped (no {' / '.join(variables)}); {state}."
    return Outcome(md, md, line, False, 1 if invalid else 0, validated_only=True)


def apply_all_projects(inputs: Inputs) -> Outcome:
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
        return failed(ALL_TITLE, "apply", exc)
    text = applied_text(done.outcomes())
    console.out(text)
    if inputs.deployments:
        records = [
            record
            for a in done.applied
            if a.report is not None and a.plan is not None
            for record in deployment_records(a.path, a.plan, a.report)
        ]
        log.append(record_deployments(inputs, records))
    last = text.strip().splitlines()[-1]
    icon = "✅" if done.exit_code == 0 else "❌"
    log_text = "\n".join([*log, text.rstrip("\n")])
    md = (
        f"### promptsync apply — {ALL_TITLE}\n\n{icon} **{last}**\n\n{block(text)}\n\n"
        f"<details><summary>Log</summary>\n\n{block(log_text)}\n\n</details>\n"
    )
    changed = any(a.report is not None for a in done.applied)
    return Outcome(md, None, last, changed, 1 if done.exit_code == 1 else done.exit_code)


def drift_watch(inputs: Inputs) -> Outcome:
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
            api_url=api_url(env),
            token=inputs.token,
            repo=env["GITHUB_REPOSITORY"],
            on_retry=console.err,
        )
    except PromptsyncError as exc:
        return failed("drift watch", "drift", exc)
    rows = []
    for path, state, broken in done.states():
        if broken:
            console.err(f"error: {path}: {state}")
        else:
            console.out(f"{path}: {state}\n")
        rows.append(f"| `{path}` | {'❌ ' if broken else ''}{state} |")
    line = done.summary_line()
    console.out(line + "\n")
    table = "| Project | Result |\n|---|---|\n" + "\n".join(rows)
    md = f"### promptsync drift watch\n\n**{line}**\n\n{table}\n"
    has_drift = any(d.drifted for d in done.drifts)
    return Outcome(md, None, line, has_drift, 1 if done.failed else 0)
