"""Authentication, 404s and bad requests, answered in PromptLayer's shapes and naming the field."""

from __future__ import annotations

import copy
from typing import Any

import httpx
import pytest

from promptsync.emulator import RunningEmulator
from promptsync.emulator.promptlayer.store import Store
from tests.emulator.promptlayer.wire import chat, publish, publish_body

PL = RunningEmulator[Store]


@pytest.mark.parametrize(
    "headers",
    [
        {},
        {"X-API-KEY": "wrong"},
        {"X-API-KEY": ""},
        {"Authorization": "Bearer promptsync-emulator"},  # PromptLayer wants X-API-KEY
    ],
)
def test_unauthenticated(pl: PL, headers: dict[str, str]) -> None:
    for method, path in [
        ("GET", "/prompt-templates"),
        ("POST", "/prompt-templates/p"),
        ("POST", "/rest/prompt-templates"),
        ("DELETE", "/prompt-labels/1"),
        ("GET", "/_emulator/stats"),
    ]:
        response = httpx.request(method, pl.url + path, headers=headers, json={})
        assert response.status_code == 401, (method, path)
        assert response.json() == {
            "success": False,
            "message": "Invalid or missing API key: send it in the X-API-KEY header."
            if not path.startswith("/_emulator")
            else "Requests must be authenticated with a valid API key.",
        }
    with pl.client() as client:
        assert client.get("/prompt-templates").status_code == 200


def test_not_found(pl: PL) -> None:
    with pl.client() as client:
        created = publish(client, "p", labels=["prod"])
        label_id = client.get("/prompt-templates/p/labels").json()["release_labels"][0][
            "release_label_id"
        ]
        cases = [
            (client.post("/prompt-templates/nope", json={}), "Prompt template 'nope' not found"),
            (client.get("/prompt-templates/nope"), "Prompt template 'nope' not found"),
            (client.get("/prompt-templates/nope/labels"), "Prompt template 'nope' not found"),
            (
                client.post("/prompt-templates/p", json={"label": "qa"}),
                "Release label 'qa' not found on 'p'",
            ),
            (client.post("/prompt-templates/p", json={"version": 7}), "Version 7 of 'p' not found"),
            (
                client.post("/prompts/999/label", json={"prompt_version_number": 1, "name": "x"}),
                "Prompt template 999 not found",
            ),
            (
                client.post(
                    f"/prompts/{created['id']}/label",
                    json={"prompt_version_number": 5, "name": "x"},
                ),
                "Prompt template version 5 not found",
            ),
            (
                client.patch(f"/prompt-labels/{label_id}", json={"prompt_version_number": 9}),
                "Prompt template version 9 not found",
            ),
            (
                client.patch("/prompt-labels/999", json={"prompt_version_number": 1}),
                "Release label 999 not found",
            ),
            (client.delete("/prompt-labels/999"), "Release label 999 not found"),
        ]
    for response, message in cases:
        assert (response.status_code, response.json()) == (
            404,
            {"success": False, "message": message},
        ), response.request.url


def test_unknown_routes_and_methods_answer_like_fastapi(pl: PL) -> None:
    with pl.client() as client:
        assert (client.get("/nope").status_code, client.get("/nope").json()) == (
            404,
            {"detail": "Not Found"},
        )
        assert client.get("/api/v2/projects/all").status_code == 404  # no Freeplay routes here
        assert client.put("/prompt-templates").status_code == 405
        assert client.put("/prompt-templates").json() == {"detail": "Method Not Allowed"}
        assert client.get("/prompt-templates//labels").status_code == 404


def _published() -> dict[str, Any]:
    return publish_body("p", chat("hi"))


def _with(path: list[str | int], value: Any) -> dict[str, Any]:
    body = _published()
    node: Any = body
    for key in path[:-1]:
        node = node[key]
    node[path[-1]] = value
    return body


def _without(path: list[str | int]) -> dict[str, Any]:
    body = _published()
    node: Any = body
    for key in path[:-1]:
        node = node[key]
    del node[path[-1]]
    return body


