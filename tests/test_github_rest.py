"""promptsync's GitHub REST calls against the fake GitHub over a real socket: branches through the
git data API, pull requests, deployments, comments in parts, refused permissions, rate limits."""

from __future__ import annotations

import pytest

from promptsync.github.branches import commit_to_branch, default_branch
from promptsync.github.deployments import record_deployment
from promptsync.github.pulls import propose
from promptsync.github.rest import GitHub, GitHubError, permission_hint, rate_limit_wait
from tests.fakegithub import READ_TOKEN, RunningFakeGitHub

REPO = "octo/prompts"

# --- pure parts --------------------------------------------------------------------------------


def test_rate_limit_waits() -> None:
    now = 1_000.0
    assert rate_limit_wait(403, {"retry-after": "7"}, "", now) == 7.0
    assert rate_limit_wait(429, {"retry-after": "0"}, "", now) == 0.0
    primary = {"x-ratelimit-remaining": "0", "x-ratelimit-reset": "1030"}
    assert rate_limit_wait(403, primary, "API rate limit exceeded", now) == 31.0
    assert rate_limit_wait(429, {}, "", now) == 60.0
    assert rate_limit_wait(403, {}, "You have exceeded a secondary rate limit.", now) == 60.0
    assert (
        rate_limit_wait(403, {"x-ratelimit-remaining": "4999"}, "Resource not accessible", now)
        is None
    )
    assert rate_limit_wait(404, {"retry-after": "5"}, "", now) is None


def test_permission_hints_name_the_permission() -> None:
    assert permission_hint("POST", "/repos/o/r/git/trees", 403) == (
        " — the token needs `contents: write`; give the workflow `permissions: contents: write`"
    )
    assert "`pull-requests: write`" in permission_hint("POST", "/repos/o/r/pulls", 403)
    assert "Settings → Actions → General" in permission_hint("POST", "/repos/o/r/pulls", 403)
    assert "`deployments: write`" in permission_hint("POST", "/repos/o/r/deployments", 403)
    assert "`contents: read`" in permission_hint("GET", "/repos/o/r/git/ref/heads/main", 403)
    assert permission_hint("POST", "/repos/o/r/git/trees", 422) == ""
    assert permission_hint("GET", "/user", 401) == " — check the github-token input"


# --- against the fake --------------------------------------------------------------------------


def client(api: RunningFakeGitHub, token: str | None = None, **kw: object) -> GitHub:
    return GitHub(api.url, token or api.token, **kw)  # type: ignore[arg-type]


def test_commit_to_branch_creates_moves_and_leaves_alone(github_api: RunningFakeGitHub) -> None:
    state = github_api.state
    state.commit(REPO, "main", {"app/prompts/a.yaml": "old\n", "app/prompts/b.yaml": "gone\n"})
    with client(github_api) as gh:
        assert default_branch(gh, REPO) == "main"
        files = {
            "app/prompts/a.yaml": "new\n",
            "app/prompts/b.yaml": None,
            "app/prompts/c.yaml": "c\n",
        }
        first = commit_to_branch(gh, REPO, "main", "promptsync/drift/app", files, "drift")
        assert first.outcome == "created"
        assert state.files(REPO, "promptsync/drift/app") == {
            "app/prompts/a.yaml": "new\n",
            "app/prompts/c.yaml": "c\n",
        }
        assert state.history(REPO, "promptsync/drift/app")[1].sha == state.branches(REPO)["main"]
        again = commit_to_branch(gh, REPO, "main", "promptsync/drift/app", files, "drift")
        assert again.outcome == "unchanged"
        assert again.sha == first.sha
        # main moves on: the branch is rebuilt on top of it (a force-move, one commit ahead)
        state.commit(REPO, "main", {"README.md": "hi\n"})
        moved = commit_to_branch(gh, REPO, "main", "promptsync/drift/app", files, "drift")
        assert moved.outcome == "updated"
        assert state.files(REPO, "promptsync/drift/app")["README.md"] == "hi\n"
        assert (
            len(state.history(REPO, "promptsync/drift/app")) == len(state.history(REPO, "main")) + 1
        )


def test_a_token_without_contents_write_is_named(github_api: RunningFakeGitHub) -> None:
    with client(github_api, READ_TOKEN) as gh, pytest.raises(GitHubError) as caught:
        commit_to_branch(gh, REPO, "main", "promptsync/drift/app", {"a.yaml": "a"}, "drift")
    assert str(caught.value) == (
        f"GitHub POST /repos/{REPO}/git/trees: 403 Resource not accessible by integration — the"
        " token needs `contents: write`; give the workflow `permissions: contents: write`"
    )
    assert READ_TOKEN not in str(caught.value)


