"""Every route's success responses, checked against PromptLayer's OpenAPI schemas."""

from __future__ import annotations

import copy
from datetime import datetime
from typing import Any

import httpx

from promptsync.emulator import RunningEmulator
from promptsync.emulator.promptlayer.store import Store
from tests.emulator.openapi import PROMPTLAYER_SPEC, check, load
from tests.emulator.promptlayer.wire import (
    GPT_4O,
    SUPPORT_RESPONSE,
    chat,
    get,
    listing,
    publish,
    publish_body,
)

PL = RunningEmulator[Store]

# Every kind of content block, message, tool and tool choice the schemas define.
EVERYTHING: dict[str, Any] = {
    "type": "chat",
    "messages": [
        {"role": "system", "content": [{"type": "text", "text": "Be brief, {name}."}]},
        {"role": "developer", "content": [{"type": "text", "text": "Use tools."}]},
        {
            "role": "user",
            "name": "ann",
            "content": [
                {
                    "type": "text",
                    "text": "See",
                    "annotations": [
                        {
                            "type": "url_citation",
                            "title": "t",
                            "url": "https://example.com",
                            "start_index": 0,
                            "end_index": 3,
                        },
                        {"type": "file_citation", "index": 1, "file_id": "f", "filename": "a.txt"},
                        {
                            "type": "map_citation",
                            "title": "m",
                            "url": "u",
                            "start_index": 0,
                            "end_index": 1,
                        },
                        {"type": "container_file_citation", "container_id": "c"},
                    ],
                },
                {"type": "image_url", "image_url": {"url": "https://example.com/a.png"}},
                {"type": "media", "media": {"url": "https://example.com/a.mp3", "format": "url"}},
                {"type": "media_variable", "name": "upload"},
            ],
        },
        {
            "role": "assistant",
            "content": [
                {"type": "thinking", "thinking": "hmm", "signature": "s"},
                {"type": "code", "code": "print(1)"},
                {"type": "output_media", "url": "https://example.com/o.png"},
                {"type": "server_tool_use", "id": "s1", "name": "web_search", "input": {"q": 1}},
                {
                    "type": "web_search_tool_result",
                    "tool_use_id": "s1",
                    "content": [{"type": "web_search_result", "url": "u", "title": "t"}],
                },
                {"type": "code_execution_result", "output": "1"},
                {"type": "mcp_list_tools", "server_label": "srv", "tools": [{"name": "x"}]},
                {"type": "mcp_call", "name": "x", "arguments": "{}", "output": "ok"},
                {"type": "mcp_approval_request", "name": "x"},
                {"type": "mcp_approval_response", "approval_request_id": "a", "approve": True},
                {"type": "bash_code_execution_tool_result", "tool_use_id": "b", "content": {}},
                {"type": "text_editor_code_execution_tool_result", "tool_use_id": "e"},
                {"type": "shell_call", "action": {"cmd": "ls"}},
                {"type": "shell_call_output", "output": [{"stdout": ""}]},
                {"type": "apply_patch_call", "operation": {}},
                {"type": "apply_patch_call_output", "output": "done"},
            ],
            "tool_calls": [
                {"id": "call_1", "type": "function", "function": {"name": "f", "arguments": "{}"}}
            ],
        },
        {"role": "tool", "tool_call_id": "call_1", "content": [{"type": "text", "text": "42"}]},
        {"role": "function", "name": "f", "content": None},
        {"role": "placeholder", "name": "history"},
    ],
    "tools": [
        {
            "type": "function",
            "function": {
                "name": "f",
                "description": "A function",
                "parameters": {"type": "object", "properties": {"x": {"type": "integer"}}},
            },
        },
        {
            "type": "web_search",
            "id": "ws",
            "name": "web_search",
            "description": "Search",
            "provider": "openai",
            "config": {},
        },
    ],
    "tool_choice": {"type": "function", "function": {"name": "f"}},
    "functions": [{"name": "legacy"}],
    "function_call": "auto",
    "input_variables": ["name"],
}
COMPLETION = {
    "type": "completion",
    "content": [{"type": "text", "text": "Complete: {{ thing }}"}],
    "template_format": "jinja2",
    "custom_key": "kept (additionalProperties)",
}


def test_every_route_is_in_promptlayers_spec() -> None:
    from promptsync.emulator.promptlayer.routes import ROUTES, SDK_ONLY

    documented = {(m, p) for p, ops in load(PROMPTLAYER_SPEC)["paths"].items() for m in ops}
    for method, pattern, _handler in ROUTES:
        if (method, pattern) in SDK_ONLY:  # what the official SDK calls, tested in test_sdk
            assert (method.lower(), pattern) not in documented
            continue
        assert (method.lower(), pattern) in documented, (method, pattern)


