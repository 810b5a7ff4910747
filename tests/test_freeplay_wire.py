"""Freeplay's JSON, read tolerantly and written strictly; the HTTP session's readings of errors."""

from __future__ import annotations

import json
from typing import Any

import httpx
import pytest

from promptsync.backends.freeplay.client import FreeplayBackend, api_base
from promptsync.backends.freeplay.wire import create_body, read_all
from promptsync.backends.http import BackendError, HttpSession
from promptsync.backends.replies import ShapeError
from promptsync.kinds.prompts.changes import CreateVersion, DeployVersion, VersionContent
from promptsync.kinds.prompts.identity import content_of
from promptsync.kinds.prompts.models import PromptFile
from promptsync.repo.credentials import ApiKey

PID = "8f93dd00-2eb5-4ba2-9354-86d5c6831dfd"


def template(**over: Any) -> dict[str, Any]:
    base: dict[str, Any] = {
        "prompt_template_id": "t1",
        "prompt_template_version_id": "v1",
        "prompt_template_name": "album_bot",
        "version_name": None,
        "version_description": None,
        "metadata": {
            "provider": "openai",
            "flavor": "openai_chat",
            "model": "gpt-4o",
            "params": {},
        },
        "format_version": 2,
        "project_id": PID,
        "content": [{"role": "user", "content": "hi {{x}}"}],
        "tool_schema": None,
        "output_schema": None,
    }
    return {**base, **over}


def body(*templates: dict[str, Any], **top: Any) -> bytes:
    return json.dumps({"prompt_templates": list(templates), **top}).encode()


PROMPT = PromptFile.model_validate(
    {
        "name": "album_bot",
        "provider": "openai",
        "model": "gpt-4o",
        "messages": [{"role": "user", "content": "hi {{x}}"}],
        "tool_schema": [{"name": "t", "description": "d", "parameters": {"type": "object"}}],
    }
)


def test_unknown_fields_everywhere_are_ignored_and_never_a_diff() -> None:
    tidy = read_all(
        body(
            template(
                tool_schema=[{"name": "t", "description": "d", "parameters": {"type": "object"}}]
            )
        )
    )
    decorated = read_all(
        body(
            template(
                format_version=3,
                new_top_level={"a": 1},
                metadata={
                    "provider": "openai",
                    "flavor": "openai_chat",
                    "model": "gpt-4o",
                    "params": {},
                    "provider_info": {},
                    "extra": True,
                },
                content=[{"role": "user", "content": "hi {{x}}", "id": "m1", "meta": {}}],
                tool_schema=[
                    {
                        "name": "t",
                        "description": "d",
                        "parameters": {"type": "object"},
                        "strict": False,
                        "cache_control": None,
                    }
                ],
            ),
            pagination={"page": 1},
            next="cursor",
        )
    )
    assert decorated.versions["album_bot"].hash == tidy.versions["album_bot"].hash
    assert decorated.versions["album_bot"].content == content_of(PROMPT)
    assert not decorated.unreadable


@pytest.mark.parametrize(
    ("metadata", "tool", "reason"),
    [
        (
            {"flavor": "anthropic_chat"},
            {},
            "metadata.flavor is 'anthropic_chat', not 'openai_chat' (what provider 'openai'"
            " formats as), which prompt files cannot express",
        ),
        (
            {"provider_info": {"endpoint": "https://eu.example"}},
            {},
            "metadata.provider_info is set, which prompt files cannot express",
        ),
        ({}, {"strict": True}, "tool_schema[0].strict is set, which prompt files cannot express"),
    ],
)
def test_what_changes_the_request_an_application_sends_is_drift_not_ignored(
    metadata: dict[str, Any], tool: dict[str, Any], reason: str
) -> None:
    # The SDK formats by flavor (anthropic_chat moves the system message out of the messages),
    # sends provider_info's endpoint and region, and passes a tool's strict flag on: a version
    # differing in them sends other requests than the file's, which cannot express them.
    snap = read_all(
        body(
            template(
                metadata={"provider": "openai", "model": "gpt-4o", "params": {}, **metadata},
                tool_schema=[
                    {"name": "t", "description": "d", "parameters": {"type": "object"}, **tool}
                ],
            )
        )
    )
    assert snap.unreadable["album_bot"].reason == reason


def test_shapes_the_file_format_cannot_hold_are_still_compared() -> None:
    # Made in Freeplay's UI: a developer role, a null tool description, boolean and list
    # parameters. promptsync can compare them (a file replacing them is a normal update).
    snap = read_all(
        body(
            template(
                content=[{"role": "developer", "content": "be brief"}],
                tool_schema=[{"name": "t", "description": None, "parameters": None}],
                metadata={
                    "provider": "openai",
                    "model": "m",
                    "params": {"stream": True, "stop": ["x"]},
                },
            )
        )
    )
    version = snap.versions["album_bot"]
    assert version.content["messages"] == [{"role": "developer", "content": "be brief"}]
    assert version.content["tool_schema"] == [
        {"name": "t", "description": None, "parameters": None}
    ]
    assert version.content["llm_parameters"] == {"stream": True, "stop": ["x"]}


