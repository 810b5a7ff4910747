"""GitHub I/O for the Action: the REST client (rate limits waited out within a bound, one-line
errors naming the permission a refused call needs), sticky PR comments (one, or in numbered
parts), the step summary and outputs. Branches, pull requests and deployments have their own
modules on this client."""

from __future__ import annotations

import re
import secrets
import time
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import Any

import httpx

from promptsync import __version__
from promptsync.errors import PromptsyncError

BOT_LOGIN = "github-actions[bot]"
COMMENT_LIMIT = 65_536


class GitHubError(PromptsyncError):
    pass


WAIT_LIMIT = 60.0  # seconds a run waits, in all, for GitHub's rate limits to pass
RETRIES = 3


class GitHub:
    """The few REST calls promptsync needs, against GITHUB_API_URL (GitHub Enterprise too).

    Rate limits are waited out when GitHub says how long (retry-after, or x-ratelimit-reset
    once x-ratelimit-remaining is 0) and the wait fits in `wait_limit` seconds in all; otherwise
    the call fails with one line saying so. Errors name the method and path, never the token.
    """

    def __init__(
        self,
        api_url: str,
        token: str,
        transport: httpx.BaseTransport | None = None,
        *,
        wait_limit: float = WAIT_LIMIT,
        sleep: Callable[[float], None] = time.sleep,
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
        self._base = api_url.rstrip("/")
        self._wait_left = wait_limit
        self._sleep = sleep

    def close(self) -> None:
        self._http.close()

    def __enter__(self) -> GitHub:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def call(
        self, method: str, url: str, body: Any = None, *, expect: Sequence[int] = ()
    ) -> httpx.Response:
        """One request; an error status (other than those in `expect`) raises GitHubError."""
        shown = url.removeprefix(self._base).split("?")[0]
        for attempt in range(RETRIES + 1):
            try:
                response = self._http.request(method, url, json=body)
            except httpx.TransportError as exc:
                if method == "GET" and attempt < RETRIES:
                    self._sleep(2**attempt)
                    continue
                raise GitHubError(
                    f"GitHub {method} {shown}: network error ({type(exc).__name__})"
                ) from None
            status = response.status_code
            if status < 400 or status in expect:
                return response
            message = _message(response)
            wait = rate_limit_wait(status, response.headers, message, time.time())
            if wait is not None:
                if wait > self._wait_left or attempt == RETRIES:
                    raise GitHubError(
                        f"GitHub {method} {shown}: {status} rate limited — GitHub asks to wait"
                        f" {wait:.0f} s, more than this run waits ({WAIT_LIMIT:.0f} s in all);"
                        " run it again later"
                    )
                self._wait_left -= wait
                self._sleep(wait)
                continue
            if status in (502, 503, 504) and method == "GET" and attempt < RETRIES:
                self._sleep(2**attempt)
                continue
            hint = permission_hint(method, shown, status)
            raise GitHubError(f"GitHub {method} {shown}: {status} {message}{hint}")
        raise AssertionError("unreachable")  # pragma: no cover

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
            response = self.call("GET", url)
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
            self.call("PATCH", f"/repos/{repo}/issues/comments/{mine[0]['id']}", {"body": body})
            return "updated"
        self.call("POST", f"/repos/{repo}/issues/{number}/comments", {"body": body})
        return "created"

    def comment_parts(self, repo: str, number: int, key: str, bodies: Sequence[str]) -> str:
        """Keep one sticky comment in several numbered parts (`<!-- promptsync:KEY part N -->`):
        update each part in place, create the missing ones, delete (or, if that is refused,
        empty) parts a shorter text no longer needs. Only this bot's comments are touched.
        Returns what it did."""
        me = self.own_login()
        pattern = re.compile(rf"<!-- promptsync:{re.escape(key)} part (\d+) -->")
        parts: dict[int, dict[str, Any]] = {}
        for c in self._comments(repo, number):
            found = pattern.search(c.get("body") or "")
            if found and (c.get("user") or {}).get("login") == me:
                parts.setdefault(int(found.group(1)), c)
        done = {"updated": 0, "created": 0, "unchanged": 0, "deleted": 0}
        for index, text in enumerate(bodies, 1):
            body = f"<!-- promptsync:{key} part {index} -->\n{text}"
            old = parts.pop(index, None)
            if old is None:
                self.call("POST", f"/repos/{repo}/issues/{number}/comments", {"body": body})
                done["created"] += 1
            elif old.get("body") != body:
                self.call("PATCH", f"/repos/{repo}/issues/comments/{old['id']}", {"body": body})
                done["updated"] += 1
            else:
                done["unchanged"] += 1
        for index, old in sorted(parts.items()):
            gone = self.call(
                "DELETE", f"/repos/{repo}/issues/comments/{old['id']}", expect=(403, 404)
            )
            if gone.status_code == 403:  # allowed to edit, not to delete: leave it empty
                emptied = (
                    f"<!-- promptsync:{key} part {index} -->\n*This part of an earlier plan is"
                    " no longer used.*"
                )
                self.call("PATCH", f"/repos/{repo}/issues/comments/{old['id']}", {"body": emptied})
            done["deleted"] += 1
        return ", ".join(f"{n} {what}" for what, n in done.items() if n)


def _message(response: httpx.Response) -> str:
    try:
        data = response.json()
    except ValueError:
        return response.reason_phrase
    return str(data.get("message", "")) if isinstance(data, dict) else response.reason_phrase


def rate_limit_wait(
    status: int, headers: Mapping[str, str], message: str, now: float
) -> float | None:
    """Seconds to wait before retrying, when an answer is GitHub's rate limit (403 or 429):
    retry-after if given; the reset time once no request is left; else GitHub's advice for a
    secondary limit, a minute. None for any other answer (a 403 for a missing permission)."""
    if status not in (403, 429):
        return None
    retry_after = headers.get("retry-after", "").strip()
    if retry_after.isdigit():
        return float(retry_after)
    reset = headers.get("x-ratelimit-reset", "").strip()
    if headers.get("x-ratelimit-remaining", "").strip() == "0" and reset.isdigit():
        return max(float(reset) - now, 0.0) + 1.0
    if status == 429 or "rate limit" in message.lower():
        return 60.0
    return None


# What each kind of path needs, for the one-line error of a 403.
PERMISSIONS = (
    ("/issues/", "pull-requests"),
    ("/pulls", "pull-requests"),
    ("/git/", "contents"),
    ("/contents", "contents"),
    ("/deployments", "deployments"),
)


def permission_hint(method: str, path: str, status: int) -> str:
    """What to tell the user about a refused request: the workflow permission it needs."""
    if status == 401:
        return " — check the github-token input"
    if status != 403:
        return ""
    if "/issues/" in path and "/comments" in path:
        return (
            " — the token cannot write pull-request comments; give the workflow"
            " `permissions: pull-requests: write` (pull requests from forks only get a"
            " read-only token)"
        )
    scope = next((scope for part, scope in PERMISSIONS if part in path), None)
    if scope is None:
        return ""
    level = "read" if method == "GET" else "write"
    hint = (
        f" — the token needs `{scope}: {level}`; give the workflow `permissions: {scope}: {level}`"
    )
    if scope == "pull-requests" and method == "POST":
        hint += (
            " (and allow GitHub Actions to create pull requests: Settings → Actions → General →"
            " Workflow permissions)"
        )
    return hint


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
