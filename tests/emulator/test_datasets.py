"""Prompt datasets and test cases: every route checked against Freeplay's OpenAPI schemas."""

from __future__ import annotations

import uuid
from typing import Any

import pytest

from promptsync.emulator import RunningEmulator
from tests.emulator.datasets import (
    BULK,
    CASE,
    DS,
    SUPPORT_CASES,
    C,
    D,
    add_cases,
    create_dataset,
    path,
    support_dataset,
)
from tests.emulator.openapi import check

BASE64 = {"type": "base64", "data": "aGk=", "content_type": "image/png"}
DATA = "Invalid field data.0"


def test_create_get_list_patch_delete(emulator: RunningEmulator) -> None:
    fp, client = emulator, emulator.client()
    created = create_dataset(fp, "support", description="Tickets", input_names=["q"])
    assert created == {
        "id": created["id"],
        "name": "support",
        "description": "Tickets",
        "input_names": ["q"],
        "media_input_names": [],
        "support_history": True,
    }
    uuid.UUID(created["id"])
    one = path(fp, DS, dataset_id=created["id"])
    assert check(client.get(one), "GET", DS, 200) == created
    bare = check(client.post(path(fp, D), json={"name": "bare"}), "POST", D, 201)
    assert (bare["description"], bare["input_names"], bare["support_history"]) == (None, [], False)
    patched = check(
        client.patch(one, json={"name": "support-v2", "input_names": ["q", "r"]}), "PATCH", DS, 200
    )
    assert patched == {**created, "name": "support-v2", "input_names": ["q", "r"]}
    # Left out or null: kept.
    kept = check(client.patch(one, json={"description": None}), "PATCH", DS, 200)
    assert kept == patched
    listed = check(client.get(path(fp, D)), "GET", D, 200)
    assert [d["name"] for d in listed["data"]] == ["support-v2", "bare"]
    assert check(client.delete(one), "DELETE", DS, 200) == {}
    gone = client.get(one)
    assert (gone.status_code, gone.json()) == (404, {"message": "Dataset not found"})
    assert [d["name"] for d in client.get(path(fp, D)).json()["data"]] == ["bare"]
    # The name of a deleted dataset is free again.
    create_dataset(fp, "support-v2")


def test_list_pagination_and_filters(emulator: RunningEmulator) -> None:
    fp, client = emulator, emulator.client()
    ids = [create_dataset(fp, f"set{i}")["id"] for i in range(5)]
    first = check(client.get(path(fp, D), params={"page_size": 2}), "GET", D, 200)
    assert [d["id"] for d in first["data"]] == ids[:2]
    assert first["pagination"] == {"page": 1, "page_size": 2, "has_next": True}
    last = check(client.get(path(fp, D), params={"page": 3, "page_size": 2}), "GET", D, 200)
    assert ([d["id"] for d in last["data"]], last["pagination"]["has_next"]) == ([ids[4]], False)
    assert client.get(path(fp, D)).json()["pagination"] == {
        "page": 1,
        "page_size": 30,
        "has_next": False,
    }
    by_name = check(client.get(path(fp, D), params={"name": "set3"}), "GET", D, 200)
    assert [d["id"] for d in by_name["data"]] == [ids[3]]
    assert client.get(path(fp, D), params={"name": "set"}).json()["data"] == []
    by_id = client.get(path(fp, D), params={"id": ids[1].upper()}).json()["data"]
    assert [d["name"] for d in by_id] == ["set1"]
    for params, message in (
        ({"page_size": 101}, "Query parameter page_size must be between 1 and 100"),
        ({"page": 0}, "Query parameter page must be at least 1"),
        ({"id": "x"}, "id 'x' is not a valid UUID"),
    ):
        response = client.get(path(fp, D), params=params)
        assert (response.status_code, response.json()) == (400, {"message": message})


