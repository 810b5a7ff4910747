"""`validate --all`, `plan --all`, `apply --all`: every tracked `promptsync.yaml` of the
repository, one combined output, exit codes combined (docs/monorepo.md)."""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any

from promptsync import console
from promptsync.errors import PromptsyncError, error_json
from promptsync.interrupts import Interrupted
from promptsync.jobs.deploy_all import DeployedProjects, deploy_all
from promptsync.jobs.planning import RemoteOptions
from promptsync.jobs.project import Selection
from promptsync.jobs.projects import discover, plan_all, validate_all
from promptsync.plan.projects import ProjectsPlan
from promptsync.repo.files import write_atomically

if TYPE_CHECKING:  # impact is imported only when asked for
    from promptsync.jobs.impact import ImpactOptions


def run_validate_all(fmt: str) -> int:
    checked = validate_all(discover(Path.cwd()), os.environ)
    invalid = [c for c in checked if c.result.errors]
    if fmt == "json":
        report = {
            "valid": not invalid,
            "projects": [
                {
                    "path": c.project.path,
                    "valid": not c.result.errors,
                    "prompts_dir": c.result.prompts_dir,
                    "files": c.result.files,
                    "templates": c.result.templates,
                    "errors": [i.as_json() for i in c.result.errors],
                    "warnings": [i.as_json() for i in c.result.issues if i.severity == "warning"],
                }
                for c in checked
            ],
        }
        console.out(json.dumps(report, indent=2) + "\n")
        return 1 if invalid else 0
    for c in checked:
        for issue in c.result.issues:
            console.err(f"{issue.severity}: {issue}")
        if not c.result.errors:
            console.out(f"{c.project.path}: {c.result.summary()}\n")
    if invalid:
        names = ", ".join(c.project.path for c in invalid)
        console.err(f"{len(invalid)} of {len(checked)} project(s) invalid: {names}.")
        return 1
    console.out(f"{len(checked)} project(s) valid.\n")
    return 0


def plans_output(plans: ProjectsPlan, fmt: str, color: bool) -> str:
    if fmt == "json":
        return plans.model_dump_json(indent=2) + "\n"
    if fmt == "markdown":
        from promptsync.display.projects import projects_markdown

        return projects_markdown(plans)
    from promptsync.display.projects import projects_text

    return projects_text(plans, color=color)


def _name_failures(plans: ProjectsPlan) -> None:
    for entry in plans.failed:
        assert entry.error is not None
        first = entry.error.messages[0].removeprefix("error: ")
        console.err(f"error: {entry.path}: {first}")


def run_plan_all(
    selection: Selection,
    remote: RemoteOptions,
    *,
    fmt: str,
    out: str | None,
    detailed_exitcode: bool,
    color: bool,
    verbose: int,
    impact: ImpactOptions | None = None,
) -> int:
    on_retry = console.retries(verbose)
    try:
        plans = plan_all(
            discover(Path.cwd()), selection, remote, os.environ, impact=impact, on_retry=on_retry
        )
    except (PromptsyncError, Interrupted) as exc:
        if fmt == "json":
            console.out(error_json(exc))
        raise
    if out:
        write_atomically(Path(out), plans.model_dump_json(indent=2) + "\n")
    console.out(plans_output(plans, fmt, color))
    _name_failures(plans)
    if plans.failed:
        return 1
    return 2 if detailed_exitcode and plans.has_changes else 0


def run_apply_all(
    planfile: str | None,
    selection: Selection,
    remote: RemoteOptions,
    *,
    auto_approve: bool,
    parallelism: int,
    fmt: str,
    color: bool,
    verbose: int,
) -> int:
    from promptsync.display.projects import applied_text, projects_text

    text = fmt == "text"

    def show(plans: ProjectsPlan) -> None:
        rendered = projects_text(plans, color=color and text)
        console.out(rendered) if text else console.err(rendered.rstrip("\n"))

    def approve(plans: ProjectsPlan) -> None:  # the question never lands in a JSON answer
        console.confirm_apply(sys.stdin, sys.stdout if text else sys.stderr)

    try:
        done = deploy_all(
            discover(Path.cwd()),
            planfile,
            selection,
            remote,
            os.environ,
            parallelism=parallelism,
            emit=console.err,
            show=show,
            approve=None if planfile or auto_approve else approve,
            on_retry=console.err if verbose else None,
        )
    except (PromptsyncError, Interrupted) as exc:
        if not text:
            console.out(error_json(exc))
        raise
    if text:
        console.out(applied_text(done.outcomes()))
    else:
        console.out(json.dumps(applied_json(done), indent=2) + "\n")
    _name_failures(done.plans)
    return done.exit_code


def applied_json(done: DeployedProjects) -> dict[str, Any]:
    return {
        "format_version": "2",
        "status": {0: "applied", 130: "interrupted"}.get(done.exit_code, "failed"),
        "projects": [
            {
                "path": path,
                "status": status,
                "report": report.as_json() if report else None,
                "errors": errors,
            }
            for path, status, report, errors in done.outcomes()
        ],
    }
