"""The older `datasets/…` routes (the SDK's `test_cases` uses them) over the same datasets."""

from __future__ import annotations

import uuid
from typing import Any

from freeplay import Freeplay
from freeplay.resources.test_cases import DatasetTestCase

from promptsync.emulator import RunningEmulator
from tests.emulator.datasets import SUPPORT_CASES, C, L, create_dataset, path, support_dataset
from tests.emulator.openapi import check


def test_legacy_routes(emulator: RunningEmulator) -> None:
    fp, client = emulator, emulator.client()
    dataset_id, created = support_dataset(fp, "Sample")
    info = {"id": dataset_id, "name": "Sample", "description": ""}
    by_id = client.get(path(fp, f"{L}/id/{{dataset_id}}", dataset_id=dataset_id))
    assert check(by_id, "GET", f"{L}/id/{{dataset_id}}", 200) == info
    by_name = client.get(path(fp, f"{L}/name/Sample"))
    assert check(by_name, "GET", f"{L}/name/{{dataset_name}}", 200) == info
    cases_path = f"{L}/id/{{dataset_id}}/test-cases"
    listed = check(client.get(path(fp, cases_path, dataset_id=dataset_id)), "GET", cases_path, 200)
    assert listed[0] == {
        "id": created[0]["id"],
        "values": SUPPORT_CASES[0]["inputs"],
        "output": SUPPORT_CASES[0]["output"],
        "output_message": None,
        "history": SUPPORT_CASES[0]["history"],
        "metadata": SUPPORT_CASES[0]["metadata"],
    }
    named = client.get(path(fp, f"{L}/name/Sample/test-cases"))
    assert check(named, "GET", f"{L}/name/{{dataset_name}}/test-cases", 200) == listed
    page = client.get(path(fp, f"{L}/name/Sample/test-cases"), params={"page_size": 2})
    assert [c["id"] for c in page.json()] == [c["id"] for c in created[:2]]
    # A name with "/" is found encoded (as promptsync sends it) and unencoded (as the SDK does).
    slashed = create_dataset(fp, "team/support")["id"]
    for name in ("team%2Fsupport", "team/support"):
        assert client.get(path(fp, f"{L}/name/{name}")).json()["id"] == slashed
        assert client.get(path(fp, f"{L}/name/{name}/test-cases")).json() == []
    missing = client.get(path(fp, f"{L}/name/Nope"))
    assert (missing.status_code, missing.json()) == (404, {"message": "Dataset 'Nope' not found"})


def test_legacy_upload(emulator: RunningEmulator) -> None:
    fp, client = emulator, emulator.client()
    dataset_id = create_dataset(fp, "Example Tests")["id"]
    upload = path(fp, f"{L}/id/{{dataset_id}}/test-cases", dataset_id=dataset_id)
    # The seed's example (001), with an output message.
    examples: list[dict[str, Any]] = [
        {"inputs": {"input_one": "value one a", "input_two": "value two a"}, "output": "one"},
        {
            "inputs": {"input_one": "value one b", "input_two": {"nested": [1, True]}},
            "output_message": {"role": "assistant", "content": "two"},
        },
    ]
    response = client.post(upload, json={"examples": examples})
    body = check(response, "POST", f"{L}/id/{{dataset_id}}/test-cases", 201)
    assert body == {"message": "Added 2 test cases"}
    listed = client.get(path(fp, C, dataset_id=dataset_id)).json()["data"]
    assert [c["inputs"] for c in listed] == [e["inputs"] for e in examples]
    assert listed[1]["output_message"] == {"role": "assistant", "content": "two"}
    bad_uploads: list[tuple[list[Any], str]] = [
        ([{"inputs": {"a": {"b": None}}}], "examples.0.inputs.a.b: must not be null"),
        ([{"inputs": {}}] * 101, "examples: at most 100 test cases per request (got 101)"),
        (
            [{"inputs": {}, "metadata": {"n": 1}}],
            "examples.0.metadata.n: Input should be a valid string",
        ),
    ]
    for bad, message in bad_uploads:
        response = client.post(upload, json={"examples": bad})
        assert (response.status_code, response.json()) == (
            400,
            {"message": f"Invalid field {message}"},
        )
    assert len(client.get(path(fp, C, dataset_id=dataset_id)).json()["data"]) == 2


def test_sdk_test_cases_create_and_get(emulator: RunningEmulator) -> None:
    """`test_cases.create_many` and `get` use the older `datasets/id/{id}/test-cases` routes."""
    fp = emulator
    client = Freeplay(freeplay_api_key=fp.api_key, api_base=f"{fp.url}/api")
    dataset_id = create_dataset(fp, "legacy")["id"]
    sent = [
        DatasetTestCase(
            inputs={"question": "Hi?"},
            output="Hello",
            history=[{"role": "user", "content": "Before"}],  # type: ignore[list-item]
            metadata={"source": "sdk"},
        ),
        DatasetTestCase(inputs={"question": "Bye?"}, output=None),
    ]
    client.test_cases.create_many(fp.project_id, dataset_id, sent)
    got = client.test_cases.get(fp.project_id, dataset_id).test_cases
    assert [(c.inputs, c.output, c.history, c.metadata) for c in got] == [
        (c.inputs, c.output, c.history, c.metadata) for c in sent
    ]
    assert all(uuid.UUID(c.id) for c in got)
