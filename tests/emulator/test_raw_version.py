"""`POST /_emulator/raw-version`: versions the create API refuses, served by every route."""

from __future__ import annotations

import re
import uuid
from typing import Any

import httpx
import jsonschema
import pytest

from promptsync.emulator import FaultConfig, RunningEmulator, running_emulator
from tests.emulator.openapi import check

T = "/api/v2/projects/{project_id}/prompt-templates"
# What Freeplay's UI might store: a developer role, list content, boolean and list parameters.
ODD: dict[str, Any] = {
    "content": [
        {"role": "developer", "content": "Answer in {{lang}}."},
        {"role": "user", "content": [{"type": "text", "text": "Q: {{q}}"}, {"type": "image"}]},
        {"kind": "history"},
    ],
    "provider": "openai",
    "model": "gpt-4o",
    "params": {"stream": True, "stop": ["\n\n", "END"], "temperature": 0.1},
    "tool_schema": [{"name": "f", "description": "F", "parameters": {"type": "object"}}],
    "output_schema": None,
    "version_name": "from-ui",
    "version_description": None,
}


def raw(fp: RunningEmulator, version: dict[str, Any], **fields: Any) -> httpx.Response:
    payload = {"project_id": fp.project_id, "template_name": "odd", "body": version, **fields}
    with fp.client() as client:
        return client.post(f"{fp.url}/_emulator/raw-version", json=payload)


def test_stored_as_given_and_served_by_every_route(emulator: RunningEmulator) -> None:
    response = raw(emulator, ODD, environments=["prod"])
    assert response.status_code == 201, response.text
    created = check(response, "POST", f"{T}/name/{{template_name}}/versions", 201)
    assert created["content"] == ODD["content"]
    assert created["metadata"] == {
        "provider": "openai",
        "flavor": "openai_chat",  # derived from the provider when the body has none
        "model": "gpt-4o",
        "params": ODD["params"],
        "provider_info": {},
    }
    client = emulator.client()
    base = f"/projects/{emulator.project_id}/prompt-templates"
    prod = check(client.get(f"{base}/all/prod"), "GET", f"{T}/all/{{environment}}", 200)
    assert prod["prompt_templates"] == [created]
    raw_get = check(client.get(f"{base}/name/odd"), "GET", f"{T}/name/{{name}}", 200)
    assert raw_get == created
    bound = check(
        client.post(f"{base}/name/odd", json={"lang": "French", "q": "why?"}),
        "POST",
        f"{T}/name/{{name}}",
        200,
    )
    assert bound["bound_content"] == [
        {"role": "developer", "content": "Answer in French."},
        {"role": "user", "content": [{"type": "text", "text": "Q: why?"}, {"type": "image"}]},
    ]
    formatted = client.post(f"{base}/name/odd", params={"format": "true"}, json={"lang": "x"})
    assert formatted.status_code == 200
    assert formatted.json()["formatted_content"][0] == {
        "role": "developer",
        "content": "Answer in x.",
    }


def test_no_dedup_and_the_template_is_made_once(emulator: RunningEmulator) -> None:
    first = raw(emulator, ODD).json()
    second = raw(emulator, ODD).json()
    assert first["prompt_template_id"] == second["prompt_template_id"]
    assert first["prompt_template_version_id"] != second["prompt_template_version_id"]


def test_missing_keys_and_explicit_flavor(emulator: RunningEmulator) -> None:
    created = raw(emulator, {"flavor": "anthropic_chat", "provider_info": {"region": "eu"}}).json()
    assert created["content"] == []
    assert created["metadata"] == {
        "provider": None,
        "flavor": "anthropic_chat",
        "model": None,
        "params": {},
        "provider_info": {"region": "eu"},
    }


def test_null_tool_description_is_outside_the_openapi_document(emulator: RunningEmulator) -> None:
    tools: list[dict[str, Any]] = [
        {"name": "f", "description": None, "parameters": {}, "strict": True}
    ]
    response = raw(emulator, {**ODD, "tool_schema": tools})
    assert response.json()["tool_schema"] == tools
    # Freeplay's schema requires a string description: such a template breaks the contract,
    # which is what a client's tolerance tests need to meet.
    in_tool_schema = re.escape("in schema['properties']['tool_schema']")
    with pytest.raises(jsonschema.ValidationError, match=in_tool_schema):
        check(response, "POST", f"{T}/name/{{template_name}}/versions", 201)


@pytest.mark.parametrize(
    ("fields", "status", "message"),
    [
        ({"environments": ["qa"]}, 400, "Environment 'qa' does not exist"),
        ({"project_id": str(uuid.uuid4())}, 404, "Project not found"),
        ({"project_id": "p1"}, 400, "project_id 'p1' is not a valid UUID"),
        ({"template_name": ""}, 400, "Invalid field template_name: must not be empty"),
        ({"body": []}, 400, "Invalid field body: Input should be a valid dictionary"),
    ],
)
def test_bad_requests(
    emulator: RunningEmulator, fields: dict[str, Any], status: int, message: str
) -> None:
    response = raw(emulator, ODD, **fields)
    assert (response.status_code, response.json()) == (status, {"message": message})


def test_authenticated_unfaulted_uncounted() -> None:
    with running_emulator(faults=FaultConfig(fail_rate=1.0, seed=3)) as fp:
        anonymous = httpx.post(f"{fp.url}/_emulator/raw-version", json={})
        assert anonymous.status_code == 401
        assert raw(fp, ODD).status_code == 201
        assert fp.stats.snapshot()["total"] == 0
