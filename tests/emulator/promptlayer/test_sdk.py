"""The official promptlayer SDK, an independent client, works against the emulator.

What the SDK sends (promptlayer/utils.py, 1.5.x): `templates.get(name, params)` is
`POST /prompt-templates/{quote(name, safe="")}` with the body `{"api_key": KEY, **params}`;
`templates.all(page, per_page, label)` is `GET /prompt-templates?page&per_page[&label]` and
returns the `items`; `templates.publish(body)` is `POST /rest/prompt-templates` with
`{"prompt_template": {**body}, "prompt_version": {**body}, "release_labels": …}` (so each
part carries the other's keys, which the server ignores). Its sync calls accept any status
but 400 from a publish and want 200 elsewhere; it retries 5xx and 429 three times.
"""

from __future__ import annotations

import asyncio
from typing import Any

import pytest
from promptlayer import AsyncPromptLayer, PromptLayer
from promptlayer import exceptions as pl_errors
from promptlayer.tables.api import get_request
from promptlayer.utils import apublish_prompt_template

from promptsync.emulator import RunningEmulator, running_emulator
from promptsync.emulator.promptlayer.store import Store
from tests.emulator.openapi import PROMPTLAYER_SPEC, component, validate
from tests.emulator.promptlayer.wire import GPT_4O, chat, labels, publish, text_of

PL = RunningEmulator[Store]


def sdk(pl: PL, **kwargs: Any) -> Any:
    return PromptLayer(api_key=pl.api_key, base_url=pl.url, **kwargs)


def blueprint(text: str, **extra: Any) -> dict[str, Any]:
    return {
        "prompt_name": "team/support",
        "prompt_template": chat("You help with {product}.", text),
        "commit_message": "from the SDK",
        "metadata": GPT_4O,
        "tags": ["support"],
        **extra,
    }


def test_publish(pl: PL) -> None:
    first = sdk(pl).templates.publish(blueprint("{question}", release_labels=["prod"]))
    second = sdk(pl).templates.publish(blueprint("{question} (v2)"))
    validate(first, component("CreatePromptTemplateResponse", PROMPTLAYER_SPEC))
    assert (first["version_number"], second["version_number"]) == (1, 2)
    assert (first["prompt_name"], first["release_labels"], first["tags"]) == (
        "team/support",
        ["prod"],
        ["support"],
    )
    assert first["commit_message"] == "from the SDK"
    assert first["metadata"]["model"]["name"] == "gpt-4o"
    with pl.client() as client:
        assert labels(client, "team%2Fsupport") == {"prod": 1}


def test_get_by_label_version_and_with_input_variables(pl: PL) -> None:
    client = sdk(pl)
    client.templates.publish(blueprint("{question}", release_labels=["prod"]))
    client.templates.publish(blueprint("{question} (v2)"))
    prod = client.templates.get("team/support", {"label": "prod"})
    second = client.templates.get("team/support", {"version": 2})
    latest = client.templates.get("team/support")
    rendered = client.templates.get(
        "team/support", {"label": "prod", "input_variables": {"product": "Acme", "question": "?"}}
    )
    validate(prod, component("GetPromptTemplateResponse", PROMPTLAYER_SPEC))
    assert (prod["version"], second["version"], latest["version"]) == (1, 2, 2)
    assert text_of(prod["prompt_template"], 1) == "{question}"
    assert text_of(rendered["prompt_template"]) == "You help with Acme."
    assert text_of(rendered["prompt_template"], 1) == "?"


def test_get_through_the_sdk_cache_renders_locally(pl: PL) -> None:
    # With a cache the SDK asks for the unrendered template (skip_input_variable_rendering,
    # which the OpenAPI document does not list) and renders it itself.
    client = sdk(pl, cache_ttl_seconds=60)
    client.templates.publish(blueprint("{question}", release_labels=["prod"]))
    for question in ("first?", "second?"):
        got = client.templates.get(
            "team/support", {"label": "prod", "input_variables": {"question": question}}
        )
        assert text_of(got["prompt_template"], 1) == question
    assert pl.stats.count("POST", "/prompt-templates/{identifier}") == 1


def test_all_with_label_and_pages(pl: PL) -> None:
    client = sdk(pl)
    with pl.client() as http:
        for i in range(5):
            publish(http, f"t{i}", chat(f"t{i} v1"), labels=["prod"] if i % 2 == 0 else None)
        publish(http, "t0", chat("t0 v2"))
    prod = client.templates.all(label="prod")
    assert [(t["prompt_name"], t["version"]) for t in prod] == [("t4", 1), ("t2", 1), ("t0", 1)]
    assert text_of(prod[2]["prompt_template"]) == "t0 v1"
    pages = [client.templates.all(page=p, per_page=2) for p in (1, 2, 3, 4)]
    assert [[t["prompt_name"] for t in page] for page in pages] == [
        ["t4", "t3"],
        ["t2", "t1"],
        ["t0"],
        [],
    ]
    for item in prod:
        validate(item, component("ListPromptTemplateItem", PROMPTLAYER_SPEC))


