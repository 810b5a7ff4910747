"""The fake GitHub's shared behaviour over a real socket: credentials, permissions, rate limits,
unknown routes and the request record."""

from __future__ import annotations

import time

import httpx
import pytest

from tests.fakegithub import READ_TOKEN, RunningFakeGitHub, running_fake_github

REF = {"ref": "refs/heads/feature", "sha": ""}


def head(gh: RunningFakeGitHub) -> str:
    return gh.state.branches("octo/prompts")["main"]


def test_bearer_and_token_schemes_are_accepted(github_api: RunningFakeGitHub) -> None:
    with httpx.Client(base_url=github_api.url) as raw:
        for scheme in ("Bearer", "token"):
            answer = raw.get(
                "/repos/octo/prompts", headers={"Authorization": f"{scheme} {github_api.token}"}
            )
            assert answer.status_code == 200
            assert answer.json()["default_branch"] == "main"
            assert answer.json()["full_name"] == "octo/prompts"


def test_unknown_or_missing_token_is_401(github_api: RunningFakeGitHub) -> None:
    with github_api.client("ghs_nobody") as client:
        answer = client.get("/repos/octo/prompts")
    assert answer.status_code == 401
    assert answer.json()["message"] == "Bad credentials"
    assert answer.json()["documentation_url"].startswith("https://docs.github.com/")
    with httpx.Client(base_url=github_api.url) as raw:
        answer = raw.get("/repos/octo/prompts")
    assert answer.status_code == 401
    assert answer.json()["message"] == "Requires authentication"
    assert [status for _, _, status in github_api.state.calls()] == [401, 401]


def test_token_without_contents_write_is_403_on_writes_only(
    github_api: RunningFakeGitHub,
) -> None:
    with github_api.client(READ_TOKEN) as client:
        assert client.get("/repos/octo/prompts/git/ref/heads/main").status_code == 200
        answer = client.post("/repos/octo/prompts/git/refs", json={**REF, "sha": head(github_api)})
    assert answer.status_code == 403
    assert answer.json()["message"] == "Resource not accessible by integration"
    assert "feature" not in github_api.state.branches("octo/prompts")


def test_permissions_are_checked_per_scope(github_api: RunningFakeGitHub) -> None:
    github_api.state.add_token("ghs_contents", {"contents": "write"})
    github_api.state.add_pull("octo/prompts", "feature", number=3)
    with github_api.client("ghs_contents") as client:
        assert client.post("/repos/octo/prompts/git/blobs", json={"content": "x"}).is_success
        assert client.get("/repos/octo/prompts/pulls").status_code == 403
        assert client.get("/repos/octo/prompts/issues/3/comments").status_code == 403
        assert client.get("/repos/octo/prompts/deployments").status_code == 403
        assert client.get("/repos/octo/prompts").status_code == 200  # metadata: always


def test_pull_request_comments_accept_issues_or_pull_requests_permission(
    github_api: RunningFakeGitHub,
) -> None:
    github_api.state.add_pull("octo/prompts", "feature", number=3)
    github_api.state.add_token("ghs_prs", {"pull-requests": "write"})
    github_api.state.add_token("ghs_issues", {"issues": "write"})
    for token in ("ghs_prs", "ghs_issues"):
        with github_api.client(token) as client:
            answer = client.post("/repos/octo/prompts/issues/3/comments", json={"body": token})
        assert answer.status_code == 201


def test_user_is_refused_to_an_installation_token(github_api: RunningFakeGitHub) -> None:
    github_api.state.add_token("ghp_personal", {}, login="octocat", installation=False)
    with github_api.client() as client:
        assert client.get("/user").status_code == 403
    with github_api.client("ghp_personal") as client:
        me = client.get("/user")
    assert me.status_code == 200
    assert me.json()["login"] == "octocat"
    assert me.json()["type"] == "User"


def test_normal_answers_carry_rate_limit_headers(github_api: RunningFakeGitHub) -> None:
    with github_api.client() as client:
        first = client.get("/repos/octo/prompts")
        second = client.get("/repos/octo/prompts")
    assert first.headers["x-ratelimit-limit"] == "5000"
    assert first.headers["x-ratelimit-resource"] == "core"
    remaining = int(first.headers["x-ratelimit-remaining"])
    assert int(second.headers["x-ratelimit-remaining"]) == remaining - 1
    assert int(second.headers["x-ratelimit-used"]) == 5000 - remaining + 1
    assert int(first.headers["x-ratelimit-reset"]) > time.time()


