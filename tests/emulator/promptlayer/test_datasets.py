"""Dataset groups, versions from uploaded files, the dataset list and rows: the documented shapes,
version numbering, immutability, filters and pagination."""

from __future__ import annotations

import base64
import json

import httpx

from promptsync.emulator import RunningEmulator, running_emulator
from promptsync.emulator.promptlayer.store import Store
from tests.emulator.promptlayer.schemas import conforms, is_error
from tests.emulator.promptlayer.wire import (
    DATASETS,
    FROM_FILE,
    GROUPS,
    datasets,
    new_group,
    rows,
    upload,
    values,
    version,
)

PL = RunningEmulator[Store]
# The OpenAPI document's two from-file examples, decoded.
EXAMPLE_CSV = "question,expected_answer\nWhat is PromptLayer?,A prompt management platform"
EXAMPLE_JSON = (
    '[{"question":"What is PromptLayer?","expected_answer":"A prompt management platform"}]'
)


def test_create_group_answers_the_documented_shape(pl: PL) -> None:
    with pl.client() as client:
        response = client.post(
            GROUPS,
            json={"name": "support", "external_ids": [{"source": "git", "external_id": "ds/1"}]},
        )
    body = conforms(response, "POST", GROUPS, 201)
    assert body["dataset_group"] == {
        "id": 1,
        "name": "support",
        "workspace_id": 1,
        "is_deleted": False,
    }
    assert body["dataset"] == {
        "id": 1,
        "dataset_group_id": 1,
        "version_number": -1,  # the group's draft, as PromptLayer creates it
        "column_names": [],
        "filter_params": None,
        "is_deleted": False,
        "user_id": 1,
        "dataset_group": body["dataset_group"],
        "external_ids": [{"source": "git", "external_id": "ds/1"}],
    }
    assert body["external_ids"] == [{"source": "git", "external_id": "ds/1"}]
    assert (body["success"], body["message"]) == (True, "Dataset group created successfully")


def test_versions_from_the_documented_example_files(pl: PL) -> None:
    with pl.client() as client:
        group = new_group(client, "support")
        first = version(client, 1, "support-eval.csv", EXAMPLE_CSV)
        second = version(client, 1, "support-eval.json", EXAMPLE_JSON)
        listed = datasets(client, dataset_group_id=1)
        first_rows, second_rows = rows(client, first), rows(client, second)
    assert first == group["dataset"]["id"]  # the first upload fills the group's draft
    assert second != first
    assert [(d["id"], d["version_number"]) for d in listed["datasets"]] == [(second, 2), (first, 1)]
    assert listed["datasets"][0]["column_names"] == ["question", "expected_answer"]
    assert first_rows == {
        "success": True,
        "message": "success",
        "columns": ["question", "expected_answer"],
        "rows": [
            [
                {"type": "dataset", "value": "What is PromptLayer?"},
                {"type": "dataset", "value": "A prompt management platform"},
            ]
        ],
        "page": 1,
        "per_page": 10,
        "pages": 1,
        "total": 1,
    }
    assert values(second_rows) == values(first_rows)


def test_numbers_count_per_group_and_versions_never_change(pl: PL) -> None:
    with pl.client() as client:
        new_group(client, "a")
        new_group(client, "b")
        a1 = version(client, 1, "a.csv", "x\n1\n")
        b1 = version(client, 2, "b.csv", "y\n2\n")
        a2 = version(client, 1, "a.csv", "x,z\n3,4\n")
        a3 = version(client, 1, "a.json", "[]")
        numbers = {d["id"]: d["version_number"] for d in datasets(client, per_page=100)["datasets"]}
        assert (values(rows(client, a1)), rows(client, a1)["columns"]) == ([["1"]], ["x"])
        assert (rows(client, a3)["columns"], rows(client, a3)["total"]) == ([], 0)
    assert (numbers[a1], numbers[a2], numbers[a3], numbers[b1]) == (1, 2, 3, 1)


def test_file_contents(pl: PL) -> None:
    csv_text = '\ufeffquestion,answer\n"Multi\nline","a, ""quoted"" b"\n\nlast,\n'
    json_items = [{"q": "one", "n": 1}, {"q": "two", "meta": {"k": [1, True]}}, {"n": None}]
    with pl.client() as client:
        new_group(client, "g")
        from_csv = rows(client, version(client, 1, "cases.CSV", csv_text))
        from_json = rows(client, version(client, 1, "cases.json", json.dumps(json_items)))
        wrapped = base64.encodebytes(b"a\n1\n").decode()  # line-wrapped base64
        response = client.post(
            FROM_FILE,
            json={"dataset_group_id": 1, "file_name": "w.csv", "file_content_base64": wrapped},
        )
    assert from_csv["columns"] == ["question", "answer"]  # the BOM is not part of a name
    assert values(from_csv) == [["Multi\nline", 'a, "quoted" b'], ["last", ""]]
    assert from_json["columns"] == ["q", "n", "meta"]  # keys in the order first seen
    assert values(from_json) == [
        ["one", 1, None],
        ["two", None, {"k": [1, True]}],
        [None, None, None],
    ]
    assert response.status_code == 201


