"""Pull request and issue comment routes of the fake GitHub, over a real socket."""

from __future__ import annotations

from promptsync.github.rest import GitHub
from tests.fakegithub import RunningFakeGitHub

API = "/repos/octo/prompts"
DRIFT = "promptsync/drift/app"


def drift_branch(gh: RunningFakeGitHub) -> None:
    gh.state.add_branch("octo/prompts", DRIFT)
    gh.state.commit("octo/prompts", DRIFT, {"p/a.yaml": "changed in the UI"})


def test_open_find_and_update_a_pull_request(github_api: RunningFakeGitHub) -> None:
    drift_branch(github_api)
    with github_api.client() as client:
        wanted = {"head": f"octo:{DRIFT}", "state": "open", "base": "main"}
        assert client.get(f"{API}/pulls", params=wanted).json() == []
        new = {"title": "Drift", "head": DRIFT, "base": "main", "body": "plan", "draft": True}
        opened = client.post(f"{API}/pulls", json=new)
        assert opened.status_code == 201
        pr = opened.json()
        assert (pr["number"], pr["state"], pr["draft"], pr["body"]) == (1, "open", True, "plan")
        assert pr["head"]["ref"] == DRIFT
        assert pr["head"]["label"] == f"octo:{DRIFT}"
        assert pr["head"]["sha"] == github_api.state.branches("octo/prompts")[DRIFT]
        assert pr["base"]["ref"] == "main"
        assert pr["html_url"] == "https://github.com/octo/prompts/pull/1"
        assert opened.headers["location"] == pr["url"]
        found = client.get(f"{API}/pulls", params=wanted).json()
        assert [p["number"] for p in found] == [1]
        edited = client.patch(f"{API}/pulls/1", json={"title": "Drift (2)", "body": "plan 2"})
        assert (edited.json()["title"], edited.json()["body"]) == ("Drift (2)", "plan 2")
        assert client.get(f"{API}/pulls/1").json()["body"] == "plan 2"
        assert client.get(f"{API}/pulls/9").status_code == 404
        closed = client.patch(f"{API}/pulls/1", json={"state": "closed"}).json()
        assert closed["state"] == "closed"
        assert closed["closed_at"] is not None
        assert client.get(f"{API}/pulls", params=wanted).json() == []
        every = client.get(f"{API}/pulls", params={"state": "all"}).json()
        assert [p["number"] for p in every] == [1]
    [pull] = github_api.state.pulls("octo/prompts")
    assert (pull.title, pull.state, pull.user) == ("Drift (2)", "closed", "github-actions[bot]")


def test_a_second_pull_request_for_the_same_head_is_422(github_api: RunningFakeGitHub) -> None:
    drift_branch(github_api)
    new = {"title": "Drift", "head": f"octo:{DRIFT}", "base": "main"}
    with github_api.client() as client:
        assert client.post(f"{API}/pulls", json=new).status_code == 201
        again = client.post(f"{API}/pulls", json=new)
    assert again.status_code == 422
    assert again.json()["message"] == "Validation Failed"
    [error] = again.json()["errors"]
    assert error["message"] == f"A pull request already exists for octo:{DRIFT}."
    assert len(github_api.state.pulls("octo/prompts")) == 1


def test_pull_requests_need_a_head_with_commits(github_api: RunningFakeGitHub) -> None:
    github_api.state.add_branch("octo/prompts", "same")
    with github_api.client() as client:
        empty = client.post(f"{API}/pulls", json={"title": "t", "head": "same", "base": "main"})
        assert empty.status_code == 422
        assert empty.json()["errors"][0]["message"] == "No commits between main and same"
        ghost = client.post(f"{API}/pulls", json={"title": "t", "head": "ghost", "base": "main"})
        assert ghost.status_code == 422
        assert ghost.json()["errors"][0]["field"] == "head"
        untitled = client.post(f"{API}/pulls", json={"head": "same", "base": "main"})
        assert untitled.status_code == 422


def test_head_filter_without_owner_is_ignored_as_on_github(github_api: RunningFakeGitHub) -> None:
    github_api.state.add_pull("octo/prompts", "one")
    github_api.state.add_pull("octo/prompts", "two")
    with github_api.client() as client:
        bare = client.get(f"{API}/pulls", params={"head": "one"}).json()
        owned = client.get(f"{API}/pulls", params={"head": "octo:one"}).json()
        other = client.get(f"{API}/pulls", params={"head": "someone:one"}).json()
    assert [p["head"]["ref"] for p in bare] == ["two", "one"]  # newest first
    assert [p["head"]["ref"] for p in owned] == ["one"]
    assert other == []


