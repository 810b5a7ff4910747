"""Recording completions: validation, provider message shapes, pagination and scoping."""

from __future__ import annotations

import time
import uuid
from typing import Any

import httpx
import pytest

from promptsync.emulator import RunningEmulator, completion_store, running_emulator
from promptsync.emulator.app import EmulatorApp
from promptsync.emulator.decorate import TOP_LEVEL
from tests.emulator.completions import create_template, record, search, turn

SESSION = "f503c15e-2f0f-4ce4-b443-4c87d0b6435d"


def post(fp: RunningEmulator, payload: Any, session: str = SESSION) -> tuple[int, Any]:
    with fp.client() as client:
        response = client.post(
            f"/projects/{fp.project_id}/sessions/{session}/completions", json=payload
        )
    return response.status_code, response.json()


def test_seed_example(emulator: RunningEmulator) -> None:
    # The "Record a Completion" curl example of the API reference (seeds 000 and 001).
    album = create_template(emulator, "album_bot", "gpt-3.5-turbo", "openai")
    body = {
        "messages": [
            {
                "content": "You are a helpful bot that generates album names\n"
                "Generate a two word album name in the style of Taylor Swift",
                "role": "user",
            },
            {"role": "assistant", "content": '"Rainy Melodies"'},
        ],
        "inputs": {"pop_star": "Taylor Swift"},
        "prompt_info": {
            "prompt_template_version_id": album["prompt_template_version_id"],
            "environment": "prod",
        },
    }
    before = time.time()
    recorded = record(emulator, body, SESSION)
    found = search(emulator, {"field": "session_id", "op": "eq", "value": SESSION})["data"]
    assert [item["completion_id"] for item in found] == [recorded["completion_id"]]
    metadata = found[0]["completion_metadata"]
    # No call_info: the start time is the time of recording, model and provider the version's.
    start = metadata["start_time"]
    assert time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(before)) <= start[:19]
    assert (metadata["model"], metadata["provider"]) == ("gpt-3.5-turbo", "openai")
    assert metadata["end_time"] is None


def test_custom_completion_id_once(emulator: RunningEmulator) -> None:
    completion_id = str(uuid.uuid4())
    body = {"messages": turn("hi", "hello"), "completion_id": completion_id}
    assert record(emulator, body) == {"completion_id": completion_id}
    assert post(emulator, body) == (400, {"message": f"Completion {completion_id} already exists"})


@pytest.mark.parametrize(
    ("payload", "message"),
    [
        ({}, "Invalid field messages: Field required"),
        (
            {"messages": []},
            "Invalid field messages: List should have at least 1 item after validation, not 0",
        ),
        (
            {"messages": [{"role": "bot", "content": "x"}]},
            "Invalid field messages.0.role: Input should be 'system', 'user', 'assistant'"
            " or 'tool'",
        ),
        (
            {"messages": [{"role": "user"}]},
            "Invalid field messages.0: content is required in a user message",
        ),
        (
            {"messages": [{"role": "tool", "content": "42"}]},
            "Invalid field messages.0: tool_call_id is required in a tool message",
        ),
        (
            {"messages": [{"role": "user", "content": 5}]},
            "Invalid field messages.0.content: Input should be a valid string",
        ),
        (
            {"messages": [{"role": "assistant", "parts": [{"text": "x"}]}]},
            "Invalid field messages.0.role: Input should be 'model' or 'user'",
        ),
        (
            {"messages": turn("q", "a"), "inputs": {"a": {"b": [1, None]}}},
            "Invalid field inputs.a.b.1: must not be null",
        ),
        (
            {"messages": turn("q", "a"), "prompt_info": {"prompt_template_version_id": "v1"}},
            "Invalid field prompt_info.prompt_template_version_id: Input should be a valid UUID",
        ),
        (
            {"messages": turn("q", "a"), "prompt_info": {"prompt_template_version_id": SESSION}},
            "Invalid field prompt_info.prompt_template_version_id: no prompt template version"
            f" {SESSION} in this project",
        ),
        (
            {"messages": turn("q", "a"), "call_info": {"start_time": 1.7e12}},
            "Invalid field call_info.start_time: Input should be seconds since the epoch",
        ),
        (
            {"messages": turn("q", "a"), "call_info": {"start_time": True}},
            "Invalid field call_info.start_time: Input should be a valid number",
        ),
        (
            {"messages": turn("q", "a"), "call_info": {"start_time": 20, "end_time": 10}},
            "Invalid field call_info.end_time: before call_info.start_time",
        ),
        (
            {"messages": turn("q", "a"), "call_info": {"usage": {"prompt_tokens": 1}}},
            "Invalid field call_info.usage.completion_tokens: Field required",
        ),
        (
            {
                "messages": turn("q", "a"),
                "tool_schema": [{"type": "function", "function": {"name": "f"}}],
            },
            "Invalid field tool_schema.0.function.description: Field required",
        ),
        (
            {"messages": turn("q", "a"), "tool_schema": [{"name": "f", "description": "d"}]},
            "Invalid field tool_schema.0.input_schema: Field required",
        ),
        (
            {
                "messages": turn("q", "a"),
                "media_inputs": {"cover": {"type": "base64", "data": "x"}},
            },
            "Invalid field media_inputs.cover.content_type: Field required",
        ),
        (
            {"messages": turn("q", "a"), "eval_results": {"ok": "yes"}},
            "Invalid field eval_results.ok: Input should be a valid number",
        ),
        (
            {"messages": turn("q", "a"), "session_info": {"custom_metadata": {"k": [1]}}},
            "Invalid field session_info.custom_metadata.k: Input should be a valid string",
        ),
    ],
)
def test_bad_records(emulator: RunningEmulator, payload: dict[str, Any], message: str) -> None:
    status, body = post(emulator, payload)
    assert (status, body) == (400, {"message": message})


