"""Test runs: made from a dataset, linked to recorded completions, checked against the spec."""

from __future__ import annotations

import copy
import uuid
from typing import Any

import httpx
import pytest

from promptsync.emulator import RunningEmulator
from tests.emulator.completions import create_template, record, turn
from tests.emulator.datasets import (
    DS,
    RUN,
    RUNS,
    SUPPORT_CASES,
    add_cases,
    create_dataset,
    path,
    support_dataset,
)
from tests.emulator.openapi import check, response_schema, validate

CRITERION = "9f0c1d5e-0000-4000-8000-000000000000"


def create_run(fp: RunningEmulator, **body: Any) -> dict[str, Any]:
    with fp.client() as client:
        response = client.post(path(fp, RUNS), json=body)
    return check(response, "POST", RUNS, 201)  # type: ignore[no-any-return]


def list_schema() -> dict[str, Any]:
    """The list response's schema, except one requirement no test run can meet.

    `TestRunListResponseInfo.test_runs` refers to `#/components/schemas/TestRunInfo`, which is
    the record payload's `{test_run_id, test_case_id}` (two server classes share the name; the
    response's description says `list[shared.sqlalchemy.models.TestRun]`). A test run has no
    single test case, so the emulator sends `test_run_id` but no `test_case_id`.
    """
    schema = copy.deepcopy(response_schema("GET", RUNS, 200))
    schema["components"]["schemas"]["TestRunInfo"]["required"] = ["test_run_id"]
    return schema


def test_create_returns_the_datasets_test_cases(emulator: RunningEmulator) -> None:
    _dataset_id, created = support_dataset(emulator)
    run = create_run(emulator, dataset_name="support_cases")
    uuid.UUID(run["test_run_id"])
    assert (run["test_run_name"], run["test_run_description"]) == ("", "")
    assert run["trace_test_cases"] is None
    assert len(run["test_cases"]) == len(SUPPORT_CASES)
    for got, case, sent in zip(run["test_cases"], created, SUPPORT_CASES, strict=True):
        assert got == {
            # TestCaseInfo, as the OpenAPI document has it ...
            "id": case["id"],
            "values": sent["inputs"],
            "output": sent.get("output"),
            "output_message": None,
            "history": sent.get("history"),
            "metadata": sent.get("metadata"),
            # ... and the keys the SDK and the API reference's samples read.
            "test_case_id": case["id"],
            "variables": sent["inputs"],
            "custom_metadata": sent.get("metadata"),
            "media_variables": None,
        }
    named = create_run(
        emulator,
        dataset_name="support_cases",
        test_run_name="nightly",
        test_run_description="after the prompt change",
        flavor_name="anthropic_chat",
        target_evaluation_ids=[],
    )
    assert (named["test_run_name"], named["test_run_description"]) == (
        "nightly",
        "after the prompt change",
    )


def test_include_outputs(emulator: RunningEmulator) -> None:
    dataset_id = create_dataset(emulator, "d")["id"]
    add_cases(
        emulator,
        dataset_id,
        [{"inputs": {"q": "x"}, "output": "y"}],
    )
    for flag, output in ((None, "y"), (True, "y"), (False, None)):
        body: dict[str, Any] = {"dataset_name": "d", "include_outputs": flag}
        [case] = create_run(emulator, **body)["test_cases"]
        assert case["output"] == output, flag


def test_a_run_holds_the_cases_of_its_time(emulator: RunningEmulator) -> None:
    dataset_id = create_dataset(emulator, "empty")["id"]
    assert create_run(emulator, dataset_name="empty")["test_cases"] == []
    added = add_cases(emulator, dataset_id, [{"inputs": {"n": 1}}])
    assert [c["id"] for c in create_run(emulator, dataset_name="empty")["test_cases"]] == [
        added[0]["id"]
    ]


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ({}, "dataset_name: Field required"),
        ({"dataset_name": "nope"}, "dataset_name: no dataset named 'nope'"),
        (
            {"dataset_name": "d", "include_outputs": "yes"},
            "include_outputs: Input should be a valid boolean",
        ),
        ({"dataset_name": "d", "flavor_name": "x"}, "flavor_name: unknown flavor 'x'"),
        (
            {"dataset_name": "d", "target_evaluation_ids": [CRITERION]},
            f"target_evaluation_ids.0: no evaluation criterion {CRITERION} in this project",
        ),
    ],
)
def test_bad_create_requests(emulator: RunningEmulator, body: Any, message: str) -> None:
    create_dataset(emulator, "d")
    response = emulator.client().post(path(emulator, RUNS), json=body)
    assert (response.status_code, response.json()) == (
        400,
        {"message": f"Invalid field {message}"},
    )