def test_publish_returns_the_documented_shape(pl: PL) -> None:
    with pl.client() as client:
        body = publish(client, "support-response", labels=["prod"], commit_message="c", tags=["s"])
    assert {k: body[k] for k in ("id", "prompt_name", "version_number", "release_labels")} == {
        "id": 1,
        "prompt_name": "support-response",
        "version_number": 1,
        "release_labels": ["prod"],
    }
    assert (body["tags"], body["commit_message"], body["external_ids"]) == (["s"], "c", [])
    assert body["prompt_template"]["messages"][1]["content"] == [
        {
            "type": "text",
            "text": "{user_message}",
            "id": None,
            "annotations": None,
            "thought_signature": None,
        }
    ]


def test_every_content_kind_round_trips_within_the_schemas(pl: PL) -> None:
    with pl.client() as client:
        published = publish(client, "everything", copy.deepcopy(EVERYTHING), metadata=GPT_4O)
        got = get(client, "everything")
        listed = listing(client)["items"]
        raw = client.get("/prompt-templates/everything")
        raw_body = check(raw, "GET", "/prompt-templates/{identifier}", 200, PROMPTLAYER_SPEC)
    assert got["prompt_template"] == published["prompt_template"] == raw_body["prompt_template"]
    assert listed[0]["prompt_template"] == published["prompt_template"]
    stored = published["prompt_template"]
    kinds = [block["type"] for block in stored["messages"][3]["content"]]
    assert kinds == [block["type"] for block in EVERYTHING["messages"][3]["content"]]
    assert [m["role"] for m in stored["messages"]] == [
        "system",
        "developer",
        "user",
        "assistant",
        "tool",
        "function",
        "placeholder",
    ]
    # Defaults are filled in as the server's models do.
    assert stored["tools"][0]["function"]["strict"] is False
    assert stored["messages"][0]["template_format"] == "f-string"
    assert published["metadata"]["model"]["display_params"] == {}


def test_completion_templates(pl: PL) -> None:
    with pl.client() as client:
        published = publish(client, "complete", copy.deepcopy(COMPLETION))
        rendered = get(client, "complete", input_variables={"thing": "this"})
    assert published["prompt_template"]["custom_key"] == "kept (additionalProperties)"
    assert rendered["prompt_template"]["content"][0]["text"] == "Complete: this"


def test_get_by_label_version_and_latest(pl: PL) -> None:
    with pl.client() as client:
        publish(client, "p", chat("one"), labels=["prod"], metadata=GPT_4O)
        publish(client, "p", chat("two"), commit_message="second")
        by_label = get(client, "p", label="prod")
        by_version = get(client, "p", version=2)
        latest = get(client, "p")
        with_null_body = client.post("/prompt-templates/p", content=b"null")
        no_body = client.post("/prompt-templates/p")
    assert (by_label["version"], by_label["metadata"]) == (1, published_metadata())
    assert (by_version["version"], by_version["commit_message"]) == (2, "second")
    assert latest == by_version
    for response in (with_null_body, no_body):
        assert check(response, "POST", "/prompt-templates/{identifier}", 200, PROMPTLAYER_SPEC) == (
            latest
        )
    assert latest["llm_kwargs"] is None


def published_metadata() -> dict[str, Any]:
    return {
        "model": {
            **GPT_4O["model"],
            "model_config_display_name": None,
            "base_model": None,
            "display_params": {},
            "api_type": None,
        }
    }


def test_get_raw(pl: PL) -> None:
    with pl.client() as client:
        publish(client, "support-response", tags=["support"], labels=["production"])
        publish(client, "support-response", chat("newer"))
        responses = [
            client.get("/prompt-templates/support-response", params=params)
            for params in ({}, {"version": 1}, {"label": "production"})
        ]
    latest, first, labelled = (
        check(r, "GET", "/prompt-templates/{identifier}", 200, PROMPTLAYER_SPEC) for r in responses
    )
    assert (latest["version"], first["version"], labelled["version"]) == (2, 1, 1)
    assert (
        first["prompt_template"]["messages"][0]["content"][0]["text"]
        == (SUPPORT_RESPONSE["messages"][0]["content"][0]["text"])
    )
    assert (latest["success"], latest["workspace_id"], latest["tags"]) == (True, 1, ["support"])
    assert latest["snippets"] == []
    assert datetime.fromisoformat(latest["created_at"]).tzinfo is not None