def test_bad_record_targets(emulator: RunningEmulator) -> None:
    album = create_template(emulator, "album_bot", "gpt-4o", "openai")
    prompt = {
        "prompt_template_version_id": album["prompt_template_version_id"],
        "environment": "qa",
    }
    assert post(emulator, {"messages": turn("q", "a"), "prompt_info": prompt}) == (
        400,
        {"message": "Environment 'qa' does not exist"},
    )
    assert post(emulator, {"messages": turn("q", "a")}, session="456") == (
        400,
        {"message": "session_id '456' is not a valid UUID"},
    )
    assert post(emulator, "[]")[0] == 400


def test_provider_shapes_are_normalized(emulator: RunningEmulator) -> None:
    openai = [
        {"role": "system", "content": "Use tools."},
        {"role": "user", "content": [{"type": "text", "text": "Weather?"}]},
        {
            "role": "assistant",
            "content": None,
            "tool_calls": [
                {"id": "call_1", "type": "function", "function": {"name": "w", "arguments": "{}"}}
            ],
        },
        {"role": "tool", "tool_call_id": "call_1", "content": "sunny"},
        {"role": "assistant", "content": "It is sunny."},
    ]
    anthropic = [
        {"role": "user", "content": "Weather?"},
        {
            "role": "assistant",
            "content": [{"type": "tool_use", "id": "t1", "name": "w", "input": {}}],
        },
        {
            "role": "user",
            "content": [{"type": "tool_result", "tool_use_id": "t1", "content": "sunny"}],
        },
        {"role": "assistant", "content": [{"type": "text", "text": "Sunny."}]},
    ]
    bedrock = [
        {"role": "user", "content": [{"text": "Weather?"}, {"image": {"format": "png"}}]},
        {
            "role": "assistant",
            "content": [{"toolUse": {"toolUseId": "b1", "name": "w", "input": {}}}],
        },
    ]
    for messages in (openai, anthropic, bedrock):
        record(emulator, {"messages": messages})
    found = search(emulator, {})["data"]
    assert [item["messages"] for item in found] == [
        [
            {
                "role": "user",
                "content": [
                    {"type": "text", "text": "Weather?"},
                    {"type": "text", "text": '{"image":{"format":"png"}}'},
                ],
            },
            {
                "role": "assistant",
                "content": [{"type": "tool_call", "id": "b1", "name": "w", "arguments": {}}],
            },
        ],
        [
            {"role": "user", "content": "Weather?"},
            {
                "role": "assistant",
                "content": [{"type": "tool_call", "id": "t1", "name": "w", "arguments": {}}],
            },
            {
                "role": "user",
                "content": [{"type": "tool_result", "tool_call_id": "t1", "content": "sunny"}],
            },
            {"role": "assistant", "content": [{"type": "text", "text": "Sunny."}]},
        ],
        [
            {"role": "system", "content": "Use tools."},
            {"role": "user", "content": [{"type": "text", "text": "Weather?"}]},
            {
                "role": "assistant",
                "content": [{"type": "tool_call", "id": "call_1", "name": "w", "arguments": "{}"}],
            },
            {
                "role": "user",
                "content": [{"type": "tool_result", "tool_call_id": "call_1", "content": "sunny"}],
            },
            {"role": "assistant", "content": "It is sunny."},
        ],
    ]
    by_output = search(emulator, {"field": "completion_output", "op": "contains", "value": "sunny"})
    assert len(by_output["data"]) == 2  # the Bedrock call ended on a tool call, with no text