def test_list_newest_first_and_paginated(emulator: RunningEmulator) -> None:
    fp, client = emulator, emulator.client()
    dataset_id = create_dataset(fp, "d")["id"]
    made = [create_run(fp, dataset_name="d", test_run_name=f"r{i}") for i in range(3)]
    listed = client.get(path(fp, RUNS))
    assert listed.status_code == 200
    body = listed.json()
    validate(body, list_schema())
    assert [r["test_run_id"] for r in body["test_runs"]] == [
        r["test_run_id"] for r in reversed(made)
    ]
    newest = body["test_runs"][0]
    assert newest == {
        "id": made[2]["test_run_id"],
        "test_run_id": made[2]["test_run_id"],
        "name": "r2",
        "description": "",
        "created_at": newest["created_at"],
        "dataset_name": "d",
    }
    assert isinstance(newest["created_at"], int)
    page = client.get(path(fp, RUNS), params={"page": 2, "page_size": 2}).json()["test_runs"]
    assert [r["name"] for r in page] == ["r0"]
    too_big = client.get(path(fp, RUNS), params={"page_size": 101})
    assert (too_big.status_code, too_big.json()) == (
        400,
        {"message": "Query parameter page_size must be between 1 and 100"},
    )
    # A run outlives its dataset.
    client.delete(path(fp, DS, dataset_id=dataset_id))
    assert client.get(path(fp, RUNS)).json()["test_runs"][0]["dataset_name"] is None


def test_results_of_an_empty_run(emulator: RunningEmulator) -> None:
    create_dataset(emulator, "d")
    run = create_run(emulator, dataset_name="d", test_run_name="r")
    got = emulator.client().get(path(emulator, RUN, test_run_id=run["test_run_id"]))
    body = check(got, "GET", RUN, 200)
    assert body == {
        "id": run["test_run_id"],
        "name": "r",
        "description": "",
        "created_at": body["created_at"],
        "prompt_name": None,
        "prompt_version": None,
        "model_name": None,
        "sessions_count": 0,
        "summary_statistics": {
            "auto_evaluation": {},
            "human_evaluation": {},
            "client_evaluation": {},
        },
    }


def test_results_count_what_was_recorded(emulator: RunningEmulator) -> None:
    fp = emulator
    template = create_template(fp, "rag-qa", "gpt-4o-mini", "openai")
    _dataset_id, cases = support_dataset(fp)
    run = create_run(fp, dataset_name="support_cases")
    other = create_run(fp, dataset_name="support_cases")
    sessions = [str(uuid.uuid4()), str(uuid.uuid4())]
    for i, case in enumerate(run["test_cases"]):
        record(
            fp,
            {
                "messages": turn(case["variables"]["question"], "answer"),
                "inputs": case["variables"],
                "prompt_info": {
                    "prompt_template_version_id": template["prompt_template_version_id"],
                    "environment": "prod",
                },
                "test_run_info": {
                    "test_run_id": run["test_run_id"].upper(),
                    "test_case_id": case["test_case_id"],
                },
                "eval_results": {"contains_product": i != 1, "score": 0.5},
            },
            session=sessions[i % 2],
        )
    record(
        fp,
        {
            "messages": turn("q", "a"),
            "test_run_info": {"test_run_id": other["test_run_id"], "test_case_id": cases[0]["id"]},
            "eval_results": {"contains_product": False},
        },
    )
    with fp.client() as client:
        got = client.get(path(fp, RUN, test_run_id=run["test_run_id"]))
    body = check(got, "GET", RUN, 200)
    assert {k: body[k] for k in ("prompt_name", "prompt_version", "model_name")} == {
        "prompt_name": "rag-qa",
        "prompt_version": "rag-qa-v1",
        "model_name": "gpt-4o-mini",
    }
    assert body["sessions_count"] == 2
    assert body["summary_statistics"]["client_evaluation"] == {
        "contains_product": {"true": 2, "false": 1},
        "score": {"0.5": 3},
    }


def test_recording_checks_the_test_run_link(emulator: RunningEmulator) -> None:
    fp = emulator
    dataset_id, cases = support_dataset(fp)
    run = create_run(fp, dataset_name="support_cases")
    foreign = str(uuid.uuid4())

    def post(test_run_info: dict[str, str]) -> httpx.Response:
        with fp.client() as client:
            return client.post(
                f"/projects/{fp.project_id}/sessions/{uuid.uuid4()}/completions",
                json={"messages": turn("q", "a"), "test_run_info": test_run_info},
            )

    for link, message in (
        (
            {"test_run_id": foreign, "test_case_id": cases[0]["id"]},
            f"Invalid field test_run_info.test_run_id: no test run {foreign} in this project",
        ),
        (
            {"test_run_id": run["test_run_id"], "test_case_id": foreign},
            f"Invalid field test_run_info.test_case_id: test case {foreign} is not in"
            f" test run {run['test_run_id']}",
        ),
        (
            {"test_run_id": "x", "test_case_id": foreign},
            "Invalid field test_run_info.test_run_id: Input should be a valid UUID",
        ),
    ):
        response = post(link)
        assert (response.status_code, response.json()) == (400, {"message": message})
    # A test case deleted after the run was made is still the run's.
    with fp.client() as client:
        client.delete(path(fp, f"{DS}/test-cases/{cases[0]['id']}", dataset_id=dataset_id))
    assert (
        post({"test_run_id": run["test_run_id"], "test_case_id": cases[0]["id"]}).status_code == 201
    )


def test_unknown_and_malformed_test_run_ids(emulator: RunningEmulator) -> None:
    client = emulator.client()
    unknown = client.get(path(emulator, RUN, test_run_id=str(uuid.uuid4())))
    assert (unknown.status_code, unknown.json()) == (404, {"message": "Test run not found"})
    bad = client.get(path(emulator, RUN, test_run_id="run-1"))
    assert (bad.status_code, bad.json()) == (
        400,
        {"message": "test_run_id 'run-1' is not a valid UUID"},
    )