def test_comments_are_paginated_with_a_link_header(github_api: RunningFakeGitHub) -> None:
    github_api.state.add_pull("octo/prompts", "feature", number=7)
    for i in range(5):
        github_api.state.add_comment("octo/prompts", 7, f"comment {i}", "someone")
    with github_api.client() as client:
        first = client.get(f"{API}/issues/7/comments", params={"per_page": 2})
        assert [c["body"] for c in first.json()] == ["comment 0", "comment 1"]
        assert first.links["next"]["url"].startswith(github_api.url)
        assert "page=3" in first.links["last"]["url"]
        bodies, url = [], f"{API}/issues/7/comments?per_page=2"
        while url:
            page = client.get(url)
            bodies += [c["body"] for c in page.json()]
            url = page.links.get("next", {}).get("url", "")
        assert bodies == [f"comment {i}" for i in range(5)]
        assert "next" not in page.links
        assert client.get(f"{API}/issues/8/comments").status_code == 404


def test_comments_are_created_edited_and_deleted(github_api: RunningFakeGitHub) -> None:
    github_api.state.add_pull("octo/prompts", "feature", number=7)
    with github_api.client() as client:
        made = client.post(f"{API}/issues/7/comments", json={"body": "<!-- m -->\nplan"})
        assert made.status_code == 201
        comment = made.json()
        assert comment["user"]["login"] == "github-actions[bot]"
        assert comment["user"]["type"] == "Bot"
        assert comment["html_url"].endswith(f"/pull/7#issuecomment-{comment['id']}")
        url = f"{API}/issues/comments/{comment['id']}"
        edited = client.patch(url, json={"body": "<!-- m -->\nplan 2"})
        assert edited.status_code == 200
        assert client.get(url).json()["body"] == "<!-- m -->\nplan 2"
        assert client.delete(url).status_code == 204
        assert client.patch(url, json={"body": "x"}).status_code == 404
    assert github_api.state.comments("octo/prompts", 7) == []


def test_a_comment_over_65536_characters_is_refused(github_api: RunningFakeGitHub) -> None:
    github_api.state.add_pull("octo/prompts", "feature", number=7)
    with github_api.client() as client:
        refused = client.post(f"{API}/issues/7/comments", json={"body": "é" * 65_537})
        assert refused.status_code == 422
        assert refused.json()["message"] == "Validation Failed"
        [error] = refused.json()["errors"]
        assert error["field"] == "body"
        assert "maximum is 65536 characters" in error["message"]
        fits = client.post(f"{API}/issues/7/comments", json={"body": "é" * 65_536})
        assert fits.status_code == 201
        url = f"{API}/issues/comments/{fits.json()['id']}"
        assert client.patch(url, json={"body": "x" * 65_537}).status_code == 422
    assert [len(c.body) for c in github_api.state.comments("octo/prompts", 7)] == [65_536]


def test_the_action_sticky_comment_client_works_against_the_fake(
    github_api: RunningFakeGitHub,
) -> None:
    github_api.state.add_pull("octo/prompts", "feature", number=7)
    github_api.state.add_comment("octo/prompts", 7, "quoting <!-- m -->", "octocat")
    for i in range(120):
        github_api.state.add_comment("octo/prompts", 7, f"chatter {i}", "someone")
    with GitHub(github_api.url, github_api.token) as client:
        assert client.upsert_comment("octo/prompts", 7, "<!-- m -->", "<!-- m -->\none") == (
            "created"
        )
        assert client.upsert_comment("octo/prompts", 7, "<!-- m -->", "<!-- m -->\ntwo") == (
            "updated"
        )
    mine = [c for c in github_api.state.comments("octo/prompts", 7) if c.user != "someone"]
    assert [(c.user, c.body) for c in mine] == [
        ("octocat", "quoting <!-- m -->"),
        ("github-actions[bot]", "<!-- m -->\ntwo"),
    ]
    assert ("GET", "/user", 403) in github_api.state.calls()