PV: list[str | int] = ["prompt_version"]
MSG: list[str | int] = [*PV, "prompt_template", "messages", 0]
# Where the first message of the chat template is.
AT: list[str | int] = ["body", *PV, "prompt_template", "chat", "messages", 0, "system"]


@pytest.mark.parametrize(
    ("body", "loc", "kind"),
    [
        ([], ["body"], "model_type"),
        (_without(["prompt_version"]), ["body", "prompt_version"], "missing"),
        (
            _with(["prompt_template", "prompt_name"], ""),
            ["body", "prompt_template", "prompt_name"],
            "string_too_short",
        ),
        (
            _with(["prompt_template", "prompt_name"], "x" * 513),
            ["body", "prompt_template", "prompt_name"],
            "string_too_long",
        ),
        (
            _with(["prompt_template", "prompt_name"], 5),
            ["body", "prompt_template", "prompt_name"],
            "string_type",
        ),
        (
            _with([*PV, "commit_message"], "x" * 73),
            ["body", *PV, "commit_message"],
            "string_too_long",
        ),
        (
            _with([*PV, "prompt_template", "type"], "prose"),
            ["body", *PV, "prompt_template"],
            "union_tag_invalid",
        ),
        (
            _without([*PV, "prompt_template", "type"]),
            ["body", *PV, "prompt_template"],
            "union_tag_not_found",
        ),
        (
            _with([*MSG, "role"], "narrator"),
            ["body", *PV, "prompt_template", "chat", "messages", 0],
            "union_tag_invalid",
        ),
        (_with([*MSG, "content"], "a plain string"), [*AT, "content"], "list_type"),
        (_with([*MSG, "content", 0, "type"], "txt"), [*AT, "content", 0], "union_tag_invalid"),
        (
            _with([*MSG, "content", 0, "text"], None),
            [*AT, "content", 0, "text", "text"],
            "string_type",
        ),
        (_with([*MSG, "template_format"], "mustache"), [*AT, "template_format"], "literal_error"),
        (
            _with([*PV, "metadata"], {"model": {"provider": "openai"}}),
            ["body", *PV, "metadata", "model", "name"],
            "missing",
        ),
        (_with(["release_labels"], "prod"), ["body", "release_labels"], "list_type"),
        (
            _with(["external_ids"], [{"source": "git"}]),
            ["body", "external_ids", 0, "external_id"],
            "missing",
        ),
        (
            _with(["external_ids"], [{"source": "git", "external_id": "a", "x": 1}]),
            ["body", "external_ids", 0, "x"],
            "extra_forbidden",
        ),
        (
            _with(["prompt_template", "folder_id"], 0),
            ["body", "prompt_template", "folder_id"],
            "greater_than",
        ),
    ],
)
def test_bad_publish_bodies_name_the_field(
    pl: PL, body: Any, loc: list[str | int], kind: str
) -> None:
    with pl.client() as client:
        response = client.post("/rest/prompt-templates", json=copy.deepcopy(body))
        assert client.get("/prompt-templates").json()["total"] == 0  # nothing was written
    assert response.status_code == 422, response.text
    detail = response.json()["detail"]
    assert (detail[0]["loc"], detail[0]["type"]) == (loc, kind), detail
    assert detail[0]["msg"]


def test_malformed_json(pl: PL) -> None:
    with pl.client() as client:
        response = client.post(
            "/rest/prompt-templates",
            content=b'{"prompt_template": ',
            headers={"content-type": "application/json"},
        )
        not_utf8 = client.post("/prompt-templates/p", content=b"\xff\xfe")
    assert response.status_code == 422
    assert response.json()["detail"][0]["type"] == "json_invalid"
    assert response.json()["detail"][0]["loc"] == ["body", 20]
    assert not_utf8.status_code == 422


