"""Every route, with the seed documents' payloads, checked against Freeplay's OpenAPI schemas."""

from __future__ import annotations

import json
import uuid
from typing import Any

import httpx
import pytest

from promptsync.emulator import RunningEmulator
from tests.emulator.openapi import check, spec

T = "/api/v2/projects/{project_id}/prompt-templates"

# The "Create Version by Name" curl example from the newer API reference (seed 000).
MY_ASSISTANT = {
    "template_messages": [
        {
            "role": "system",
            "content": "You are a helpful assistant. The user's name is {{user_name}}.",
        },
        {"role": "user", "content": "{{user_input}}"},
    ],
    "provider": "openai",
    "model": "gpt-4o",
    "llm_parameters": {"temperature": 0.2, "max_tokens": 1024},
    "version_name": "v1.2.0",
    "version_description": "Production release with improved system prompt",
}
# The album_bot template of the older reference (seed 001), with its tool.
ALBUM_BOT: dict[str, Any] = {
    "template_messages": [
        {
            "role": "user",
            "content": "You are a helpful bot that generates album names\n"
            "Generate a two word album name in the style of {{pop_star}}",
        },
    ],
    "provider": "openai",
    "model": "gpt-3.5-turbo-0125",
    "llm_parameters": {"max_tokens": 100, "temperature": 0.2},
    "tool_schema": [
        {
            "name": "weather_of_location",
            "description": "Get weather of a location",
            "parameters": {
                "additionalProperties": False,
                "type": "object",
                "required": ["location"],
                "properties": {
                    "location": {"type": "string", "description": "Location to get the weather for"}
                },
            },
        }
    ],
    "environments": ["prod"],
}


def base(fp: RunningEmulator) -> str:
    return f"/projects/{fp.project_id}/prompt-templates"


def create(fp: RunningEmulator, name: str, body: dict[str, Any], *, new: bool = True) -> Any:
    query = "?create_template_if_not_exists=true" if new else ""
    response = fp.client().post(f"{base(fp)}/name/{name}/versions{query}", json=body)
    return check(response, "POST", f"{T}/name/{{template_name}}/versions", 201)


def test_every_route_is_in_freeplays_spec() -> None:
    from promptsync.emulator.routes import API_PREFIX, ROUTES

    documented = {(m, p) for p, ops in spec()["paths"].items() for m in ops}
    for method, pattern, _handler in ROUTES:
        path = API_PREFIX + pattern.replace("*", "")
        assert (method.lower(), path) in documented, (method, path)


def test_create_version_by_name_seed_example(emulator: RunningEmulator) -> None:
    body = create(emulator, "my-assistant", MY_ASSISTANT)
    assert body["prompt_template_name"] == "my-assistant"
    assert body["version_name"] == "v1.2.0"
    assert body["format_version"] == 2
    assert body["metadata"] == {
        "flavor": "openai_chat",
        "model": "gpt-4o",
        "provider": "openai",
        "params": {"temperature": 0.2, "max_tokens": 1024},
        "provider_info": {},
    }
    assert body["content"] == MY_ASSISTANT["template_messages"]


def test_create_version_without_flag_needs_existing_template(emulator: RunningEmulator) -> None:
    response = emulator.client().post(f"{base(emulator)}/name/nope/versions", json=MY_ASSISTANT)
    assert (response.status_code, response.json()) == (
        404,
        {"message": "Prompt template not found"},
    )


def test_create_template_and_list_paginated(emulator: RunningEmulator) -> None:
    client = emulator.client()
    created = check(client.post(base(emulator), json={"name": "my-assistant"}), "POST", T, 201)
    custom = str(uuid.uuid4())
    check(client.post(base(emulator), json={"name": "second", "id": custom}), "POST", T, 201)
    for i in range(3):
        client.post(base(emulator), json={"name": f"t{i}"})
    page = check(client.get(base(emulator), params={"page": 1, "page_size": 2}), "GET", T, 200)
    assert [t["name"] for t in page["data"]] == ["my-assistant", "second"]
    assert page["data"][0]["id"] == created["id"]
    assert page["data"][1]["id"] == custom
    assert page["pagination"] == {"page": 1, "page_size": 2, "has_next": True}
    last = check(client.get(base(emulator), params={"page": 3, "page_size": 2}), "GET", T, 200)
    assert last["pagination"]["has_next"] is False
    assert len(last["data"]) == 1
    default = client.get(base(emulator)).json()["pagination"]
    assert default == {"page": 1, "page_size": 30, "has_next": False}
    too_big = client.get(base(emulator), params={"page_size": 101})
    assert too_big.status_code == 400
    assert too_big.json() == {"message": "Query parameter page_size must be between 1 and 100"}
    duplicate = client.post(base(emulator), json={"name": "second"})
    assert duplicate.status_code == 400