@pytest.mark.parametrize(
    ("override", "reason"),
    [
        (
            {"content": [{"role": "user", "content": [{"type": "text", "text": "hi"}]}]},
            "content[0].content is a list, not text",
        ),
        ({"content": "hi"}, "content is text, not a list of messages"),
        ({"content": [{"content": "no role"}]}, "content[0].role is null, not text"),
        ({"tool_schema": {"name": "t"}}, "tool_schema is an object, not a list"),
        ({"metadata": {"params": "hot"}}, "metadata.params is text, not an object"),
        ({"prompt_template_version_id": None}, "prompt_template_version_id is null, not text"),
    ],
)
def test_a_template_that_cannot_be_modelled_is_unreadable_not_an_error(
    override: dict[str, Any], reason: str
) -> None:
    good = template(prompt_template_name="good", prompt_template_version_id="v9")
    snap = read_all(body(template(**override), good))
    assert list(snap.versions) == ["good"]
    assert snap.unreadable["album_bot"].reason == reason


def test_a_response_without_the_list_is_a_shape_error() -> None:
    with pytest.raises(ShapeError, match="no list 'prompt_templates'"):
        read_all(b'{"templates": []}')
    with pytest.raises(ShapeError, match=r"prompt_templates\.0\.prompt_template_name: missing"):
        read_all(body({"prompt_template_id": 5}))


def test_versions_shared_by_environments_are_read_once() -> None:
    cache: dict[str, Any] = {}
    first = read_all(body(template()), cache)
    second = read_all(body(template()), cache)
    assert first.versions["album_bot"] is second.versions["album_bot"]


def _create(environments: list[str]) -> CreateVersion:
    content = VersionContent.model_validate(
        {
            **PROMPT.model_dump(exclude={"name", "environments", "variables"}),
            "version_description": "p",
        }
    )
    return CreateVersion(
        name="album_bot", environments=environments, content=content, hash="sha256:x", file="a.yaml"
    )


def test_env_less_creates_omit_environments() -> None:
    assert "environments" not in create_body(_create([]))
    assert create_body(_create(["prod"]))["environments"] == ["prod"]


def _session(handler: Any) -> HttpSession:
    return HttpSession(
        "http://fp.test/api/v2", {}, retries=0, transport=httpx.MockTransport(handler)
    )


@pytest.mark.parametrize(
    ("payload", "shown"),
    [
        ({"message": "Template  not\nfound"}, "404 Template not found"),
        ({"error": "Environment 'qa' does not exist"}, "404 Environment 'qa' does not exist"),
        ({"error": {"message": "nested reason"}}, "404 nested reason"),
        ({"detail": "Not Found"}, "404 Not Found"),
        ({"unexpected": 1}, "404 Not Found"),
    ],
)
def test_error_bodies_are_shown(payload: dict[str, Any], shown: str) -> None:
    session = _session(lambda request: httpx.Response(404, json=payload))
    with pytest.raises(BackendError) as caught:
        session.send("GET", "/x")
    assert str(caught.value) == f"GET /api/v2/x: {shown}"


@pytest.mark.parametrize(
    "reply", [httpx.Response(200), httpx.Response(204), httpx.Response(200, json={})]
)
def test_an_empty_environment_update_reply_is_success(reply: httpx.Response) -> None:
    sent: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        sent.append(request)
        return reply

    backend = FreeplayBackend("http://fp.test", PID, ApiKey("k"), session=_session(handler))
    op = DeployVersion(name="a", environments=["prod"], template_id="t1", version_id="v1", hash="h")
    backend.deploy(op, "t1", "v1")
    assert json.loads(sent[0].content) == {"environments": ["prod"]}


def test_a_base_url_that_names_the_project_is_accepted_or_explained() -> None:
    assert (
        api_base(f"https://app.freeplay.ai/api/v2/projects/{PID}", PID)
        == "https://app.freeplay.ai/api/v2"
    )
    assert (
        api_base(f"https://app.freeplay.ai/api/v2/projects/{PID}/", PID)
        == "https://app.freeplay.ai/api/v2"
    )
    other = "00000000-0000-4000-8000-000000000000"
    with pytest.raises(
        BackendError, match=r"ends in /api/v2/projects/0000.* but project_id is 8f93"
    ):
        api_base(f"https://app.freeplay.ai/api/v2/projects/{other}", PID)


def test_a_server_that_echoes_the_key_never_gets_it_shown() -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        return httpx.Response(401, json={"message": f"bad key {request.headers['authorization']}"})

    session = HttpSession(
        "http://fp.test/api/v2",
        {"Authorization": "Bearer sekrit-123"},
        retries=0,
        transport=httpx.MockTransport(handler),
        secrets=("sekrit-123",),
    )
    with pytest.raises(BackendError) as caught:
        session.send("GET", "/x")
    assert "sekrit-123" not in str(caught.value)
    assert str(caught.value) == "GET /api/v2/x: 401 bad key Bearer ***"
