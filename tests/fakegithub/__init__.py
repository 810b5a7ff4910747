"""A fake GitHub REST API (v3) for tests: in-memory git data, contents, pull requests, issue
comments and deployments, served over a real localhost socket. Imports only tests/ and the
emulator's server helpers.

    with running_fake_github() as gh:          # or the `github_api` fixture
        gh.state.commit("octo/prompts", "main", {"a.txt": "hi"})
        gh.client().get("/repos/octo/prompts/contents/a.txt").json()["content"]
"""

from tests.fakegithub.records import BOT_LOGIN, WRITE_ALL, RecordedRequest, Token
from tests.fakegithub.server import (
    READ_TOKEN,
    REPOSITORY,
    TOKEN,
    RunningFakeGitHub,
    running_fake_github,
)
from tests.fakegithub.state import FakeGitHub

__all__ = [
    "BOT_LOGIN",
    "READ_TOKEN",
    "REPOSITORY",
    "TOKEN",
    "WRITE_ALL",
    "FakeGitHub",
    "RecordedRequest",
    "RunningFakeGitHub",
    "Token",
    "running_fake_github",
]
