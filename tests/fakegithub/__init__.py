"""A fake GitHub REST API (v3) for tests: in-memory git data, contents, pull requests, issue
comments and deployments, served over a real localhost socket. Imports only tests/ and the
emulator's server helpers.

    def test_drift(github_api: RunningFakeGitHub) -> None:   # or `with running_fake_github():`
        github_api.state.commit("octo/prompts", "main", {"prompts/a.yaml": "..."})
        ...  # run the code under test with GITHUB_API_URL=github_api.url, github_api.token
        assert github_api.state.files("octo/prompts", "promptsync/drift/app") == {...}
        assert ("POST", "/repos/octo/prompts/pulls", 201) in github_api.state.calls()

Knobs on `state`: add_token(token, {"contents": "write", ...}) (unknown tokens get 401, a
missing permission 403), rate_limit(n, secondary=..., status=403|429, retry_after=...),
fail(n, status=502), each optionally only for requests matching "METHOD /path".
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
