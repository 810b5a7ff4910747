"""Both readings of Freeplay's create-version dedup, told apart by a revert to older content."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from promptsync.emulator import emulator_subprocess, running_emulator
from promptsync.emulator.readings import Dedup
from tests.emulator.openapi import check

T = "/api/v2/projects/{project_id}/prompt-templates"
PROJECT = "8f93dd00-2eb5-4ba2-9354-86d5c6831dfd"


def body(text: str, **fields: Any) -> dict[str, Any]:
    return {
        "template_messages": [{"role": "user", "content": text}],
        "provider": "openai",
        "model": "gpt-4o",
        **fields,
    }


class Remote:
    """Create versions of template `t` and read where environments point."""

    def __init__(self, client: httpx.Client, project_id: str) -> None:
        self.client = client
        self.base = f"/projects/{project_id}/prompt-templates"

    def create(self, text: str, **fields: Any) -> str:
        response = self.client.post(
            f"{self.base}/name/t/versions",
            params={"create_template_if_not_exists": "true"},
            json=body(text, **fields),
        )
        created = check(response, "POST", f"{T}/name/{{template_name}}/versions", 201)
        return str(created["prompt_template_version_id"])

    def deployed(self, env: str) -> str | None:
        templates = self.client.get(f"{self.base}/all/{env}").json()["prompt_templates"]
        return templates[0]["prompt_template_version_id"] if templates else None

    def version_count(self) -> int:
        template = self.client.get(f"{self.base}").json()["data"][0]
        versions = self.client.get(f"{self.base}/id/{template['id']}/versions").json()
        return len(versions["data"])


@pytest.fixture(params=["target-environments", "any-version"])
def remote(request: pytest.FixtureRequest) -> Iterator[tuple[Dedup, Remote]]:
    dedup: Dedup = request.param
    with running_emulator(dedup=dedup) as fp, fp.client() as client:
        yield dedup, Remote(client, fp.project_id)


def test_revert_to_older_content_in_an_environment(remote: tuple[Dedup, Remote]) -> None:
    dedup, fp = remote
    a = fp.create("A", environments=["prod"])
    b = fp.create("B", environments=["prod"])
    reverted = fp.create("A", environments=["prod"])
    if dedup == "any-version":
        assert reverted == a
        assert fp.version_count() == 2
        assert fp.deployed("latest") == b  # latest stays the newest version
    else:
        assert reverted not in (a, b)
        assert fp.version_count() == 3
        assert fp.deployed("latest") == reverted
    assert fp.deployed("prod") == reverted


def test_revert_without_environments(remote: tuple[Dedup, Remote]) -> None:
    dedup, fp = remote
    a = fp.create("A")
    b = fp.create("B")
    reverted = fp.create("A")
    assert (reverted == a) is (dedup == "any-version")
    assert fp.deployed("latest") == (b if dedup == "any-version" else reverted)
    assert fp.deployed("prod") is None


def test_undeployed_older_version_is_reused_only_under_any_version(
    remote: tuple[Dedup, Remote],
) -> None:
    dedup, fp = remote
    a = fp.create("A")
    fp.create("B", environments=["prod"])
    staged = fp.create("A", environments=["staging"])
    assert (staged == a) is (dedup == "any-version")
    assert fp.deployed("staging") == staged


def test_both_readings_agree_on_the_compared_fields(remote: tuple[Dedup, Remote]) -> None:
    _dedup, fp = remote
    a = fp.create("A", environments=["prod"], version_name="v1")
    # Provider is not compared: a provider-only change reuses the version, in both readings.
    assert fp.create("A", environments=["prod"], provider="anthropic", version_name="v1") == a
    # A request without a name matches whatever name the version has.
    assert fp.create("A", environments=["prod"]) == a
    # Every other compared field makes a new version.
    for changed in (
        {"version_name": "v2"},
        {"version_description": "d"},
        {"model": "gpt-4.1"},
        {"llm_parameters": {"temperature": 0.5}},
        {"output_schema": {"type": "object"}},
        {"tool_schema": [{"name": "f", "description": "d", "parameters": {}}]},
    ):
        assert fp.create("A", environments=["dev"], **changed) != a, changed


def test_deleted_versions_are_not_reused() -> None:
    with running_emulator(dedup="any-version") as fp, fp.client() as client:
        remote = Remote(client, fp.project_id)
        a = remote.create("A")
        remote.create("B")
        template = client.get(remote.base).json()["data"][0]["id"]
        assert client.delete(f"{remote.base}/id/{template}/versions/{a}").status_code == 200
        assert remote.create("A") != a


def test_dedup_flag_of_the_command() -> None:
    with emulator_subprocess("--db", ":memory:", dedup="any-version") as (_proc, url):
        headers = {"Authorization": "Bearer promptsync-emulator"}
        with httpx.Client(base_url=f"{url}/api/v2", headers=headers) as client:
            remote = Remote(client, PROJECT)
            a = remote.create("A", environments=["prod"])
            remote.create("B", environments=["prod"])
            assert remote.create("A", environments=["prod"]) == a


def test_unknown_dedup_reading_is_refused() -> None:
    with (
        pytest.raises(ValueError, match="dedup must be one of target-environments, any-version"),
        running_emulator(dedup="sometimes"),  # type: ignore[call-overload]
    ):
        pass