def test_sdk_errors(pl: PL) -> None:
    with pytest.raises(pl_errors.PromptLayerNotFoundError, match="'nope' not found"):
        sdk(pl).templates.get("nope", {"label": "prod"})
    wrong = PromptLayer(api_key="wrong", base_url=pl.url)
    with pytest.raises(pl_errors.PromptLayerAuthenticationError):
        wrong.templates.all()
    with pytest.raises(pl_errors.PromptLayerUnprocessableEntityError):
        sdk(pl).templates.get("nope", {"version": "two"})
    quiet = PromptLayer(api_key=pl.api_key, base_url=pl.url, throw_on_error=False)
    assert quiet.templates.get("nope") is None


def test_async_sdk_get_and_all(pl: PL) -> None:
    sdk(pl).templates.publish(blueprint("{question}", release_labels=["prod"]))

    async def fetch() -> tuple[Any, Any]:
        client = AsyncPromptLayer(api_key=pl.api_key, base_url=pl.url)
        return (
            await client.templates.get("team/support", {"label": "prod"}),
            await client.templates.all(label="prod"),
        )

    got, listed = asyncio.run(fetch())
    assert got["version"] == 1
    assert [t["prompt_name"] for t in listed] == ["team/support"]


def test_async_publish_wants_201_which_the_openapi_document_does_not_say() -> None:
    # AsyncTemplateManager has no publish in 1.5.x; its helper accepts only 201, while the
    # OpenAPI document's publish answers 200. `publish_status=201` emulates that reading.
    body = blueprint("{question}")
    for status, succeeds in ((200, False), (201, True)):
        with running_emulator(backend="promptlayer", publish_status=status) as pl:
            publish_call = apublish_prompt_template(pl.api_key, pl.url, True, body)
            if succeeds:
                assert asyncio.run(publish_call)["version_number"] == 1
            else:
                with pytest.raises(pl_errors.PromptLayerAPIStatusError):
                    asyncio.run(publish_call)
            # Either way the version was written: a client must accept both statuses.
            with pl.client() as client:
                assert client.get("/prompt-templates").json()["total"] == 1


# --- request logs ---------------------------------------------------------------------------------
# `log_request(...)` is `POST /log-request` with X-API-KEY and the keyword arguments as the body
# (times as epoch seconds, `score: 0` and `score_name` always), wanting 201. `track.score` is
# `POST /library-track-score`, which the OpenAPI document does not list, with the key as
# `api_key` in the body and no header, wanting 200. `promptlayer.tables.api.get_request` is
# `GET /api/public/v2/requests/{id}`.


def test_log_request_score_and_read_back(pl: PL) -> None:
    client = sdk(pl)
    client.templates.publish(blueprint("{question}", release_labels=["prod"]))
    logged = client.log_request(
        provider="openai",
        model="gpt-4o",
        input=chat("You help with {product}.", "Why?"),
        output={
            "type": "chat",
            "messages": [{"role": "assistant", "content": [{"type": "text", "text": "Because."}]}],
        },
        request_start_time=1736937000.0,
        request_end_time=1736937001.5,
        prompt_name="team/support",
        prompt_version_number=1,
        prompt_input_variables={"product": "Acme", "question": "Why?"},
        tags=["eval"],
        metadata={"run": "r1"},
        input_tokens=10,
        output_tokens=3,
    )
    assert logged["prompt_version"]["prompt_template"]["messages"][1]["content"][0]["text"] == (
        "{question}"
    )
    assert client.track.score(logged["id"], 90) is True
    assert client.track.score(logged["id"], 75, "tone") is True
    got = get_request(pl.api_key, pl.url, True, logged["id"])
    assert (got["prompt_version_number"], got["prompt_input_variables"]) == (
        1,
        {"product": "Acme", "question": "Why?"},
    )
    assert got["scores"] == [{"name": "default", "score": 90}, {"name": "tone", "score": 75}]
    assert (got["request_start_time"], got["latency_ms"]) == ("2025-01-15T10:30:00.000000Z", 1500.0)
    assert pl.stats.count("POST", "/library-track-score") == 2


def test_sdk_logging_errors(pl: PL) -> None:
    client = sdk(pl)
    body = {
        "provider": "openai",
        "model": "gpt-4o",
        "input": chat("x"),
        "output": chat("y"),
        "request_start_time": 0.0,
        "request_end_time": 1.0,
    }
    with pytest.raises(pl_errors.PromptLayerAPIError, match="'nope' not found"):
        client.log_request(**body, prompt_name="nope")
    with pytest.raises(pl_errors.PromptLayerAPIError, match="Request 9 not found"):
        client.track.score(9, 50)
    wrong = PromptLayer(api_key="wrong", base_url=pl.url)
    with pytest.raises(pl_errors.PromptLayerAPIError, match="Invalid or missing API key"):
        wrong.track.score(1, 50)
    with pytest.raises(pl_errors.PromptLayerNotFoundError):
        get_request(pl.api_key, pl.url, True, 9)