def test_rows_pages_and_search(pl: PL) -> None:
    text = "case\n" + "".join(f"case {i}\n" for i in range(25))
    with pl.client() as client:
        new_group(client, "g")
        dataset_id = version(client, 1, "g.csv", text)
        pages = [rows(client, dataset_id, page=p, per_page=10) for p in (1, 2, 3, 4)]
        hits = rows(client, dataset_id, q="CASE 1", per_page=25)
        draft = rows(client, new_group(client, "h")["dataset"]["id"])
    assert [(p["page"], p["pages"], p["total"], len(p["rows"])) for p in pages] == [
        (1, 3, 25, 10),
        (2, 3, 25, 10),
        (3, 3, 25, 5),
        (4, 3, 25, 0),
    ]
    assert [v for p in pages for (v,) in values(p)] == [f"case {i}" for i in range(25)]
    assert (hits["total"], [v for (v,) in values(hits)]) == (
        11,
        ["case 1", *(f"case {i}" for i in range(10, 20))],
    )
    assert (draft["columns"], draft["rows"], draft["pages"]) == ([], [], 0)


def test_list_filters_sorting_and_pages(pl: PL) -> None:
    with pl.client() as client:
        new_group(client, "Support cases", external_ids=[{"source": "git", "external_id": "s"}])
        new_group(client, "billing")
        version(client, 1, "s.csv", "a\n1\n")
        version(client, 1, "s.csv", "a\n2\n")
        everything = datasets(client)
        by_name = datasets(client, name="SUPPORT")
        by_external = datasets(client, external_source="git", external_id="s")
        by_group = datasets(client, dataset_group_id=2)
        ascending = datasets(client, sort_by="id", sort_order="asc")
        by_group_name = datasets(client, sort_by="name", sort_order="asc")
        paged = [datasets(client, per_page=2, page=p) for p in (1, 2)]
        none = [
            datasets(client, **{key: value})
            for key, value in (
                ("status", "deleted"),
                ("prompt_id", 1),
                ("report_id", 3),
                ("created_by_email", "a@b.c"),
                ("created_after", "2999-01-01T00:00:00Z"),
            )
        ]
        since = datasets(client, created_after="2000-01-01T00:00:00Z", status="all")
    # Group 1: version 1 (its draft, filled), version 2. Group 2: its draft.
    assert [(d["id"], d["version_number"]) for d in everything["datasets"]] == [
        (3, 2),
        (2, -1),
        (1, 1),
    ]
    assert (everything["total"], everything["pages"], everything["per_page"]) == (3, 1, 10)
    assert [d["id"] for d in by_name["datasets"]] == [3, 1]
    assert [d["id"] for d in by_external["datasets"]] == [3, 1]
    assert by_external["datasets"][0]["external_ids"] == [{"source": "git", "external_id": "s"}]
    assert [d["id"] for d in by_group["datasets"]] == [2]
    assert [d["id"] for d in ascending["datasets"]] == [1, 2, 3]
    assert [d["dataset_group"]["name"] for d in by_group_name["datasets"]] == [
        "Support cases",
        "Support cases",
        "billing",
    ]
    assert [[d["id"] for d in p["datasets"]] for p in paged] == [[3, 2], [1]]
    assert [(p["page"], p["pages"], p["total"]) for p in paged] == [(1, 2, 3), (2, 2, 3)]
    assert [n["total"] for n in none] == [0] * 5
    assert since["total"] == 3


def test_workspaces_are_separate() -> None:
    with running_emulator(backend="promptlayer", api_keys=["a", "b"]) as pl:
        a = httpx.Client(base_url=pl.url, headers={"X-API-KEY": "a"})
        b = httpx.Client(base_url=pl.url, headers={"X-API-KEY": "b"})
        with a, b:
            new_group(a, "same")
            new_group(b, "same")  # names are unique per workspace
            dataset_id = version(a, 1, "x.csv", "a\n1\n")
            assert is_error(upload(b, 1, "x.csv", "a\n1\n"), 404) == "Dataset group 1 not found"
            assert is_error(b.get(f"/api/public/v2/datasets/{dataset_id}/rows"), 404)
            assert datasets(b)["total"] == 1
            assert is_error(a.get(DATASETS, params={"workspace_id": 2}), 400)
            assert is_error(a.get(f"/api/public/v2/datasets/{dataset_id}/rows?workspace_id=2"), 400)
            assert datasets(a, workspace_id=1)["total"] == 1
