"""What one repository holds besides git objects: pull requests, comments, deployments; and the
tokens, queued failures and request record the server consults for every call."""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import Any, NamedTuple

BOT_LOGIN = "github-actions[bot]"
BOT_EMAIL = "41898282+github-actions[bot]@users.noreply.github.com"
LEVELS = {"none": 0, "read": 1, "write": 2}
# What a workflow's GITHUB_TOKEN holds with `permissions: write-all` (the scopes the fake checks).
WRITE_ALL = {
    "contents": "write",
    "pull-requests": "write",
    "issues": "write",
    "deployments": "write",
}
RATE_LIMIT = 5000
DOCS = "https://docs.github.com/rest"


@dataclass
class Token:
    """A token's permissions, by GitHub App permission name (contents, pull-requests, issues,
    deployments), each "read" or "write". `installation` tokens (GITHUB_TOKEN, app tokens)
    cannot read GET /user; personal tokens can."""

    permissions: dict[str, str]
    login: str = BOT_LOGIN
    installation: bool = True

    def allows(self, scopes: tuple[str, ...], level: str) -> bool:
        """Any of `scopes` at `level` or above (GitHub accepts issues or pull-requests for a
        pull request's comments); "metadata" is read-only and always granted."""
        if not scopes:
            return True
        return any(LEVELS[self.permissions.get(s, "none")] >= LEVELS[level] for s in scopes)


@dataclass
class PullRequest:
    number: int
    id: int
    title: str
    body: str | None
    head: str  # branch names, in the same repository
    base: str
    user: str
    draft: bool
    created_at: str
    updated_at: str
    state: str = "open"
    closed_at: str | None = None


@dataclass
class Comment:
    id: int
    number: int  # the issue or pull request it is on
    body: str
    user: str
    created_at: str
    updated_at: str


@dataclass
class DeploymentStatus:
    id: int
    state: str
    description: str
    environment: str
    environment_url: str
    log_url: str
    target_url: str
    creator: str
    created_at: str


@dataclass
class Deployment:
    id: int
    sha: str
    ref: str
    task: str
    payload: Any
    environment: str
    original_environment: str
    description: str | None
    creator: str
    transient_environment: bool
    production_environment: bool
    created_at: str
    updated_at: str
    statuses: list[DeploymentStatus] = field(default_factory=list)

    @property
    def state(self) -> str | None:
        return self.statuses[-1].state if self.statuses else None


class RecordedRequest(NamedTuple):
    """One request as the server saw it; `path` is relative to the API root."""

    method: str
    path: str
    status: int
    query: str
    token: str | None
    body: Any


@dataclass(frozen=True)
class Failure:
    """A canned answer for the next request (whose "METHOD /path" contains `match`, if set)."""

    status: int
    body: dict[str, Any]
    headers: dict[str, str]
    match: str | None = None


def rate_limited(
    *,
    secondary: bool,
    status: int,
    retry_after: int | None,
    reset_in: int,
    used: int,
    match: str | None,
) -> Failure:
    """GitHub's answer when a rate limit is hit. Primary: x-ratelimit-remaining 0 and the reset
    time. Secondary: a retry-after header (and the ordinary x-ratelimit-* headers)."""
    reset = str(int(time.time()) + reset_in)
    headers = {
        "x-ratelimit-limit": str(RATE_LIMIT),
        "x-ratelimit-remaining": str(max(RATE_LIMIT - used, 1)) if secondary else "0",
        "x-ratelimit-used": str(used) if secondary else str(RATE_LIMIT),
        "x-ratelimit-reset": reset,
        "x-ratelimit-resource": "core",
    }
    if secondary:
        headers["retry-after"] = str(60 if retry_after is None else retry_after)
        message = (
            "You have exceeded a secondary rate limit. Please wait a few minutes before you try"
            " again. If you reach out to GitHub Support for help, please include the request ID"
            " 0000:0000:0000000:0000000:00000000."
        )
        docs = f"{DOCS}/overview/rate-limits-for-the-rest-api#about-secondary-rate-limits"
    else:
        if retry_after is not None:
            headers["retry-after"] = str(retry_after)
        message = "API rate limit exceeded for installation ID 1."
        docs = f"{DOCS}/overview/rate-limits-for-the-rest-api"
    body = {"message": message, "documentation_url": docs, "status": str(status)}
    return Failure(status, body, headers, match)