def test_list_shape_and_pagination_fields(pl: PL) -> None:
    with pl.client() as client:
        empty = listing(client)
        for i in range(5):
            publish(client, f"t{i}")
        first = listing(client, page=1, per_page=2)
        middle = listing(client, page=2, per_page=2)
        last = listing(client, page=3, per_page=2)
        beyond = listing(client, page=9, per_page=2)
    assert empty == {
        "items": [],
        "page": 1,
        "pages": 0,
        "total": 0,
        "has_next": False,
        "has_prev": False,
        "next_num": 0,
        "prev_num": 0,
    }
    pages = [
        (
            p["page"],
            p["pages"],
            p["total"],
            p["has_prev"],
            p["has_next"],
            p["prev_num"],
            p["next_num"],
        )
        for p in (first, middle, last, beyond)
    ]
    assert pages == [
        (1, 3, 5, False, True, 0, 2),
        (2, 3, 5, True, True, 1, 3),
        (3, 3, 5, True, False, 2, 0),
        (9, 3, 5, True, False, 8, 0),
    ]
    names = [i["prompt_name"] for p in (first, middle, last) for i in p["items"]]
    assert names == ["t4", "t3", "t2", "t1", "t0"]  # newest first by default
    assert beyond["items"] == []
    assert first["items"][0]["is_snippet"] is False


def test_label_routes(pl: PL) -> None:
    with pl.client() as client:
        created = publish(client, "p", labels=["prod"])
        publish(client, "p", chat("v2"))
        listed = client.get("/prompt-templates/p/labels")
        label = check(
            listed, "GET", "/prompt-templates/{identifier}/labels", 200, PROMPTLAYER_SPEC
        )["release_labels"][0]
        moved = client.patch(
            f"/prompt-labels/{label['release_label_id']}", json={"prompt_version_number": 2}
        )
        made = client.post(
            f"/prompts/{created['id']}/label", json={"prompt_version_number": 1, "name": "dev"}
        )
        deleted = client.delete(f"/prompt-labels/{label['release_label_id']}")
    assert label == {
        "prompt_version_id": created["prompt_version_id"],
        "prompt_version_number": 1,
        "release_label": "prod",
        "release_label_id": 1,
    }
    moved_body = check(moved, "PATCH", "/prompt-labels/{prompt_label_id}", 200, PROMPTLAYER_SPEC)
    assert (moved_body["name"], moved_body["prompt_id"], moved_body["id"]) == (
        "prod",
        created["id"],
        1,
    )
    assert moved_body["prompt_version_id"] == created["prompt_version_id"] + 1
    made_body = check(made, "POST", "/prompts/{prompt_id}/label", 200, PROMPTLAYER_SPEC)
    assert (made_body["name"], made_body["prompt_version_id"]) == (
        "dev",
        created["prompt_version_id"],
    )
    datetime.fromisoformat(made_body["created_at"])
    assert (deleted.status_code, deleted.content) == (204, b"")


def test_error_bodies_have_the_documented_shapes(pl: PL) -> None:
    from tests.emulator.openapi import component, validate

    with pl.client() as client:
        not_found = client.post("/prompt-templates/nope", json={})
        unprocessable = client.post("/rest/prompt-templates", json={})
    unauthorized = httpx.get(f"{pl.url}/prompt-templates")
    for response, status in ((not_found, 404), (unauthorized, 401)):
        assert response.status_code == status
        validate(response.json(), component("ErrorResponse", PROMPTLAYER_SPEC))
        assert response.json()["success"] is False
    check(unprocessable, "POST", "/rest/prompt-templates", 422, PROMPTLAYER_SPEC)
    # Routes whose 422 is components/responses/ValidationError get the same FastAPI body. That
    # response's schema is oneOf [HTTPValidationError, ErrorResponse], which no object can
    # satisfy (each matches any object), so it is checked against HTTPValidationError alone.
    with pl.client() as client:
        bad_query = client.get("/prompt-templates", params={"page": "one"})
    assert bad_query.status_code == 422
    validate(bad_query.json(), component("HTTPValidationError", PROMPTLAYER_SPEC))
    assert bad_query.json()["detail"][0]["loc"] == ["query", "page"]


def test_publish_body_example_from_the_seed_is_rejected_naming_fields(pl: PL) -> None:
    # Seed 003 documents `POST /prompt-templates/publish` with a flat body; the OpenAPI route
    # is /rest/prompt-templates and needs prompt_template + prompt_version.
    with pl.client() as client:
        seed = client.post("/prompt-templates/publish", json={"prompt_name": "my-prompt"})
        flat = client.post(
            "/rest/prompt-templates", json={"prompt_name": "my-prompt", "commit_message": "x"}
        )
    assert seed.status_code == 404  # it is the get route: no template named "publish"
    assert [e["loc"] for e in flat.json()["detail"]] == [
        ["body", "prompt_template"],
        ["body", "prompt_version"],
    ]
    assert publish_body("x")["prompt_version"]["prompt_template"] == SUPPORT_RESPONSE
