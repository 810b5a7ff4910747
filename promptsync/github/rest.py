"""GitHub I/O for the Action: the sticky PR comment (REST), the step summary and step outputs."""

from __future__ import annotations

import secrets
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import httpx

from promptsync import __version__
from promptsync.errors import PromptsyncError

BOT_LOGIN = "github-actions[bot]"
COMMENT_LIMIT = 65_536


class GitHubError(PromptsyncError):
    pass


class GitHub:
    """The few REST calls promptsync needs, against GITHUB_API_URL (GitHub Enterprise too)."""

    def __init__(
        self, api_url: str, token: str, transport: httpx.BaseTransport | None = None
    ) -> None:
        self._http = httpx.Client(
            base_url=api_url.rstrip("/"),
            timeout=30,
            transport=transport,
            headers={
                "Authorization": f"Bearer {token}",
                "Accept": "application/vnd.github+json",
                "X-GitHub-Api-Version": "2022-11-28",
                "User-Agent": f"promptsync/{__version__}",
            },
        )

    def close(self) -> None:
        self._http.close()

    def __enter__(self) -> GitHub:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def _call(self, method: str, url: str, body: Any = None) -> httpx.Response:
        try:
            response = self._http.request(method, url, json=body)
        except httpx.TransportError as exc:
            raise GitHubError(
                f"GitHub {method} {url}: network error ({type(exc).__name__})"
            ) from None
        if response.status_code < 400:
            return response
        try:
            message = str(response.json().get("message", ""))
        except ValueError:
            message = response.reason_phrase
        hint = ""
        if response.status_code == 403:
            hint = (
                " — the token cannot write pull-request comments; give the workflow"
                " `permissions: pull-requests: write` (pull requests from forks only get a"
                " read-only token)"
            )
        elif response.status_code == 401:
            hint = " — check the github-token input"
        raise GitHubError(f"GitHub {method} {url}: {response.status_code} {message}{hint}")

    def own_login(self) -> str:
        """Who the token acts as: a user or app for personal tokens, the Actions bot otherwise."""
        try:
            response = self._http.get("/user")
        except httpx.TransportError:
            return BOT_LOGIN
        if response.status_code == 200:
            return str(response.json().get("login") or BOT_LOGIN)
        return BOT_LOGIN  # GITHUB_TOKEN may not read /user

    def _comments(self, repo: str, number: int) -> list[dict[str, Any]]:
        comments: list[dict[str, Any]] = []
        url: str | None = f"/repos/{repo}/issues/{number}/comments?per_page=100"
        while url:
            response = self._call("GET", url)
            comments += response.json()
            url = response.links.get("next", {}).get("url")
        return comments

    def upsert_comment(self, repo: str, number: int, marker: str, body: str) -> str:
        """Update this bot's comment carrying `marker`, or create one. Returns what it did."""
        me = self.own_login()
        mine = [
            c
            for c in self._comments(repo, number)
            if marker in (c.get("body") or "") and (c.get("user") or {}).get("login") == me
        ]
        if mine:
            self._call("PATCH", f"/repos/{repo}/issues/comments/{mine[0]['id']}", {"body": body})
            return "updated"
        self._call("POST", f"/repos/{repo}/issues/{number}/comments", {"body": body})
        return "created"


def write_outputs(path: str, outputs: Mapping[str, str]) -> None:
    """Append step outputs, each in the multi-line-safe `name<<DELIMITER` form."""
    with Path(path).open("a", encoding="utf-8") as out:
        for name, value in outputs.items():
            delimiter = f"ghadelimiter_{secrets.token_hex(16)}"
            while delimiter in value:  # pragma: no cover - 128 random bits
                delimiter = f"ghadelimiter_{secrets.token_hex(16)}"
            out.write(f"{name}<<{delimiter}\n{value}\n{delimiter}\n")


def append_summary(path: str, markdown: str) -> None:
    with Path(path).open("a", encoding="utf-8") as out:
        out.write(markdown.rstrip("\n") + "\n")