def test_get_all_by_environment_and_latest(emulator: RunningEmulator) -> None:
    first = create(emulator, "album_bot", ALBUM_BOT)
    client = emulator.client()
    prod = check(client.get(f"{base(emulator)}/all/prod"), "GET", f"{T}/all/{{environment}}", 200)
    assert [t["prompt_template_version_id"] for t in prod["prompt_templates"]] == [
        first["prompt_template_version_id"]
    ]
    changed = {**ALBUM_BOT, "environments": ["staging"], "llm_parameters": {"temperature": 0.5}}
    second = create(emulator, "album_bot", changed, new=False)
    latest = client.get(f"{base(emulator)}/all/latest").json()["prompt_templates"]
    assert latest[0]["prompt_template_version_id"] == second["prompt_template_version_id"]
    assert (
        client.get(f"{base(emulator)}/all/prod").json()["prompt_templates"][0][
            "prompt_template_version_id"
        ]
        == first["prompt_template_version_id"]
    )
    assert client.get(f"{base(emulator)}/all/dev").json() == {"prompt_templates": []}
    unknown = client.get(f"{base(emulator)}/all/qa")
    assert unknown.status_code == 400
    assert unknown.json() == {"message": "Environment 'qa' does not exist"}


def test_retrieve_by_name_raw_bound_formatted(emulator: RunningEmulator) -> None:
    create(emulator, "album_bot", ALBUM_BOT)
    client = emulator.client()
    url = f"{base(emulator)}/name/album_bot"
    raw = check(client.get(url, params={"environment": "prod"}), "GET", f"{T}/name/{{name}}", 200)
    assert raw["content"][0]["content"].endswith("{{pop_star}}")
    raw_post = check(
        client.post(url, params={"environment": "prod"}), "POST", f"{T}/name/{{name}}", 200
    )
    assert raw_post == raw
    bound = check(
        client.post(url, params={"environment": "prod"}, json={"pop_star": "justin beiber"}),
        "POST",
        f"{T}/name/{{name}}",
        200,
    )
    assert bound["bound_content"] == [
        {
            "role": "user",
            "content": "You are a helpful bot that generates album names\n"
            "Generate a two word album name in the style of justin beiber",
        }
    ]
    assert bound["tool_schema"] == ALBUM_BOT["tool_schema"]
    formatted = check(
        client.post(
            url,
            params={"environment": "prod", "format": "true"},
            json={"pop_star": "justin beiber"},
        ),
        "POST",
        f"{T}/name/{{name}}",
        200,
    )
    assert formatted["formatted_content"] == bound["bound_content"]
    tool = ALBUM_BOT["tool_schema"][0]
    assert formatted["formatted_tool_schema"] == [{"type": "function", "function": tool}]
    assert formatted["system_content"] is None
    assert client.get(url).json()["prompt_template_version_id"] == raw["prompt_template_version_id"]


def test_formatted_per_flavor(emulator: RunningEmulator) -> None:
    body = {
        "template_messages": [
            {"role": "system", "content": "Be {{tone}}."},
            {"kind": "history"},
            {"role": "user", "content": "Hi <{{who}}> {{data}}"},
            {"role": "assistant", "content": "ok"},
        ],
        "provider": "anthropic",
        "model": "claude-sonnet-4-5",
    }
    create(emulator, "multi", body)
    variables = {"tone": "brief", "who": "Ada & Bob", "data": {"k": [1, True]}}
    url = f"{base(emulator)}/name/multi"
    client = emulator.client()

    def formatted(flavor: str | None) -> Any:
        params = {"format": "true", **({"flavor_name": flavor} if flavor else {})}
        return check(
            client.post(url, params=params, json=variables), "POST", f"{T}/name/{{name}}", 200
        )

    user = 'Hi <Ada & Bob> {"k":[1,true]}'
    anthropic = formatted(None)
    assert anthropic["metadata"]["flavor"] == "anthropic_chat"
    assert anthropic["system_content"] == "Be brief."
    assert anthropic["formatted_content"] == [
        {"role": "user", "content": user},
        {"role": "assistant", "content": "ok"},
    ]
    openai = formatted("openai_chat")
    assert openai["formatted_content"][0] == {"role": "system", "content": "Be brief."}
    assert openai["metadata"]["flavor"] == "openai_chat"
    gemini = formatted("gemini_api_chat")
    assert gemini["formatted_content"] == [
        {"role": "user", "parts": [{"text": user}]},
        {"role": "model", "parts": [{"text": "ok"}]},
    ]
    bad = client.post(url, params={"format": "true", "flavor_name": "nope"}, json={})
    assert bad.status_code == 400


