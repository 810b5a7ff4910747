"""Serve the fake on a free localhost port in a background thread (the emulator's way)."""

from __future__ import annotations

import threading
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

import httpx

from promptsync.emulator.server import _config, _listen, _Server, _url
from tests.fakegithub import routes_contents, routes_deployments, routes_git, routes_pulls
from tests.fakegithub.records import WRITE_ALL
from tests.fakegithub.state import FakeGitHub
from tests.fakegithub.wire import build_app

REPOSITORY = "octo/prompts"
TOKEN = "ghs_fake_write"  # write on contents, pull-requests, issues and deployments
READ_TOKEN = "ghs_fake_read"  # read on the same
ENDPOINTS = [
    *routes_git.ENDPOINTS,
    *routes_contents.ENDPOINTS,
    *routes_pulls.ENDPOINTS,
    *routes_deployments.ENDPOINTS,
]


@dataclass
class RunningFakeGitHub:
    """A serving fake: `url` is the API root (what GITHUB_API_URL holds), `state` its data."""

    url: str
    state: FakeGitHub
    repository: str = REPOSITORY
    token: str = TOKEN

    def client(self, token: str | None = None, **kwargs: Any) -> httpx.Client:
        """An httpx client for the API root, authenticated with `token` (default: write-all)."""
        return httpx.Client(
            base_url=self.url,
            headers={
                "Authorization": f"Bearer {token or self.token}",
                "Accept": "application/vnd.github+json",
                "X-GitHub-Api-Version": "2022-11-28",
            },
            **kwargs,
        )


@contextmanager
def running_fake_github(
    *,
    repositories: Sequence[str] = (REPOSITORY,),
    tokens: Mapping[str, Mapping[str, str]] | None = None,
    prefix: str = "/api/v3",
    host: str = "127.0.0.1",
) -> Iterator[RunningFakeGitHub]:
    """Start a fake GitHub REST API on a free port; stop it on exit.

    `repositories` each start with one empty commit on `main`; `tokens` maps each accepted token
    to its permissions (default: TOKEN with write and READ_TOKEN with read on everything).
    `prefix` is the API root's path: "/api/v3" as on GitHub Enterprise, "" as on api.github.com.
    """
    state = FakeGitHub()
    if tokens is None:
        tokens = {TOKEN: WRITE_ALL, READ_TOKEN: dict.fromkeys(WRITE_ALL, "read")}
    for token, permissions in tokens.items():
        state.add_token(token, permissions)
    for name in repositories:
        state.add_repo(name)
    sock = _listen(host, 0)
    state.api_url = _url(host, sock) + prefix
    ready = threading.Event()
    server = _Server(_config(build_app(state, ENDPOINTS, prefix)), ready.set)
    thread = threading.Thread(
        target=server.run, kwargs={"sockets": [sock]}, daemon=True, name="fake-github"
    )
    thread.start()
    try:
        if not ready.wait(timeout=30):
            raise RuntimeError("the fake GitHub did not start within 30 s")
        yield RunningFakeGitHub(state.api_url, state, next(iter(repositories), REPOSITORY))
    finally:
        server.should_exit = True
        thread.join(timeout=30)
        sock.close()