def test_names_are_unique_per_project(emulator: RunningEmulator) -> None:
    fp, client = emulator, emulator.client()
    create_dataset(fp, "support")
    other = create_dataset(fp, "other")
    expected = (400, {"message": "A dataset named 'support' already exists"})
    duplicate = client.post(path(fp, D), json={"name": "support"})
    assert (duplicate.status_code, duplicate.json()) == expected
    rename = client.patch(path(fp, DS, dataset_id=other["id"]), json={"name": "support"})
    assert (rename.status_code, rename.json()) == expected


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ({}, "Invalid field name: Field required"),
        ({"name": ""}, "Invalid field name: must be 1 to 256 characters"),
        ({"name": 5}, "Invalid field name: Input should be a valid string"),
        (
            {"name": "x", "input_names": "q"},
            "Invalid field input_names: Input should be a valid list",
        ),
        (
            {"name": "x", "support_history": "yes"},
            "Invalid field support_history: Input should be a valid boolean",
        ),
    ],
)
def test_bad_dataset_bodies(emulator: RunningEmulator, body: Any, message: str) -> None:
    response = emulator.client().post(path(emulator, D), json=body)
    assert (response.status_code, response.json()) == (400, {"message": message})


def test_test_cases_keep_order_and_round_trip(emulator: RunningEmulator) -> None:
    fp, client = emulator, emulator.client()
    dataset_id, created = support_dataset(fp)
    assert [c["inputs"] for c in created] == [c["inputs"] for c in SUPPORT_CASES]
    for case in created:
        uuid.UUID(case["id"])
    assert created[0] == {
        "id": created[0]["id"],
        **SUPPORT_CASES[0],
        "output_message": None,
        "media_inputs": None,
    }
    assert (created[1]["output"], created[1]["metadata"], created[1]["history"]) == (None,) * 3
    listed = check(client.get(path(fp, C, dataset_id=dataset_id)), "GET", C, 200)
    assert listed == {
        "data": created,
        "pagination": {"page": 1, "page_size": 30, "has_next": False},
    }
    more = add_cases(fp, dataset_id, [{"inputs": {"n": i}} for i in range(4)])
    page = check(
        client.get(path(fp, C, dataset_id=dataset_id), params={"page": 2, "page_size": 3}),
        "GET",
        C,
        200,
    )
    assert [c["id"] for c in page["data"]] == [c["id"] for c in more[:3]]
    assert page["pagination"] == {"page": 2, "page_size": 3, "has_next": True}


def test_get_patch_delete_one_test_case(emulator: RunningEmulator) -> None:
    fp, client = emulator, emulator.client()
    dataset_id, created = support_dataset(fp)
    one = path(fp, CASE, dataset_id=dataset_id, test_case_id=created[1]["id"])
    assert check(client.get(one), "GET", CASE, 200) == created[1]
    patched = check(
        client.patch(one, json={"output": "Yes, as CSV.", "metadata": {"source": "faq"}}),
        "PATCH",
        CASE,
        200,
    )
    assert patched == {**created[1], "output": "Yes, as CSV.", "metadata": {"source": "faq"}}
    assert client.get(one).json() == patched
    plain = create_dataset(fp, "plain", support_history=False)["id"]
    [bare] = add_cases(fp, plain, [{"inputs": {}}])
    refused = client.patch(
        path(fp, CASE, dataset_id=plain, test_case_id=bare["id"]),
        json={"history": [{"role": "user", "content": "Hi"}]},
    )
    assert (refused.status_code, refused.json()) == (
        400,
        {"message": "Invalid field history: dataset 'plain' does not support history"},
    )
    assert check(client.delete(one), "DELETE", CASE, 200) == {}
    gone = client.get(one)
    assert (gone.status_code, gone.json()) == (
        404,
        {"message": f"Test case {created[1]['id']} not found"},
    )
    listed = client.get(path(fp, C, dataset_id=dataset_id)).json()["data"]
    assert [c["id"] for c in listed] == [created[0]["id"], created[2]["id"]]


