"""`promptsync eval`: run every template that has an eval file (or those --template names) over
its test cases, the files as they are, next to what the baseline environment serves."""

from __future__ import annotations

import os
from pathlib import Path

from promptsync import console
from promptsync.display.lines import visible
from promptsync.errors import PromptsyncError, error_json
from promptsync.interrupts import Interrupted
from promptsync.jobs.evaluation import EvalRequest, load_specs, run_evaluation, targets
from promptsync.jobs.planning import RemoteOptions, start_planning
from promptsync.jobs.project import Selection
from promptsync.kinds.prompts.remote import LATEST


def run_eval(
    config: str | None,
    selection: Selection,
    remote: RemoteOptions,
    request: EvalRequest,
    *,
    fmt: str,
    verbose: int,
) -> int:
    on_retry = console.retries(verbose)
    try:
        planning = start_planning(config, os.environ, Path.cwd(), remote, on_retry)
        try:
            project, backend = planning.project, planning.backend
            specs = load_specs(project)
            if not specs:
                raise PromptsyncError(
                    f"no evaluation files in {project.settings.config.evals_dir}/: see"
                    " docs/evaluation.md"
                )
            reading = planning.early
            snapshots = reading.result() if reading else backend.read([*project.managed, LATEST])
            found, notes = targets(project, specs, snapshots, None, selection.templates)
            if selection.templates and not found:
                raise PromptsyncError(
                    f"--template {selection.templates[0]!r}: no template with an eval file matches"
                )
            evaluation = run_evaluation(
                project, backend, found, request, os.environ, console.err, notes, "promptsync eval"
            )
        finally:
            planning.close()
    except (PromptsyncError, Interrupted) as exc:
        if fmt == "json":
            console.out(error_json(exc))
        raise
    if fmt == "json":
        console.out(evaluation.model_dump_json(indent=2) + "\n")
    elif fmt == "markdown":
        from promptsync.display.evaluation import markdown

        console.out(markdown(evaluation))
    else:
        from promptsync.display.evaluation import lines

        console.out("".join(visible(text) + "\n" for _, text in lines(evaluation)))
    if evaluation.gate_failed:
        for row in evaluation.templates:
            if row.gate:
                console.err(f"error: evaluation gate failed for {row.template}: {row.gate}")
        return 3
    return 0
