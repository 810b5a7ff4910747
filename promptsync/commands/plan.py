"""`promptsync plan`: read the files, read each environment once, print the plan."""

from __future__ import annotations

import os
from pathlib import Path
from typing import TYPE_CHECKING

from promptsync import console
from promptsync.display.formats import plan_output
from promptsync.errors import PromptsyncError, error_json
from promptsync.interrupts import Interrupted
from promptsync.jobs.planning import RemoteOptions, start_planning
from promptsync.jobs.project import Selection
from promptsync.repo.files import write_atomically

if TYPE_CHECKING:  # impact and evaluation are imported only when asked for
    from promptsync.jobs.evaluation import EvalRequest
    from promptsync.jobs.impact import ImpactOptions


def run_plan(
    config: str | None,
    selection: Selection,
    remote: RemoteOptions,
    *,
    fmt: str,
    out: str | None,
    detailed_exitcode: bool,
    color: bool,
    verbose: int,
    impact: ImpactOptions | None = None,
    evaluation: EvalRequest | None = None,
) -> int:
    on_retry = console.retries(verbose)
    try:
        planning = start_planning(config, os.environ, Path.cwd(), remote, on_retry)
        try:
            plan = planning.plan(selection, impact, evaluation, progress=console.err)
        finally:
            planning.close()
    except (PromptsyncError, Interrupted) as exc:
        if fmt == "json":  # a machine reader gets a JSON answer either way
            console.out(error_json(exc))
        raise
    if out:
        write_atomically(Path(out), plan.model_dump_json(indent=2) + "\n")
    console.out(plan_output(plan, fmt, color))
    if verbose:
        console.err(f"{planning.backend.requests} request(s) to {plan.backend.api_url}")
    if plan.evaluation is not None and plan.evaluation.gate_failed:
        for row in plan.evaluation.templates:
            if row.gate:
                console.err(f"error: evaluation gate failed for {row.template}: {row.gate}")
        return 3
    if detailed_exitcode and plan.has_changes:
        return 2
    return 0
