"""Deployment and deployment status routes of the fake GitHub, over a real socket."""

from __future__ import annotations

from typing import Any

import httpx

from tests.fakegithub import READ_TOKEN, RunningFakeGitHub

API = "/repos/octo/prompts"


def deploy(client: httpx.Client, environment: str, **extra: Any) -> httpx.Response:
    body = {"ref": "main", "environment": environment, "auto_merge": False, **extra}
    return client.post(f"{API}/deployments", json={**body, "required_contexts": []})


def test_a_deployment_and_its_statuses(github_api: RunningFakeGitHub) -> None:
    with github_api.client() as client:
        made = deploy(
            client,
            "prod",
            description="promptsync apply",
            payload={"project": "app"},
            production_environment=True,
        )
        assert made.status_code == 201
        deployment = made.json()
        assert deployment["sha"] == github_api.state.branches("octo/prompts")["main"]
        assert (deployment["ref"], deployment["task"]) == ("main", "deploy")
        assert (deployment["environment"], deployment["original_environment"]) == ("prod", "prod")
        assert deployment["payload"] == {"project": "app"}
        assert deployment["production_environment"] is True
        assert deployment["transient_environment"] is False
        assert deployment["creator"]["login"] == "github-actions[bot]"
        statuses_url = f"{API}/deployments/{deployment['id']}/statuses"
        assert deployment["statuses_url"] == github_api.url + statuses_url
        status = {
            "state": "success",
            "environment_url": "https://app.freeplay.ai/projects/p",
            "log_url": "https://github.com/octo/prompts/actions/runs/1",
            "description": "3 prompts deployed",
        }
        created = client.post(statuses_url, json={"state": "in_progress"})
        assert created.status_code == 201
        done = client.post(statuses_url, json=status)
        assert done.status_code == 201
        assert done.json()["environment_url"] == status["environment_url"]
        assert done.json()["target_url"] == status["log_url"]
        assert done.json()["deployment_url"] == deployment["url"]
        listed = client.get(statuses_url).json()
        assert [s["state"] for s in listed] == ["success", "in_progress"]  # newest first
        assert client.get(f"{API}/deployments/{deployment['id']}").json()["id"] == deployment["id"]
        assert client.get(f"{API}/deployments/999").status_code == 404
    [stored] = github_api.state.deployments("octo/prompts", "prod")
    assert stored.state == "success"


def test_defaults_are_github_s(github_api: RunningFakeGitHub) -> None:
    with github_api.client() as client:
        made = client.post(f"{API}/deployments", json={"ref": "main"}).json()
    assert (made["environment"], made["task"], made["payload"]) == ("production", "deploy", {})
    assert made["production_environment"] is True


def test_deployments_are_listed_newest_first_and_filtered(github_api: RunningFakeGitHub) -> None:
    with github_api.client() as client:
        for environment in ("staging", "prod", "staging"):
            assert deploy(client, environment).status_code == 201
        every = client.get(f"{API}/deployments").json()
        staging = client.get(f"{API}/deployments", params={"environment": "staging"}).json()
    assert [d["environment"] for d in every] == ["staging", "prod", "staging"]
    assert every[0]["id"] > every[-1]["id"]
    assert [d["id"] for d in staging] == [every[0]["id"], every[2]["id"]]


def test_bad_deployments_are_refused(github_api: RunningFakeGitHub) -> None:
    github_api.state.add_branch("octo/prompts", "old")
    github_api.state.commit("octo/prompts", "main", {"a": "new on main"})
    with github_api.client() as client:
        unknown = client.post(f"{API}/deployments", json={"ref": "nope"})
        assert (unknown.status_code, unknown.json()["message"]) == (422, "No ref found for: nope")
        contexts = client.post(
            f"{API}/deployments", json={"ref": "main", "required_contexts": ["ci"]}
        )
        assert contexts.status_code == 409
        behind = client.post(f"{API}/deployments", json={"ref": "old", "required_contexts": []})
        assert behind.status_code == 409
        assert "Conflict merging main into old" in behind.json()["message"]
        body = {"ref": "old", "required_contexts": [], "auto_merge": False}
        assert client.post(f"{API}/deployments", json=body).status_code == 201
        made = deploy(client, "prod").json()
        url = f"{API}/deployments/{made['id']}/statuses"
        assert client.post(url, json={"state": "deployed"}).status_code == 422
        long = client.post(url, json={"state": "success", "description": "x" * 141})
        assert long.status_code == 422


def test_auto_inactive_retires_earlier_successes(github_api: RunningFakeGitHub) -> None:
    with github_api.client() as client:
        ids = [deploy(client, "staging", production_environment=False).json()["id"] for _ in "ab"]
        kept = deploy(client, "staging", production_environment=False).json()["id"]
        prod = [deploy(client, "prod", production_environment=True).json()["id"] for _ in "ab"]
        for made in [*ids, *prod]:
            client.post(f"{API}/deployments/{made}/statuses", json={"state": "success"})
        client.post(
            f"{API}/deployments/{kept}/statuses", json={"state": "success", "auto_inactive": False}
        )
    states = {d.id: d.state for d in github_api.state.deployments("octo/prompts")}
    assert states == {
        ids[0]: "inactive",
        ids[1]: "success",
        kept: "success",
        prod[0]: "success",  # production environments are left alone
        prod[1]: "success",
    }


def test_deployments_need_the_deployments_permission(github_api: RunningFakeGitHub) -> None:
    github_api.state.add_token("ghs_no_deploy", {"contents": "write", "pull-requests": "write"})
    with github_api.client("ghs_no_deploy") as client:
        refused = deploy(client, "prod")
    assert refused.status_code == 403
    assert refused.json()["message"] == "Resource not accessible by integration"
    with github_api.client(READ_TOKEN) as client:
        assert client.get(f"{API}/deployments").status_code == 200
        assert deploy(client, "prod").status_code == 403
    assert github_api.state.deployments("octo/prompts") == []