@pytest.mark.parametrize("status", [403, 429])
def test_primary_rate_limit(github_api: RunningFakeGitHub, status: int) -> None:
    github_api.state.rate_limit(2, status=status, reset_in=120)
    with github_api.client() as client:
        answers = [client.get("/repos/octo/prompts") for _ in range(3)]
    for answer in answers[:2]:
        assert answer.status_code == status
        assert answer.headers["x-ratelimit-remaining"] == "0"
        reset = int(answer.headers["x-ratelimit-reset"])
        assert time.time() + 100 < reset <= time.time() + 121
        assert "retry-after" not in answer.headers
        assert answer.json()["message"].startswith("API rate limit exceeded")
    assert answers[2].status_code == 200


@pytest.mark.parametrize("status", [403, 429])
def test_secondary_rate_limit(github_api: RunningFakeGitHub, status: int) -> None:
    github_api.state.rate_limit(secondary=True, status=status, retry_after=7)
    with github_api.client() as client:
        answer = client.get("/repos/octo/prompts")
    assert answer.status_code == status
    assert answer.headers["retry-after"] == "7"
    assert answer.headers["x-ratelimit-remaining"] != "0"
    assert "secondary rate limit" in answer.json()["message"]


def test_rate_limit_can_target_one_route(github_api: RunningFakeGitHub) -> None:
    github_api.state.rate_limit(secondary=True, match="POST /repos/octo/prompts/pulls")
    github_api.state.add_branch("octo/prompts", "feature")
    github_api.state.commit("octo/prompts", "feature", {"a.txt": "a"})
    pull = {"title": "t", "head": "feature", "base": "main"}
    with github_api.client() as client:
        assert client.get("/repos/octo/prompts/pulls").status_code == 200
        assert client.post("/repos/octo/prompts/pulls", json=pull).status_code == 403
        assert client.post("/repos/octo/prompts/pulls", json=pull).status_code == 201


def test_fail_knob_answers_a_server_error(github_api: RunningFakeGitHub) -> None:
    github_api.state.fail(status=502, message="Server Error")
    with github_api.client() as client:
        failed = client.get("/repos/octo/prompts")
        assert (failed.status_code, failed.json()["message"]) == (502, "Server Error")
        assert client.get("/repos/octo/prompts").status_code == 200


def test_unknown_routes_repositories_and_methods_are_404(github_api: RunningFakeGitHub) -> None:
    with github_api.client() as client:
        for method, path in [
            ("GET", "/repos/octo/prompts/actions/runs"),
            ("GET", "/repos/octo/missing"),
            ("GET", "/repos/octo/missing/pulls"),
            ("PUT", "/repos/octo/prompts/pulls"),
            ("GET", "/"),
        ]:
            answer = client.request(method, path)
            assert answer.status_code == 404, path
            assert answer.json()["message"] == "Not Found"


def test_bad_json_is_400(github_api: RunningFakeGitHub) -> None:
    with github_api.client() as client:
        answer = client.post("/repos/octo/prompts/git/blobs", content=b"{not json")
    assert answer.status_code == 400
    assert answer.json()["message"] == "Problems parsing JSON"


def test_every_request_is_recorded(github_api: RunningFakeGitHub) -> None:
    with github_api.client() as client:
        client.get("/repos/octo/prompts", params={"x": "1"})
        client.post("/repos/octo/prompts/git/blobs", json={"content": "hi"})
        client.get("/nowhere")
    assert github_api.state.calls() == [
        ("GET", "/repos/octo/prompts", 200),
        ("POST", "/repos/octo/prompts/git/blobs", 201),
        ("GET", "/nowhere", 404),
    ]
    first, second, _ = github_api.state.requests
    assert (first.query, first.token) == ("x=1", github_api.token)
    assert second.body == {"content": "hi"}
    assert github_api.state.calls("POST") == [("POST", "/repos/octo/prompts/git/blobs", 201)]


def test_api_root_can_be_the_bare_host() -> None:
    with running_fake_github(prefix="", repositories=["acme/one", "acme/two"]) as gh:
        assert gh.url.count("/") == 2  # http://127.0.0.1:PORT
        with gh.client() as client:
            assert client.get("/repos/acme/two").json()["full_name"] == "acme/two"
            assert client.get("/api/v3/repos/acme/two").status_code == 404
        assert gh.repository == "acme/one"
