"""The other readings of Freeplay's docs: error key, update-environments reply, decorated bodies."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import httpx
import pytest

from promptsync.emulator import RunningEmulator, emulator_subprocess, running_emulator
from promptsync.emulator.decorate import STAMP, TOP_LEVEL
from promptsync.emulator.readings import EnvUpdateReply
from tests.emulator.openapi import check

T = "/api/v2/projects/{project_id}/prompt-templates"
V = f"{T}/id/{{template_id}}/versions/{{version_id}}"
TOOL = {"name": "lookup", "description": "Look it up", "parameters": {"type": "object"}}
BODY: dict[str, Any] = {
    "template_messages": [
        {"role": "system", "content": "Be {{tone}}."},
        {"kind": "history"},
        {"role": "user", "content": "{{question}}"},
    ],
    "provider": "openai",
    "model": "gpt-4o",
    "llm_parameters": {"temperature": 0.2},
    "tool_schema": [TOOL],
    "environments": ["prod"],
}


def create(fp: RunningEmulator, client: httpx.Client, name: str = "t") -> Any:
    response = client.post(
        f"/projects/{fp.project_id}/prompt-templates/name/{name}/versions",
        params={"create_template_if_not_exists": "true"},
        json=BODY,
    )
    return check(response, "POST", f"{T}/name/{{template_name}}/versions", 201)


# --- --error-key ---------------------------------------------------------------------------------


def test_error_key_error() -> None:
    with running_emulator(error_key="error") as fp, fp.client() as client:
        base = f"/projects/{fp.project_id}/prompt-templates"
        assert client.get(f"{base}/id/123").json() == {
            "error": "template_id '123' is not a valid UUID"
        }
        assert client.get(f"{base}/all/qa").json() == {"error": "Environment 'qa' does not exist"}
        unauthorized = httpx.get(f"{fp.url}/api/v2/projects/all")
        assert (unauthorized.status_code, unauthorized.json()) == (
            401,
            {"error": "Requests must be authenticated with a valid API key."},
        )
        assert client.get("/nothing").json() == {"error": "Not found"}


# --- --env-update-reply --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("reply", "status", "content"),
    [("object", 200, b"{}"), ("empty-200", 200, b""), ("empty-204", 204, b"")],
)
def test_env_update_reply(reply: EnvUpdateReply, status: int, content: bytes) -> None:
    with running_emulator(env_update_reply=reply) as fp, fp.client() as client:
        created = create(fp, client)
        tid, vid = created["prompt_template_id"], created["prompt_template_version_id"]
        response = client.post(
            f"/projects/{fp.project_id}/prompt-templates/id/{tid}/versions/{vid}/environments",
            json={"environments": ["staging"]},
        )
        assert (response.status_code, response.content) == (status, content)
        staging = client.get(f"/projects/{fp.project_id}/prompt-templates/all/staging").json()
        assert [t["prompt_template_version_id"] for t in staging["prompt_templates"]] == [vid]


# --- --decorate-responses ------------------------------------------------------------------------


def assert_decorated_template(template: dict[str, Any]) -> None:
    assert template["format_version"] == 3
    assert template["created_at"] == STAMP
    assert not template["metadata"].get("provider_info")  # it would change what is sent
    assert template["metadata"]["deployment"] == {"tier": "standard", "fallback_models": []}
    for i, message in enumerate(template.get("content", [])):
        assert message["message_id"] == f"msg_{i}"
    for tool in template.get("tool_schema") or []:
        assert tool == TOOL  # a tool key (strict) would change what is sent


def test_every_decorated_response_validates() -> None:
    with running_emulator(decorate_responses=True) as fp, fp.client() as client:
        base = f"/projects/{fp.project_id}/prompt-templates"
        created = create(fp, client)
        assert_decorated_template(created)
        assert created["content"][1] == {
            "kind": "history",
            "message_id": "msg_1",
            "annotations": {"source": "emulator"},
        }
        tid, vid = created["prompt_template_id"], created["prompt_template_version_id"]
        version = f"{base}/id/{tid}/versions/{vid}"
        bodies = [
            created,
            check(client.get(f"{base}/all/prod"), "GET", f"{T}/all/{{environment}}", 200),
            check(client.get(f"{base}/name/t"), "GET", f"{T}/name/{{name}}", 200),
            check(client.get(f"{base}/id/{tid}"), "GET", f"{T}/id/{{template_id}}", 200),
            check(client.get(base), "GET", T, 200),
            check(
                client.get(f"{base}/id/{tid}/versions"),
                "GET",
                f"{T}/id/{{template_id}}/versions",
                200,
            ),
            check(client.get(version), "GET", V, 200),
            check(client.get("/environments"), "GET", "/api/v2/environments", 200),
            check(client.get("/projects/all"), "GET", "/api/v2/projects/all", 200),
            check(
                client.post(f"{version}/environments", json={"environments": ["dev"]}),
                "POST",
                f"{V}/environments",
                200,
            ),
        ]
        for body in bodies:
            assert {k: body[k] for k in TOP_LEVEL} == TOP_LEVEL
        listed = bodies[1]["prompt_templates"][0]
        assert listed["updated_at"] == STAMP
        assert_decorated_template(listed)
        assert_decorated_template(bodies[2])
        assert bodies[4]["pagination"] == {
            "page": 1,
            "page_size": 30,
            "has_next": False,
            "next_page": None,
        }
        assert bodies[4]["data"][0]["updated_at"] == STAMP
        assert_decorated_template(bodies[5]["data"][0])

        variables = {"tone": "brief", "question": "Why?"}
        bound = check(
            client.post(f"{base}/name/t", json=variables), "POST", f"{T}/name/{{name}}", 200
        )
        assert_decorated_template(bound)
        assert bound["bound_content"][1] == {"role": "user", "content": "Why?"}
        formatted = check(
            client.post(f"{base}/name/t", params={"format": "true"}, json=variables),
            "POST",
            f"{T}/name/{{name}}",
            200,
        )
        assert_decorated_template(formatted)
        # Provider-ready payloads are what the provider accepts: left as they are.
        assert formatted["formatted_tool_schema"] == [{"type": "function", "function": TOOL}]

        error = client.get(f"{base}/all/qa")
        assert (error.status_code, error.json()) == (
            400,
            {"message": "Environment 'qa' does not exist", **TOP_LEVEL},
        )
        # Deterministic: the same request, the same bytes.
        assert client.get(f"{base}/all/prod").content == client.get(f"{base}/all/prod").content


def test_plain_cache_is_per_emulator(tmp_path: Path) -> None:
    # Two emulators in one process on one database see the same version ids: a cache shared
    # between them would hand one the other's serialization.
    db = tmp_path / "shared.sqlite"
    with (
        running_emulator(db) as tidy,
        running_emulator(db, decorate_responses=True) as loose,
        tidy.client() as tidy_client,
        loose.client() as loose_client,
    ):
        create(tidy, tidy_client)
        path = f"/projects/{tidy.project_id}/prompt-templates/all/prod"
        for first, second, expected in (
            (tidy_client, loose_client, 2),
            (loose_client, tidy_client, 3),
        ):
            first.get(path)
            assert first.get(path).json()["prompt_templates"][0]["format_version"] == expected
            assert second.get(path).json()["prompt_templates"][0]["format_version"] == 5 - expected


def test_readings_flags_of_the_command() -> None:
    args = ("--db", ":memory:", "--error-key", "error", "--env-update-reply", "empty-204")
    with emulator_subprocess(*args, "--decorate-responses") as (_proc, url):
        headers = {"Authorization": "Bearer promptsync-emulator"}
        project = "8f93dd00-2eb5-4ba2-9354-86d5c6831dfd"
        with httpx.Client(base_url=f"{url}/api/v2/projects/{project}", headers=headers) as client:
            created = client.post(
                "/prompt-templates/name/t/versions",
                params={"create_template_if_not_exists": "true"},
                json=BODY,
            ).json()
            assert created["format_version"] == 3
            tid, vid = created["prompt_template_id"], created["prompt_template_version_id"]
            deployed = client.post(
                f"/prompt-templates/id/{tid}/versions/{vid}/environments",
                json={"environments": ["dev"]},
            )
            assert (deployed.status_code, deployed.content) == (204, b"")
            assert client.get("/prompt-templates/all/qa").json() == {
                "error": "Environment 'qa' does not exist",
                **TOP_LEVEL,
            }