def test_bulk_create_at_most_100(emulator: RunningEmulator) -> None:
    fp, client = emulator, emulator.client()
    dataset_id = create_dataset(fp, "big")["id"]
    bulk = path(fp, BULK, dataset_id=dataset_id)
    too_many = client.post(bulk, json={"data": [{"inputs": {"n": i}} for i in range(101)]})
    assert (too_many.status_code, too_many.json()) == (
        400,
        {"message": "Invalid field data: at most 100 test cases per request (got 101)"},
    )
    assert client.get(path(fp, C, dataset_id=dataset_id)).json()["data"] == []
    hundred = add_cases(fp, dataset_id, [{"inputs": {"n": i}} for i in range(100)])
    assert [c["inputs"]["n"] for c in hundred] == list(range(100))
    assert len({c["id"] for c in hundred}) == 100


def test_bulk_delete(emulator: RunningEmulator) -> None:
    fp, client = emulator, emulator.client()
    dataset_id, created = support_dataset(fp)
    bulk = path(fp, BULK, dataset_id=dataset_id)
    ids = [created[0]["id"], created[2]["id"].upper()]
    deleted = client.request("DELETE", bulk, json={"test_case_ids": ids})
    assert check(deleted, "DELETE", BULK, 200) == {}
    listed = client.get(path(fp, C, dataset_id=dataset_id)).json()["data"]
    assert [c["id"] for c in listed] == [created[1]["id"]]
    # One unknown id: nothing is deleted.
    unknown = str(uuid.uuid4())
    missing = client.request("DELETE", bulk, json={"test_case_ids": [created[1]["id"], unknown]})
    assert (missing.status_code, missing.json()) == (
        404,
        {"message": f"Test case {unknown} not found"},
    )
    assert len(client.get(path(fp, C, dataset_id=dataset_id)).json()["data"]) == 1
    too_many = client.request("DELETE", bulk, json={"test_case_ids": [unknown] * 101})
    assert too_many.status_code == 400
    not_uuid = client.request("DELETE", bulk, json={"test_case_ids": ["x"]})
    assert not_uuid.json() == {
        "message": "Invalid field test_case_ids.0: Input should be a valid UUID"
    }


@pytest.mark.parametrize(
    ("case", "message"),
    [
        ({}, "Invalid field data.0.inputs: Field required"),
        ({"inputs": []}, "Invalid field data.0.inputs: Input should be a valid dictionary"),
        ({"inputs": {}, "output": 5}, f"{DATA}.output: Input should be a valid string"),
        (
            {"inputs": {}, "metadata": {"a": [1]}},
            f"{DATA}.metadata.a: Input should be a valid string",
        ),
        (
            {"inputs": {}, "history": [{"role": "bot", "content": "x"}]},
            f"{DATA}.history.0: role must be 'user', 'system' or 'assistant'",
        ),
        (
            {"inputs": {}, "history": [{"role": "system", "content": [{"text": "x"}]}]},
            f"{DATA}.history.0.content: Input should be a valid string",
        ),
        (
            # The first error pydantic reports in a union is its first member's (a string).
            {"inputs": {}, "history": [{"content": [{"type": "video"}]}]},
            f"{DATA}.history.0.content: Input should be a valid string",
        ),
        (
            {"inputs": {}, "media_inputs": {"cover": {"type": "url", "url": "https://x"}}},
            f"{DATA}.media_inputs.cover: the emulator stores base64 media only, not URLs",
        ),
        (
            {"inputs": {}, "media_inputs": {"other": BASE64}},
            f"{DATA}.media_inputs.other: not one of the dataset's media_input_names",
        ),
    ],
)
def test_bad_test_cases(emulator: RunningEmulator, case: Any, message: str) -> None:
    dataset_id = create_dataset(emulator, "d", media_input_names=["cover"])["id"]
    response = emulator.client().post(
        path(emulator, BULK, dataset_id=dataset_id), json={"data": [case]}
    )
    assert (response.status_code, response.json()) == (400, {"message": message})