def test_version_routes(emulator: RunningEmulator) -> None:
    first = create(emulator, "rag-qa", MY_ASSISTANT)
    tid, vid = first["prompt_template_id"], first["prompt_template_version_id"]
    client = emulator.client()
    ids = f"{base(emulator)}/id/{tid}"
    info = check(client.get(ids), "GET", f"{T}/id/{{template_id}}", 200)
    assert info == {"id": tid, "name": "rag-qa", "latest_template_version_id": vid}
    # "Create Version by ID" curl example (seed 000).
    by_id = {
        "template_messages": [
            {"role": "system", "content": "You are a helpful assistant."},
            {"role": "user", "content": "{{user_input}}"},
        ],
        "provider": "openai",
        "model": "gpt-4o",
        "llm_parameters": {"temperature": 0.2, "max_tokens": 256},
    }
    second = check(
        client.post(f"{ids}/versions", json=by_id), "POST", f"{T}/id/{{template_id}}/versions", 201
    )
    versions = check(client.get(f"{ids}/versions"), "GET", f"{T}/id/{{template_id}}/versions", 200)
    assert [v["prompt_template_version_id"] for v in versions["data"]] == [
        second["prompt_template_version_id"],
        vid,
    ]
    from_first = client.get(f"{ids}/versions", params={"from_version": vid}).json()
    assert [v["prompt_template_version_id"] for v in from_first["data"]] == [vid]
    one = check(
        client.get(f"{ids}/versions/{vid}"),
        "GET",
        f"{T}/id/{{template_id}}/versions/{{version_id}}",
        200,
    )
    assert one["version_description"] == MY_ASSISTANT["version_description"]
    bound = check(
        client.post(f"{ids}/versions/{vid}", json={"user_name": "Ada", "user_input": "hi"}),
        "POST",
        f"{T}/id/{{template_id}}/versions/{{version_id}}",
        200,
    )
    assert bound["bound_content"][0]["content"] == (
        "You are a helpful assistant. The user's name is Ada."
    )
    # "Update Environments" curl example (seed 000).
    check(
        client.post(
            f"{ids}/versions/{vid}/environments", json={"environments": ["staging", "prod"]}
        ),
        "POST",
        f"{T}/id/{{template_id}}/versions/{{version_id}}/environments",
        200,
    )
    prod = client.get(f"{base(emulator)}/all/prod").json()["prompt_templates"]
    assert prod[0]["prompt_template_version_id"] == vid
    check(client.patch(ids, json={"name": "rag-qa-v2"}), "PATCH", f"{T}/id/{{template_id}}", 200)
    assert client.get(ids).json()["name"] == "rag-qa-v2"
    check(
        client.delete(f"{ids}/versions/{vid}"),
        "DELETE",
        f"{T}/id/{{template_id}}/versions/{{version_id}}",
        200,
    )
    assert client.get(f"{base(emulator)}/all/prod").json() == {"prompt_templates": []}
    assert client.get(f"{ids}/versions/{vid}").status_code == 404
    check(client.delete(ids), "DELETE", f"{T}/id/{{template_id}}", 200)
    assert client.get(ids).json() == {"message": "Prompt template not found"}
    assert client.get(f"{base(emulator)}/all/latest").json() == {"prompt_templates": []}


def test_projects_and_environments(emulator: RunningEmulator) -> None:
    client = emulator.client()
    projects = check(client.get("/projects/all"), "GET", "/api/v2/projects/all", 200)
    assert projects == {"projects": [{"id": emulator.project_id, "name": "Default project"}]}
    made = check(client.post("/projects", json={"name": "Second"}), "POST", "/api/v2/projects", 201)
    assert {p["id"] for p in client.get("/projects/all").json()["projects"]} == {
        emulator.project_id,
        made["id"],
    }
    envs = check(client.get("/environments"), "GET", "/api/v2/environments", 200)
    assert [e["name"] for e in envs["data"]] == ["latest", "dev", "staging", "prod"]
    qa = check(
        client.post("/environments", json={"name": "qa"}), "POST", "/api/v2/environments", 201
    )
    assert qa["name"] == "qa"
    assert client.post("/environments", json={"name": "qa"}).status_code == 400


@pytest.mark.parametrize("name", ["a/b", "with space", "ünïcødé ✓", "..", "a%2Fb", "x/versions"])
def test_awkward_names_round_trip(emulator: RunningEmulator, name: str) -> None:
    from urllib.parse import quote

    # Dots are encoded too: a bare ".." path segment would be removed by URL normalization.
    encoded = quote(name, safe="").replace(".", "%2E")
    created = create(emulator, encoded, MY_ASSISTANT)
    assert created["prompt_template_name"] == name
    got = emulator.client().get(f"{base(emulator)}/name/{encoded}").json()
    assert got["prompt_template_name"] == name
    listed = emulator.client().get(f"{base(emulator)}/all/latest").json()["prompt_templates"]
    assert [t["prompt_template_name"] for t in listed] == [name]