def test_pagination_across_storage_batches(
    emulator: RunningEmulator, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(completion_store, "_BATCH", 2)
    ids = []
    for i in range(7):  # pairs with equal start times: ties go newest-recorded first
        call_info = {"start_time": 1_700_000_000 + i // 2}
        ids.append(
            record(emulator, {"messages": turn(f"q{i}", "a"), "call_info": call_info})[
                "completion_id"
            ]
        )
    newest_first = ids[::-1]
    pages = [search(emulator, {}, page=page, page_size=3) for page in (1, 2, 3, 4)]
    assert [[d["completion_id"] for d in p["data"]] for p in pages] == [
        newest_first[0:3],
        newest_first[3:6],
        newest_first[6:],
        [],
    ]
    assert [p["pagination"] for p in pages] == [
        {"page": n, "page_size": 3, "has_next": has_next}
        for n, has_next in ((1, True), (2, True), (3, False), (4, False))
    ]
    exact = search(emulator, {}, page=1, page_size=7)["pagination"]["has_next"]
    assert exact is False
    assert search(emulator, {})["pagination"] == {"page": 1, "page_size": 30, "has_next": False}
    with emulator.client() as client:
        path = f"/projects/{emulator.project_id}/search/completions"
        too_big = client.post(path, params={"page_size": 101}, json={"filters": {}})
        zero = client.post(path, params={"page": 0}, json={"filters": {}})
    assert too_big.json() == {"message": "Query parameter page_size must be between 1 and 100"}
    assert zero.json() == {"message": "Query parameter page must be at least 1"}


def test_projects_are_apart_and_names_are_current() -> None:
    a, b = str(uuid.uuid4()), str(uuid.uuid4())
    with running_emulator(api_keys=["ka", "kb"], project_ids=[a, b]) as fp:
        album = create_template(fp, "album_bot", "gpt-4o", "openai")
        prompt = {"prompt_template_version_id": album["prompt_template_version_id"]}
        record(fp, {"messages": turn("q", "a"), "prompt_info": prompt})
        with fp.client() as client:
            client.patch(
                f"/projects/{a}/prompt-templates/id/{album['prompt_template_id']}",
                json={"name": "album_bot_2"},
            )
        renamed = {"field": "prompt_template", "op": "eq", "value": "album_bot_2"}
        assert len(search(fp, renamed)["data"]) == 1
        headers = {"Authorization": "Bearer kb"}
        with httpx.Client(base_url=f"{fp.url}/api/v2", headers=headers) as other:
            theirs = other.post(f"/projects/{b}/search/completions", json={"filters": {}})
            mine = other.post(f"/projects/{a}/search/completions", json={"filters": {}})
            # b's key cannot name a's template version either
            borrowed = other.post(
                f"/projects/{b}/sessions/{SESSION}/completions",
                json={"messages": turn("q", "a"), "prompt_info": prompt},
            )
        assert theirs.json()["data"] == []
        assert mine.status_code == 404
        assert borrowed.status_code == 400


def test_decorated_record_and_search_validate() -> None:
    with running_emulator(decorate_responses=True) as fp:
        recorded = record(fp, {"messages": turn("q", "a")})
        assert {k: recorded[k] for k in TOP_LEVEL} == TOP_LEVEL
        found = search(fp, {})
        assert found["data"][0]["completion_id"] == recorded["completion_id"]
        assert found["pagination"]["next_page"] is None


def test_a_record_is_committed_before_an_injected_failure() -> None:
    from promptsync.emulator import FaultConfig

    with running_emulator(faults=FaultConfig(fail_after_commit_rate=1.0, seed=1)) as fp:
        assert post(fp, {"messages": turn("q", "a")})[0] == 500
        app = fp.emulator.app
        assert isinstance(app, EmulatorApp)
        stored = list(app.api.completions.newest_first(fp.project_id))
        assert [c.session_id for c in stored] == [SESSION]