def test_history_and_media_only_where_the_dataset_has_them(emulator: RunningEmulator) -> None:
    fp, client = emulator, emulator.client()
    plain = create_dataset(fp, "plain", support_history=False)["id"]
    history = {"inputs": {}, "history": [{"role": "user", "content": "Hi"}]}
    refused = client.post(
        path(fp, BULK, dataset_id=plain), json={"data": [{"inputs": {}}, history]}
    )
    assert (refused.status_code, refused.json()) == (
        400,
        {"message": "Invalid field data.1.history: dataset 'plain' does not support history"},
    )
    assert client.get(path(fp, C, dataset_id=plain)).json()["data"] == []
    media = create_dataset(fp, "media", media_input_names=["cover"])["id"]
    blocks: list[dict[str, Any]] = [
        {"type": "text", "text": "see"},
        {"type": "image", "media_id": str(uuid.uuid4())},
        {"type": "tool_call", "id": "c1", "name": "f", "arguments": {"x": 1}},
        {"type": "tool_result", "tool_call_id": "c1", "content": [{"text": "ok"}]},
    ]
    case = {
        "inputs": {"q": "x"},
        "media_inputs": {"cover": BASE64},
        "history": [{"content": blocks}, {"role": "system", "content": "Be brief."}],
    }
    [created] = add_cases(fp, media, [case])
    assert created["media_inputs"] == {"cover": BASE64}
    # Defaults are filled in, as a server that parses the shapes answers them.
    result = {**blocks[3], "content": [{"type": "text", "text": "ok"}]}
    assert created["history"] == [
        {"role": "user", "content": [*blocks[:3], result]},
        {"role": "system", "content": "Be brief."},
    ]


def test_unknown_and_malformed_ids(emulator: RunningEmulator) -> None:
    fp, client = emulator, emulator.client()
    dataset_id, created = support_dataset(fp)
    unknown = str(uuid.uuid4())
    for response, message in (
        (client.get(path(fp, DS, dataset_id=unknown)), "Dataset not found"),
        (client.get(path(fp, C, dataset_id=unknown)), "Dataset not found"),
        (client.delete(path(fp, DS, dataset_id=unknown)), "Dataset not found"),
        (
            client.post(path(fp, BULK, dataset_id=unknown), json={"data": []}),
            "Dataset not found",
        ),
        (
            client.get(path(fp, CASE, dataset_id=dataset_id, test_case_id=unknown)),
            f"Test case {unknown} not found",
        ),
    ):
        assert (response.status_code, response.json()) == (404, {"message": message})
    # A test case is found only in its own dataset.
    other = create_dataset(fp, "other")["id"]
    elsewhere = client.get(path(fp, CASE, dataset_id=other, test_case_id=created[0]["id"]))
    assert elsewhere.status_code == 404
    for response, message in (
        (client.get(path(fp, DS, dataset_id="abc")), "dataset_id 'abc' is not a valid UUID"),
        (
            client.get(path(fp, CASE, dataset_id=dataset_id, test_case_id="bulk")),
            "test_case_id 'bulk' is not a valid UUID",
        ),
    ):
        assert (response.status_code, response.json()) == (400, {"message": message})
    # Ids are read in any case.
    assert client.get(path(fp, DS, dataset_id=dataset_id.upper())).json()["id"] == dataset_id


def test_datasets_are_scoped_to_their_project() -> None:
    from promptsync.emulator import running_emulator

    a, b = str(uuid.uuid4()), str(uuid.uuid4())
    with running_emulator(project_ids=[a, b]) as fp, fp.client() as client:
        made = client.post(f"/projects/{a}/prompt-datasets", json={"name": "shared-name"})
        dataset_id = made.json()["id"]
        assert client.get(f"/projects/{b}/prompt-datasets/{dataset_id}").status_code == 404
        assert client.get(f"/projects/{b}/prompt-datasets").json()["data"] == []
        again = client.post(f"/projects/{b}/prompt-datasets", json={"name": "shared-name"})
        assert again.status_code == 201