def test_slash_sent_unencoded_like_the_sdk(emulator: RunningEmulator) -> None:
    created = create(emulator, "team/bot", MY_ASSISTANT)
    got = emulator.client().get(f"{base(emulator)}/name/team%2Fbot").json()
    assert got["prompt_template_id"] == created["prompt_template_id"]


# --- errors ----------------------------------------------------------------------------------


def test_unauthenticated(emulator: RunningEmulator) -> None:
    for headers in ({}, {"Authorization": "Bearer wrong"}, {"Authorization": "Basic x"}):
        response = httpx.get(
            f"{emulator.url}/api/v2/projects/{emulator.project_id}/prompt-templates/all/latest",
            headers=headers,
        )
        assert response.status_code == 401
        assert response.json() == {
            "message": "Requests must be authenticated with a valid API key."
        }


def test_unknown_project(emulator: RunningEmulator) -> None:
    response = emulator.client().get(f"/projects/{uuid.uuid4()}/prompt-templates/all/latest")
    assert (response.status_code, response.json()) == (404, {"message": "Project not found"})


def test_keys_are_scoped_to_projects() -> None:
    from promptsync.emulator import running_emulator

    a, b = str(uuid.uuid4()), str(uuid.uuid4())
    with running_emulator(api_keys=["key-a", "key-b"], project_ids=[a, b]) as fp:

        def get(key: str, project: str) -> int:
            return httpx.get(
                f"{fp.url}/api/v2/projects/{project}/prompt-templates/all/latest",
                headers={"Authorization": f"Bearer {key}"},
            ).status_code

        assert (get("key-a", a), get("key-a", b), get("key-b", b), get("key-b", a)) == (
            200,
            404,
            200,
            404,
        )


def _create_body(**fields: Any) -> bytes:
    body = {"template_messages": [], "model": "m", "provider": "openai", **fields}
    return json.dumps({k: v for k, v in body.items() if v is not None}).encode()


@pytest.mark.parametrize(
    ("body", "message"),
    [
        (
            b"{not json",
            "Malformed JSON body: Expecting property name enclosed in double quotes:"
            " line 1 column 2 (char 1)",
        ),
        (b"[]", "Request body must be a JSON object"),
        (_create_body(model=None), "Invalid field model: Field required"),
        (
            _create_body(template_messages="hi"),
            "Invalid field template_messages: Input should be a valid list",
        ),
        (
            _create_body(template_messages=[{"role": "bot", "content": "x"}]),
            "Invalid field template_messages.0.role: Input should be 'system', 'user'"
            " or 'assistant'",
        ),
        (
            _create_body(template_messages=[{"role": "user", "content": 5}]),
            "Invalid field template_messages.0.content: Input should be a valid string",
        ),
        (_create_body(environments=["qa"]), "Environment 'qa' does not exist"),
        (
            _create_body(provider="acme"),
            "Invalid field provider: unknown provider 'acme' (known: anthropic, azure, baseten,"
            " bedrock, gemini, llama, mistral, openai, perplexity, vertex)",
        ),
    ],
)
def test_bad_create_requests(emulator: RunningEmulator, body: bytes, message: str) -> None:
    response = emulator.client().post(
        f"{base(emulator)}/name/x/versions?create_template_if_not_exists=true",
        content=body,
        headers={"Content-Type": "application/json"},
    )
    assert (response.status_code, response.json()) == (400, {"message": message})


def test_non_uuid_ids(emulator: RunningEmulator) -> None:
    client = emulator.client()
    assert client.get(f"{base(emulator)}/id/123").json() == {
        "message": "template_id '123' is not a valid UUID"
    }
    response = client.get(f"{base(emulator)}/id/{uuid.uuid4()}/versions/v1")
    assert (response.status_code, response.json()) == (
        400,
        {"message": "version_id 'v1' is not a valid UUID"},
    )
    response = client.get("/projects/not-a-uuid/prompt-templates/all/latest")
    assert (response.status_code, response.json()) == (
        400,
        {"message": "project_id 'not-a-uuid' is not a valid UUID"},
    )


def test_unknown_route_and_method(emulator: RunningEmulator) -> None:
    client = emulator.client()
    assert client.get("/nothing-here").status_code == 404
    assert client.put(f"{base(emulator)}/all/latest").status_code == 405
