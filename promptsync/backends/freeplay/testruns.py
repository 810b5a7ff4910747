"""Recording an evaluation as a Freeplay test run, as the seed's "Executing a Test Run" does:
create the run from the dataset (`POST …/test-runs`, which answers with the dataset's test
cases and their ids), then record each test case's completion of the new version
(`POST …/sessions/<new>/completions`) with `test_run_info`, the inputs, `call_info` and the
checks as `eval_results`. The version being evaluated does not exist in Freeplay yet (the plan
has not been applied), so the completions carry no `prompt_info`.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Sequence
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any
from urllib.parse import quote

from promptsync.backends.http import BackendError, HttpSession

if TYPE_CHECKING:  # evaluation only when a plan runs one
    from promptsync.evaluate.run import CaseResult


def _key(inputs: Any, output: Any) -> str:
    return json.dumps([inputs, output], sort_keys=True, ensure_ascii=False)


def record_test_run(
    http: HttpSession, project_id: str, dataset: str, name: str, results: Sequence[CaseResult]
) -> str:
    base = f"/projects/{quote(project_id, safe='')}"
    payload = http.json(
        "POST",
        f"{base}/test-runs",
        {"dataset_name": dataset, "include_outputs": True, "test_run_name": name},
    )
    run_id = payload.get("test_run_id") if isinstance(payload, dict) else None
    cases = payload.get("test_cases") if isinstance(payload, dict) else None
    if not isinstance(run_id, str) or not isinstance(cases, list):
        raise BackendError(f"{http.shown('POST', f'{base}/test-runs')}: no test_run_id")
    ids: dict[str, list[str]] = {}
    for case in cases:
        if isinstance(case, dict) and isinstance(case.get("test_case_id"), str):
            variables = case.get("variables") or case.get("values") or {}
            ids.setdefault(_key(variables, case.get("output")), []).append(case["test_case_id"])
    now = datetime.now(UTC).timestamp()
    for result in results:
        found = ids.get(_key(dict(result.case.get("inputs") or {}), result.case.get("output")))
        if not found or result.answer is None:
            continue  # the dataset in Freeplay differs from the file (not applied yet)
        body = {
            "messages": [
                *result.request.messages,
                {"role": "assistant", "content": result.answer.text},
            ],
            "inputs": dict(result.case.get("inputs") or {}),
            "call_info": {
                "provider": result.request.provider,
                "model": result.request.model,
                "start_time": now,
                "end_time": now,
                "llm_parameters": dict(result.request.params),
            },
            "test_run_info": {"test_run_id": run_id, "test_case_id": found.pop(0)},
            "eval_results": dict(result.checks),
        }
        http.send("POST", f"{base}/sessions/{uuid.uuid4()}/completions", body)
    return run_id
