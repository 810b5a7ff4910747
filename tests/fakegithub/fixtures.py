"""The pytest fixture (registered for every test in tests/conftest.py)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.fakegithub.server import RunningFakeGitHub, running_fake_github


@pytest.fixture
def github_api() -> Iterator[RunningFakeGitHub]:
    """A fresh fake GitHub REST API on a free localhost port: repository `octo/prompts` (one
    empty commit on main), token `ghs_fake_write` (write-all) and `ghs_fake_read` (read-all)."""
    with running_fake_github() as running:
        yield running
