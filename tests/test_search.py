"""Freeplay's search API as `plan --impact` uses it: the request, the tolerant reader, errors,
and the real emulator over a localhost socket."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from functools import partial
from typing import Any

import httpx
import pytest

from promptsync.backends.base import call_sampler
from promptsync.backends.freeplay.client import FreeplayBackend, _hint
from promptsync.backends.freeplay.search import read_sample, search_filters
from promptsync.backends.http import BackendError, HttpSession
from promptsync.backends.replies import ShapeError
from promptsync.emulator import RunningEmulator
from promptsync.impact.traffic import CallSample, SampledCall
from promptsync.repo.credentials import ApiKey
from tests.emulator.completions import create_template, epoch, record, turn

PROJECT = "8f93dd00-2eb5-4ba2-9354-86d5c6831dfd"
SINCE = datetime(2024, 6, 1, 12, 30, tzinfo=UTC)


def body(data: Any, has_next: Any = False) -> bytes:
    return json.dumps(
        {"data": data, "pagination": {"page": 1, "page_size": 2, "has_next": has_next}}
    ).encode()


def test_filters_name_the_template_the_environment_and_the_start() -> None:
    assert search_filters("support/agent", "prod", SINCE) == {
        "and": [
            {"field": "prompt_template", "op": "eq", "value": "support/agent"},
            {"field": "environment", "op": "eq", "value": "prod"},
            {"field": "start_time", "op": "gte", "value": "2024-06-01 12:30:00"},
        ]
    }


def test_reads_inputs_and_has_next() -> None:
    data = [
        {"completion_id": "c1", "input_variables": {"tone": "warm"}, "messages": [], "new": 1},
        {"completion_id": "c2", "input_variables": None},  # recorded without inputs
        {"input_variables": {"n": [1, {"a": True}]}},
    ]
    assert read_sample(body(data, True), 3) == CallSample(
        (
            SampledCall({"tone": "warm"}, "c1"),
            SampledCall({}, "c2"),
            SampledCall({"n": [1, {"a": True}]}, None),
        ),
        more=True,
    )
    assert read_sample(body(data[:1]), 3).more is False


def test_without_pagination_a_full_page_may_have_more() -> None:
    item: dict[str, Any] = {"input_variables": {}}
    assert read_sample(json.dumps({"data": [item, item]}).encode(), 2).more is True
    assert read_sample(json.dumps({"data": [item]}).encode(), 2).more is False
    odd = {"data": [item], "pagination": {"has_next": "yes"}}
    assert read_sample(json.dumps(odd).encode(), 2).more is False


def test_a_server_that_ignores_page_size_is_cut_to_the_sample() -> None:
    data = [{"input_variables": {"i": i}} for i in range(5)]
    sample = read_sample(body(data), 2)
    assert [c.inputs for c in sample.calls] == [{"i": 0}, {"i": 1}]
    assert sample.more


@pytest.mark.parametrize(
    ("raw", "message"),
    [
        (b"<html>", "response is not valid JSON"),
        (b"[]", "unexpected response shape: no list 'data'"),
        (b'{"data": {}}', "unexpected response shape: no list 'data'"),
        (b'{"data": [3]}', "unexpected response shape at data.0: not an object"),
        (
            b'{"data": [{}, {"input_variables": "x"}]}',
            "unexpected response shape at data.1.input_variables: not an object",
        ),
    ],
)
def test_odd_shapes_are_errors_naming_the_place(raw: bytes, message: str) -> None:
    with pytest.raises(ShapeError) as caught:
        read_sample(raw, 10)
    assert str(caught.value) == message


def mocked(handler: Any) -> FreeplayBackend:
    session = HttpSession(
        "http://fp.test/api/v2",
        {"Authorization": "Bearer k"},
        hint=partial(_hint, "FREEPLAY_API_KEY"),
        retry_delay=0,
        transport=httpx.MockTransport(handler),
    )
    return FreeplayBackend("http://fp.test", PROJECT, ApiKey("k"), session=session)


def test_one_request_with_the_page_size_of_the_sample() -> None:
    seen: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return httpx.Response(200, content=body([]))

    backend = mocked(handler)
    assert call_sampler(backend) is backend
    assert backend.sample_calls("a/b", "prod", SINCE, 25) == CallSample((), more=False)
    (request,) = seen
    assert request.method == "POST"
    assert request.url.path == f"/api/v2/projects/{PROJECT}/search/completions"
    assert dict(request.url.params) == {"page": "1", "page_size": "25"}
    assert json.loads(request.content) == {"filters": search_filters("a/b", "prod", SINCE)}


@pytest.mark.parametrize(
    ("status", "reply", "message"),
    [
        (401, {"message": "Invalid key"}, "401 Invalid key (check FREEPLAY_API_KEY)"),
        (403, {"message": "Forbidden"}, "403 Forbidden (this API key may not search completions)"),
        (500, {"message": "boom"}, "500 boom (after 4 attempts)"),
        (200, {"data": "nope"}, "200 unexpected response shape: no list 'data'"),
    ],
)
def test_failures_are_one_line_naming_the_request(
    status: int, reply: dict[str, Any], message: str
) -> None:
    backend = mocked(lambda request: httpx.Response(status, json=reply))
    with pytest.raises(BackendError) as caught:
        backend.sample_calls("t", "prod", SINCE, 5)
    assert str(caught.value) == f"POST /api/v2/projects/{PROJECT}/search/completions: {message}"


def test_the_emulator_answers_with_the_newest_calls_of_that_template_and_environment(
    emulator: RunningEmulator,
) -> None:
    album = create_template(emulator, "album_bot", "gpt-4o", "openai")
    other = create_template(emulator, "other", "gpt-4o", "openai")

    def call(version: dict[str, Any], env: str, start: str, **inputs: Any) -> None:
        record(
            emulator,
            {
                "messages": turn("q", "a"),
                "inputs": inputs,
                "prompt_info": {
                    "prompt_template_version_id": version["prompt_template_version_id"],
                    "environment": env,
                },
                "call_info": {"start_time": epoch(start)},
            },
        )

    call(album, "prod", "2024-06-01 12:29:59", n=0)  # before the window
    call(album, "prod", "2024-06-01 12:30:00", n=1)
    call(album, "prod", "2024-06-02 08:00:00", n=2)
    call(album, "prod", "2024-06-03 08:00:00", n=3)
    call(album, "staging", "2024-06-03 09:00:00", n=4)
    call(other, "prod", "2024-06-03 10:00:00", n=5)
    key = ApiKey(emulator.api_key)
    with FreeplayBackend(emulator.url, emulator.project_id, key, retry_delay=0) as backend:
        two = backend.sample_calls("album_bot", "prod", SINCE, 2)
        everything = backend.sample_calls("album_bot", "prod", SINCE, 100)
        nothing = backend.sample_calls("album_bot", "dev", SINCE, 100)
    assert [dict(c.inputs) for c in two.calls] == [{"n": 3}, {"n": 2}]
    assert two.more
    assert [dict(c.inputs) for c in everything.calls] == [{"n": 3}, {"n": 2}, {"n": 1}]
    assert not everything.more
    assert all(c.completion_id for c in everything.calls)
    assert nothing == CallSample((), more=False)
    assert emulator.stats.count("POST", "search/completions") == 3
