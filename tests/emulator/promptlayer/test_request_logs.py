"""`/log-request`, `GET /api/public/v2/requests/{id}` and `/rest/track-score`: shapes (checked
against the OpenAPI document), prompt linking, scores, workspaces and bad input."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from promptsync.emulator import RunningEmulator, running_emulator
from promptsync.emulator.promptlayer.store import Store
from tests.emulator.openapi import validate
from tests.emulator.promptlayer.schemas import component, conforms, is_error, is_invalid
from tests.emulator.promptlayer.wire import GPT_4O, chat, log, log_body, publish

PL = RunningEmulator[Store]
DETAIL = "/api/public/v2/requests/{request_id}"


def detail(client: httpx.Client, request_id: int) -> Any:
    return conforms(client.get(f"/api/public/v2/requests/{request_id}"), "GET", DETAIL, 200)


def test_unlinked_log_matches_the_documented_example(pl: PL) -> None:
    with pl.client() as client:
        response = client.post("/log-request", json=log_body())
        got = detail(client, 1)
    assert response.status_code == 201
    body = response.json()
    # The document's example answers `prompt_version: null`, which its schema (a required
    # PromptVersion) does not allow: the rest is checked against the schema.
    assert body == {
        "id": 1,
        "prompt_version": None,
        "status": "SUCCESS",
        "error_type": None,
        "error_message": None,
    }
    validate(
        {**body, "prompt_version": {"prompt_template": chat("x")}}, component("LogRequestResponse")
    )
    assert got["prompt_blueprint"]["metadata"] == {
        "model": {"provider": "openai", "name": "gpt-4o", "parameters": {}}
    }
    assert got["prompt_blueprint"]["prompt_template"]["messages"][0]["content"][0]["text"] == (
        "Hello!"
    )
    assert (got["request_id"], got["provider"], got["model"]) == (1, "openai", "gpt-4o")
    assert (got["latency_ms"], got["tokens"], got["trace_id"]) == (5000.0, 0, None)
    assert got["request_start_time"] == "2024-01-15T10:30:00.000000Z"
    assert (got["prompt_id"], got["prompt_version_number"], got["prompt_input_variables"]) == (
        None,
        None,
        {},
    )


def test_a_log_links_to_the_version_it_names(pl: PL) -> None:
    with pl.client() as client:
        first = publish(client, "support", chat("v1 {q}"), metadata=GPT_4O, commit_message="one")
        publish(client, "support", chat("v2 {q}"))
        by_name = client.post(
            "/log-request",
            json=log_body(
                prompt_name="support", prompt_version_number=1, prompt_input_variables={"q": "?"}
            ),
        )
        by_id_latest = client.post("/log-request", json=log_body(prompt_id=first["id"]))
        got = [detail(client, r.json()["id"]) for r in (by_name, by_id_latest)]
    linked = conforms(by_name, "POST", "/log-request", 201)
    assert linked["prompt_version"]["prompt_template"] == first["prompt_template"]
    assert linked["prompt_version"]["commit_message"] == "one"
    assert linked["prompt_version"]["metadata"] == first["metadata"]
    latest = conforms(by_id_latest, "POST", "/log-request", 201)
    assert latest["prompt_version"]["prompt_template"]["messages"][0]["content"][0]["text"] == (
        "v2 {q}"
    )
    assert [(g["prompt_id"], g["prompt_name"], g["prompt_version_number"]) for g in got] == [
        (first["id"], "support", 1),
        (first["id"], "support", 2),  # no number: the latest when it was logged
    ]
    assert got[0]["prompt_input_variables"] == {"q": "?"}
    assert got[0]["prompt_version_id"] == first["prompt_version_id"]


def test_everything_logged_is_kept(pl: PL) -> None:
    fields: dict[str, Any] = {
        "parameters": {"temperature": 0.2},
        "input_tokens": 12,
        "output_tokens": 25,
        "price": 0.00123,
        "function_name": "openai.chat.completions.create",
        "status": "WARNING",
        "error_type": "PROVIDER_RATE_LIMIT",
        "error_message": "retried twice",
        "request_start_time": "2024-04-03T22:57:25+02:00",  # kept as UTC
        "request_end_time": "2024-04-03T20:57:26.5",  # naive: UTC
    }
    with pl.client() as client:
        response = client.post("/log-request", json=log_body(answer="ok", **fields))
        got = detail(client, 1)
    assert (response.json()["status"], response.json()["error_type"]) == (
        "WARNING",
        "PROVIDER_RATE_LIMIT",
    )
    assert got["prompt_blueprint"]["metadata"]["model"]["parameters"] == {"temperature": 0.2}
    assert (got["input_tokens"], got["output_tokens"], got["tokens"], got["price"]) == (
        12,
        25,
        37,
        0.00123,
    )
    assert (got["request_start_time"], got["request_end_time"], got["latency_ms"]) == (
        "2024-04-03T20:57:25.000000Z",
        "2024-04-03T20:57:26.500000Z",
        1500.0,
    )
    assert got["output"]["messages"][0]["content"][0]["text"] == "ok"
    assert (got["tags"], got["metadata"], got["status"]) == (
        ["production"],
        {"session_id": "abc123"},
        "WARNING",
    )
    assert (got["error_type"], got["error_message"]) == ("PROVIDER_RATE_LIMIT", "retried twice")


def test_times_may_be_epoch_seconds_as_the_sdk_sends_them(pl: PL) -> None:
    with pl.client() as client:
        log(client, request_start_time=1705314600.25, request_end_time=1705314601)
        got = detail(client, 1)
    assert (got["request_start_time"], got["latency_ms"]) == ("2024-01-15T10:30:00.250000Z", 750.0)


def test_scores(pl: PL) -> None:
    with pl.client() as client:
        first = log(client)
        scored = log(client, score=70, score_name="accuracy")
        answers = [
            client.post("/rest/track-score", json=body)
            for body in (
                {"request_id": first, "score": 90},
                {"request_id": first, "score": 10, "name": "tone"},
                {"request_id": first, "score": 40, "name": "tone"},  # replaces 10
                {"request_id": scored, "score": "55", "name": "accuracy"},  # lax int
            )
        ]
        got = [detail(client, i)["scores"] for i in (first, scored)]
        unscored = detail(client, log(client, score=0))["scores"]
    for answer in answers:
        assert conforms(answer, "POST", "/rest/track-score", 200) == {
            "success": True,
            "message": "Score tracked successfully",
        }
    assert got == [
        [{"name": "default", "score": 90}, {"name": "tone", "score": 40}],
        [{"name": "accuracy", "score": 55}],
    ]
    assert unscored == []  # the SDK always sends score 0: not a score


def test_workspaces_are_separate() -> None:
    with running_emulator(backend="promptlayer", api_keys=["a", "b"]) as pl:
        a = httpx.Client(base_url=pl.url, headers={"X-API-KEY": "a"})
        b = httpx.Client(base_url=pl.url, headers={"X-API-KEY": "b"})
        with a, b:
            publish(a, "mine")
            request_id = log(a)
            assert is_error(b.get(f"/api/public/v2/requests/{request_id}"), 404)
            assert is_error(b.post("/rest/track-score", json={"request_id": 1, "score": 1}), 400)
            assert is_error(b.post("/log-request", json=log_body(prompt_name="mine")), 404)
            assert b.post("/api/public/v2/requests/search", json={}).json()["total"] == 0
            assert a.post("/api/public/v2/requests/search", json={}).json()["total"] == 1


def test_unknown_things_are_named(pl: PL) -> None:
    with pl.client() as client:
        template = publish(client, "p")
        publish(client, "q")
        cases = [
            (client.get("/api/public/v2/requests/7"), 404, "Request 7 not found"),
            (
                client.post("/log-request", json=log_body(prompt_name="nope")),
                404,
                "Prompt template 'nope' not found",
            ),
            (
                client.post("/log-request", json=log_body(prompt_id=99)),
                404,
                "Prompt template 99 not found",
            ),
            (
                client.post(
                    "/log-request", json=log_body(prompt_name="p", prompt_version_number=3)
                ),
                404,
                "Version 3 of 'p' not found",
            ),
            (
                client.post(
                    "/log-request", json=log_body(prompt_id=template["id"], prompt_name="q")
                ),
                400,
                f"prompt_name 'q' is not the name of prompt template {template['id']}",
            ),
            (
                client.post(
                    "/log-request", json=log_body(status="SUCCESS", error_type="PROVIDER_ERROR")
                ),
                400,
                "error_type PROVIDER_ERROR is not allowed with status SUCCESS",
            ),
            # The document lists no 404 for track-score: an unknown request is a bad request.
            (
                client.post("/rest/track-score", json={"request_id": 5, "score": 1}),
                400,
                "Request 5 not found",
            ),
        ]
        assert client.post("/api/public/v2/requests/search", json={}).json()["total"] == 0
    for response, status, message in cases:
        assert is_error(response, status) == message


@pytest.mark.parametrize(
    ("path", "body", "loc"),
    [
        ("/log-request", {}, ["body", "provider"]),
        ("/log-request", log_body(model=None), ["body", "model"]),
        ("/log-request", log_body(request_start_time="soon"), ["body", "request_start_time"]),
        ("/log-request", log_body(input={"type": "prose"}), ["body", "input"]),
        (
            "/log-request",
            log_body(output={"type": "chat", "messages": [{"role": "assistant", "content": "hi"}]}),
            ["body", "output", "chat", "messages", 0, "assistant", "content"],
        ),
        ("/log-request", log_body(metadata={"n": 1}), ["body", "metadata", "n"]),
        ("/log-request", log_body(tags=["x" * 513]), ["body", "tags", 0]),
        ("/log-request", log_body(score=101), ["body", "score"]),
        ("/log-request", log_body(input_tokens=-1), ["body", "input_tokens"]),
        ("/log-request", log_body(prompt_version_number=0), ["body", "prompt_version_number"]),
        ("/log-request", log_body(status="OK"), ["body", "status"]),
        ("/log-request", log_body(error_type="OOPS", status="ERROR"), ["body", "error_type"]),
        ("/rest/track-score", {"score": 5}, ["body", "request_id"]),
        ("/rest/track-score", {"request_id": 1, "score": -1}, ["body", "score"]),
        ("/rest/track-score", {"request_id": 1, "score": 5.5}, ["body", "score"]),
    ],
)
def test_bad_bodies_name_the_field(pl: PL, path: str, body: Any, loc: list[Any]) -> None:
    with pl.client() as client:
        response = client.post(path, json=body)
        assert client.post("/api/public/v2/requests/search", json={}).json()["total"] == 0
    assert is_invalid(response)[0] == loc


def test_bad_request_ids_and_keys(pl: PL) -> None:
    with pl.client() as client:
        assert is_invalid(client.get("/api/public/v2/requests/0")) == [["path", "request_id"]]
        assert is_invalid(client.get("/api/public/v2/requests/abc")) == [["path", "request_id"]]
        assert client.post("/api/public/v2/requests/1").status_code == 405
    for method, path in [
        ("POST", "/log-request"),
        ("POST", "/rest/track-score"),
        ("POST", "/api/public/v2/requests/search"),
        ("GET", "/api/public/v2/requests/1"),
        ("POST", "/library-track-score"),
    ]:
        response = httpx.request(method, pl.url + path, json={}, headers={"X-API-KEY": "wrong"})
        assert is_error(response, 401).startswith("Invalid or missing API key")
