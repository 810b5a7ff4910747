"""Bad requests to the dataset routes, answered in PromptLayer's shapes and naming the field."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from promptsync.emulator import RunningEmulator
from promptsync.emulator.promptlayer.store import Store
from tests.emulator.promptlayer.schemas import conforms, is_error, is_invalid
from tests.emulator.promptlayer.wire import DATASETS, FROM_FILE, GROUPS, datasets, new_group, upload

PL = RunningEmulator[Store]


@pytest.mark.parametrize(
    ("file_name", "content", "message"),
    [
        ("cases.txt", b"a\n1", "Invalid file_name 'cases.txt': it must end with .csv or .json"),
        ("cases", b"a\n1", "Invalid file_name 'cases': it must end with .csv or .json"),
        ("c.csv", b"\xff\xfe", "Invalid file_content_base64: the file is not UTF-8 text"),
        ("c.csv", b"\n\n", "Invalid file_content_base64: the CSV file has no header row"),
        (
            "c.csv",
            b"a,b\n1\n",
            "Invalid file_content_base64: CSV line 2 has 1 fields; the header has 2",
        ),
        ("c.csv", b"a,a\n1,2\n", "Invalid file_content_base64: column 'a' appears twice"),
        ("c.csv", b"a,\n1,2\n", "Invalid file_content_base64: column 2 has no name"),
        (
            "c.json",
            b'{"a": 1}',
            "Invalid file_content_base64: a JSON dataset must be a list of objects",
        ),
        ("c.json", b"[1]", "Invalid file_content_base64: item 0 of the JSON list is not an object"),
    ],
)
def test_bad_files_are_400(pl: PL, file_name: str, content: bytes, message: str) -> None:
    with pl.client() as client:
        new_group(client, "g")
        assert is_error(upload(client, 1, file_name, content), 400) == message
        assert [d["version_number"] for d in datasets(client)["datasets"]] == [-1]  # no version


def test_bad_uploads_and_groups(pl: PL) -> None:
    with pl.client() as client:
        new_group(client, "g")
        bad_base64 = client.post(
            FROM_FILE,
            json={"dataset_group_id": 1, "file_name": "a.csv", "file_content_base64": "@@@"},
        )
        not_json = upload(client, 1, "a.json", "[{")
        assert is_error(bad_base64, 400) == "Invalid file_content_base64: not valid base64"
        assert is_error(not_json, 400).startswith(
            "Invalid file_content_base64: the file is not valid JSON"
        )
        assert is_error(upload(client, 9, "a.csv", "a\n1"), 404) == "Dataset group 9 not found"
        cases = [
            (
                client.post(GROUPS, json={"name": "g"}),
                400,
                "A dataset group named 'g' already exists",
            ),
            (
                client.post(GROUPS, json={"name": " "}),
                400,
                "Invalid name: a dataset group name must not be empty",
            ),
            (client.post(GROUPS, json={"name": "f", "folder_id": 3}), 400, "Folder 3 not found"),
            (
                client.post(GROUPS, json={"name": "w", "workspace_id": 9}),
                400,
                "Invalid workspace_id 9",
            ),
            (
                client.get(DATASETS, params={"external_source": "git"}),
                400,
                "external_source and external_id must be given together",
            ),
            (client.get("/api/public/v2/datasets/99/rows"), 404, "Dataset 99 not found"),
        ]
        new_group(client, "x", external_ids=[{"source": "s", "external_id": "1"}])
        conflict = client.post(
            GROUPS, json={"name": "y", "external_ids": [{"source": "s", "external_id": "1"}]}
        )
        assert [d["dataset_group"]["name"] for d in datasets(client)["datasets"]] == ["x", "g"]
    for response, status, message in cases:
        assert is_error(response, status) == message
    assert conforms(conflict, "POST", GROUPS, 409) == {
        "success": False,
        "message": "External ID s:1 is already attached to another dataset group",
    }


@pytest.mark.parametrize(
    ("method", "path", "kwargs", "loc"),
    [
        ("POST", GROUPS, {"json": {}}, ["body", "name"]),
        ("POST", GROUPS, {"json": {"name": 5}}, ["body", "name"]),
        (
            "POST",
            GROUPS,
            {"json": {"name": "n", "external_ids": [{"source": "s"}]}},
            ["body", "external_ids", 0, "external_id"],
        ),
        (
            "POST",
            FROM_FILE,
            {"json": {"file_name": "a.csv", "file_content_base64": "YQ=="}},
            ["body", "dataset_group_id"],
        ),
        (
            "POST",
            FROM_FILE,
            {"json": {"dataset_group_id": 0, "file_name": "a.csv", "file_content_base64": "YQ=="}},
            ["body", "dataset_group_id"],
        ),
        (
            "POST",
            FROM_FILE,
            {"json": {"dataset_group_id": 1, "file_name": "", "file_content_base64": "YQ=="}},
            ["body", "file_name"],
        ),
        (
            "POST",
            FROM_FILE,
            {"json": {"dataset_group_id": 1, "file_name": "a.csv", "file_content_base64": ""}},
            ["body", "file_content_base64"],
        ),
        ("GET", DATASETS, {"params": {"per_page": 101}}, ["query", "per_page"]),
        ("GET", DATASETS, {"params": {"page": 0}}, ["query", "page"]),
        ("GET", DATASETS, {"params": {"dataset_group_id": "x"}}, ["query", "dataset_group_id"]),
        ("GET", DATASETS, {"params": {"status": "archived"}}, ["query", "status"]),
        ("GET", DATASETS, {"params": {"sort_by": "version"}}, ["query", "sort_by"]),
        (
            "GET",
            "/api/public/v2/datasets/1/rows",
            {"params": {"per_page": 0}},
            ["query", "per_page"],
        ),
        ("GET", "/api/public/v2/datasets/x/rows", {}, ["path", "dataset_id"]),
    ],
)
def test_bad_parameters_name_the_field(
    pl: PL, method: str, path: str, kwargs: dict[str, Any], loc: list[Any]
) -> None:
    with pl.client() as client:
        assert is_invalid(client.request(method, path, **kwargs))[0] == loc


def test_unauthenticated(pl: PL) -> None:
    for method, path in [
        ("POST", GROUPS),
        ("POST", FROM_FILE),
        ("GET", DATASETS),
        ("GET", "/api/public/v2/datasets/1/rows"),
    ]:
        response = httpx.request(method, pl.url + path, json={})
        assert is_error(response, 401).startswith("Invalid or missing API key")