def test_propose_creates_then_updates_one_pull_request(github_api: RunningFakeGitHub) -> None:
    with client(github_api) as gh:
        commit_to_branch(gh, REPO, "main", "promptsync/drift/app", {"a.yaml": "a"}, "drift")
        made = propose(gh, REPO, "promptsync/drift/app", "main", "Drift", "body 1", draft=True)
        assert made.outcome == "created"
        same = propose(gh, REPO, "promptsync/drift/app", "main", "Drift", "body 1", draft=True)
        assert (same.number, same.outcome) == (made.number, "unchanged")
        newer = propose(gh, REPO, "promptsync/drift/app", "main", "Drift", "body 2", draft=True)
        assert (newer.number, newer.outcome) == (made.number, "updated")
    [pull] = github_api.state.pulls(REPO)
    assert (pull.body, pull.draft, pull.head, pull.base) == (
        "body 2",
        True,
        "promptsync/drift/app",
        "main",
    )


def test_deployment_and_its_status(github_api: RunningFakeGitHub) -> None:
    sha = github_api.state.branches(REPO)["main"]
    with client(github_api) as gh:
        record_deployment(
            gh,
            REPO,
            sha=sha,
            environment="prod",
            description="x" * 200,
            succeeded=True,
            log_url="https://github.com/octo/prompts/actions/runs/1",
            payload={"project": "."},
        )
    [made] = github_api.state.deployments(REPO, "prod")
    assert (made.sha, made.state, made.task, made.payload) == (
        sha,
        "success",
        "deploy:prompts",
        {"project": "."},
    )
    assert made.description is not None
    assert len(made.description) == 140
    assert made.statuses[-1].log_url == "https://github.com/octo/prompts/actions/runs/1"


def test_comment_parts_grow_shrink_and_touch_only_their_own(github_api: RunningFakeGitHub) -> None:
    state = github_api.state
    state.add_pull(REPO, "feature")
    state.add_comment(REPO, 1, "quoting <!-- promptsync:plan all part 2 -->", "octocat")
    with client(github_api) as gh:
        assert gh.comment_parts(REPO, 1, "plan all", ["one", "two", "three"]) == "3 created"
        assert (
            gh.comment_parts(REPO, 1, "plan all", ["one", "TWO", "three"])
            == "1 updated, 2 unchanged"
        )
        assert gh.comment_parts(REPO, 1, "plan all", ["uno"]) == "1 updated, 2 deleted"
    bodies = [(c.user, c.body) for c in state.comments(REPO, 1)]
    assert bodies == [
        ("octocat", "quoting <!-- promptsync:plan all part 2 -->"),
        ("github-actions[bot]", "<!-- promptsync:plan all part 1 -->\nuno"),
    ]


def test_secondary_rate_limit_is_waited_out(github_api: RunningFakeGitHub) -> None:
    github_api.state.rate_limit(2, secondary=True, retry_after=3, match="POST /repos")
    slept: list[float] = []
    with client(github_api, sleep=slept.append) as gh:
        commit_to_branch(gh, REPO, "main", "promptsync/drift/app", {"a.yaml": "a"}, "drift")
    assert slept == [3.0, 3.0]
    assert github_api.state.files(REPO, "promptsync/drift/app")["a.yaml"] == "a"


def test_primary_rate_limit_waits_for_the_reset(github_api: RunningFakeGitHub) -> None:
    github_api.state.rate_limit(1, status=429, reset_in=5)
    slept: list[float] = []
    with client(github_api, sleep=slept.append) as gh:
        assert default_branch(gh, REPO) == "main"
    assert len(slept) == 1
    assert 4.0 <= slept[0] <= 7.0


def test_a_rate_limit_longer_than_the_bound_fails_in_one_line(
    github_api: RunningFakeGitHub,
) -> None:
    github_api.state.rate_limit(1, secondary=True, retry_after=600)
    slept: list[float] = []
    with client(github_api, sleep=slept.append) as gh, pytest.raises(GitHubError) as caught:
        default_branch(gh, REPO)
    assert slept == []
    assert str(caught.value) == (
        f"GitHub GET /repos/{REPO}: 403 rate limited — GitHub asks to wait 600 s, more than this"
        " run waits (60 s in all); run it again later"
    )


def test_server_errors_on_reads_are_retried(github_api: RunningFakeGitHub) -> None:
    github_api.state.fail(2, status=502, match="GET /repos")
    slept: list[float] = []
    with client(github_api, sleep=slept.append) as gh:
        assert default_branch(gh, REPO) == "main"
    assert slept == [1, 2]