@pytest.mark.parametrize(
    ("method", "path", "kwargs", "loc"),
    [
        ("GET", "/prompt-templates", {"params": {"page": 0}}, ["query", "page"]),
        ("GET", "/prompt-templates", {"params": {"per_page": "many"}}, ["query", "per_page"]),
        ("GET", "/prompt-templates", {"params": {"status": "archived"}}, ["query", "status"]),
        ("GET", "/prompt-templates", {"params": {"sort_by": "version"}}, ["query", "sort_by"]),
        ("GET", "/prompt-templates", {"params": {"sort_order": "up"}}, ["query", "sort_order"]),
        (
            "GET",
            "/prompt-templates",
            {"params": {"created_after": "yesterday"}},
            ["query", "created_after"],
        ),
        ("GET", "/prompt-templates/p", {"params": {"version": 0}}, ["query", "version"]),
        ("POST", "/prompt-templates/p", {"json": {"version": "two"}}, ["body", "version"]),
        ("POST", "/prompt-templates/p", {"json": {"provider": "mistral"}}, ["body", "provider"]),
        ("POST", "/prompt-templates/p", {"json": {"label": 3}}, ["body", "label"]),
        (
            "POST",
            "/prompts/abc/label",
            {"json": {"prompt_version_number": 1, "name": "x"}},
            ["path", "prompt_id"],
        ),
        ("POST", "/prompts/1/label", {"json": {"prompt_version_number": 1}}, ["body", "name"]),
        (
            "POST",
            "/prompts/1/label",
            {"json": {"prompt_version_number": 1, "name": ""}},
            ["body", "name"],
        ),
        ("PATCH", "/prompt-labels/1", {"json": {}}, ["body", "prompt_version_number"]),
        (
            "PATCH",
            "/prompt-labels/x",
            {"json": {"prompt_version_number": 1}},
            ["path", "prompt_label_id"],
        ),
        ("DELETE", "/prompt-labels/1.5", {}, ["path", "prompt_label_id"]),
    ],
)
def test_bad_parameters_name_the_field(
    pl: PL, method: str, path: str, kwargs: dict[str, Any], loc: list[str]
) -> None:
    with pl.client() as client:
        publish(client, "p", labels=["prod"])
        response = client.request(method, path, **kwargs)
    assert response.status_code == 422, response.text
    assert response.json()["detail"][0]["loc"] == loc


def test_conflicting_or_impossible_requests_are_400(pl: PL) -> None:
    with pl.client() as client:
        publish(client, "p")
        both = client.post("/prompt-templates/p", json={"version": 1, "label": "prod"})
        both_raw = client.get("/prompt-templates/p", params={"version": 1, "label": "prod"})
        folder = client.post(
            "/rest/prompt-templates", json=_with(["prompt_template", "folder_id"], 3)
        )
        blank = client.post("/rest/prompt-templates", json=_with(["release_labels"], [" "]))
        other = client.post("/prompt-templates/p", json={"workspace_id": 99})
        other_publish = client.post(
            "/rest/prompt-templates", json=_with(["prompt_template", "workspace_id"], 99)
        )
        own = client.post("/prompt-templates/p", json={"workspace_id": 1})
    for response in (both, both_raw, folder, blank):
        assert response.status_code == 400, response.text
        assert response.json()["success"] is False
    assert both.json()["message"] == "version and label are mutually exclusive"
    assert folder.json()["message"] == "Folder 3 not found"
    assert (other.status_code, other_publish.status_code, own.status_code) == (403, 403, 200)
    with pl.client() as client:
        assert client.get("/prompt-templates").json()["items"][0]["version"] == 1


def test_unknown_fields_are_ignored_like_fastapi(pl: PL) -> None:
    body = _published()
    body["surprise"] = True
    body["prompt_version"]["prompt_template"]["messages"][0]["colour"] = "blue"
    with pl.client() as client:
        response = client.post("/rest/prompt-templates", json=body)
    assert response.status_code == 200
    assert "colour" not in response.json()["prompt_template"]["messages"][0]
