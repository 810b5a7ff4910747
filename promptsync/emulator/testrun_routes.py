"""Test runs: made from a dataset by name, linked to completions recorded with `test_run_info`."""

from __future__ import annotations

import json
import uuid
from collections import Counter
from typing import Any

from starlette.responses import Response

from promptsync.emulator import dataset_view as view
from promptsync.emulator import formatting as fmt
from promptsync.emulator.calls import Call, int_query, ok, parse, path_uuid
from promptsync.emulator.completion_store import Completion
from promptsync.emulator.dataset_models import CreateTestRunInfo
from promptsync.emulator.store import StoreError
from promptsync.emulator.testrun_store import TestRun


async def create_test_run(call: Call) -> Response:
    body = await parse(call, CreateTestRunInfo)
    if body.flavor_name is not None and body.flavor_name not in fmt.FLAVORS:
        raise StoreError(400, f"Invalid field flavor_name: unknown flavor '{body.flavor_name}'")
    if body.target_evaluation_ids:
        raise StoreError(
            400,
            "Invalid field target_evaluation_ids.0: no evaluation criterion"
            f" {body.target_evaluation_ids[0]} in this project",
        )
    try:
        dataset = call.api.datasets.by_name(call.project_id, body.dataset_name)
    except StoreError as exc:
        message = f"Invalid field dataset_name: no dataset named '{body.dataset_name}'"
        raise StoreError(400, message) from exc
    run, cases = call.api.test_runs.create(
        call.project_id, dataset, body.test_run_name or "", body.test_run_description or ""
    )
    # Freeplay documents include_outputs as "Default: true".
    include_outputs = body.include_outputs is not False
    return ok(
        {
            "test_run_id": run.id,
            "test_run_name": run.name,
            "test_run_description": run.description,
            "test_cases": [view.run_case(c, include_outputs) for c in cases],
            "trace_test_cases": None,  # prompt datasets only: no trace test cases
        },
        201,
    )


async def list_test_runs(call: Call) -> Response:
    page = int_query(call, "page", 1, 1, None)
    size = int_query(call, "page_size", 100, 1, 100)
    runs = call.api.test_runs.runs(call.project_id, (page - 1) * size, size)
    return ok({"test_runs": [_listed(run) for run in runs]})


def _listed(run: TestRun) -> dict[str, Any]:
    """As in the API reference's sample, plus `test_run_id` (the id under the document's name)."""
    return {
        "id": run.id,
        "test_run_id": run.id,
        "name": run.name,
        "description": run.description,
        "created_at": run.created_at,
        "dataset_name": run.dataset_name,
    }


async def get_test_run(call: Call) -> Response:
    run_id = str(uuid.UUID(path_uuid(call, "test_run_id")))
    run = call.api.test_runs.run(call.project_id, run_id)
    completions = call.api.completions.of_test_run(call.project_id, run.id)
    return ok(results(run, completions))


def results(run: TestRun, completions: list[Completion]) -> dict[str, Any]:
    """`TestRunResponseInfo` from the completions recorded for the run.

    The prompt and model are those of the first completion recorded that names them; the
    client evaluations count each recorded `eval_results` value per name (keys are the values
    as JSON: `"true"`, `"0.5"`), as the reference's sample counts auto-evaluation scores.
    Auto and human evaluations are not emulated: always empty.
    """
    prompted = next((c for c in completions if c.template_name is not None), None)
    version = (prompted.version_body or {}) if prompted else {}
    client: dict[str, Counter[str]] = {}
    for completion in completions:
        for name, value in (completion.record.get("eval_results") or {}).items():
            client.setdefault(name, Counter())[json.dumps(value)] += 1
    return {
        "id": run.id,
        "name": run.name,
        "description": run.description,
        "created_at": run.created_at,
        "prompt_name": prompted.template_name if prompted else None,
        "prompt_version": (
            (version.get("version_name") or prompted.version_id) if prompted else None
        ),
        "model_name": next((c.model for c in completions if c.model), None),
        "sessions_count": len({c.session_id for c in completions}),
        "summary_statistics": {
            "auto_evaluation": {},
            "human_evaluation": {},
            "client_evaluation": {name: dict(counts) for name, counts in client.items()},
        },
    }
