"""Pull requests: the one open pull request from a branch, created or its body updated."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode

from promptsync.github.rest import GitHub, GitHubError


@dataclass(frozen=True)
class PullRequest:
    number: int
    url: str
    outcome: str  # "created", "updated", "unchanged"


def open_pull(github: GitHub, repo: str, branch: str, base: str) -> dict[str, Any] | None:
    """The open pull request from `branch` (of this repository) into `base`, if any."""
    owner = repo.split("/", maxsplit=1)[0]
    query = urlencode({"state": "open", "head": f"{owner}:{branch}", "base": base})
    found = github.call("GET", f"/repos/{repo}/pulls?{query}").json()
    return found[0] if found else None


def propose(
    github: GitHub, repo: str, branch: str, base: str, title: str, body: str, *, draft: bool
) -> PullRequest:
    """Open a pull request from `branch` into `base`, or update the open one's title and body."""
    found = open_pull(github, repo, branch, base)
    if found is not None:
        number = int(found["number"])
        if (found.get("title"), found.get("body")) == (title, body):
            return PullRequest(number, str(found.get("html_url", "")), "unchanged")
        github.call("PATCH", f"/repos/{repo}/pulls/{number}", {"title": title, "body": body})
        return PullRequest(number, str(found.get("html_url", "")), "updated")
    wanted = {"title": title, "head": branch, "base": base, "body": body, "draft": draft}
    try:
        made = github.call("POST", f"/repos/{repo}/pulls", wanted).json()
    except GitHubError as exc:
        if not (draft and "draft" in str(exc).lower()):
            raise
        # Draft pull requests are not available on every plan: open a ready one instead.
        made = github.call("POST", f"/repos/{repo}/pulls", {**wanted, "draft": False}).json()
    return PullRequest(int(made["number"]), str(made.get("html_url", "")), "created")
