from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from promptsync.cli import main
from promptsync.emulator import RunningEmulator, running_emulator

REPO = Path(__file__).resolve().parent.parent
pytest_plugins = ["tests.fakegithub.fixtures"]  # the `github_api` fixture: a fake GitHub REST API
RunCli = Callable[..., tuple[int, str, str]]


@pytest.fixture(autouse=True)
def _plans_pass_their_own_edit_check(monkeypatch: pytest.MonkeyPatch) -> None:
    """Every plan promptsync makes in any test is one `apply PLANFILE` accepts unedited: the
    edit check (promptsync.plan.saved.tampered) never refuses a plan the planner made."""
    from promptsync.jobs import planning as jobs
    from promptsync.plan.models import Plan
    from promptsync.plan.saved import tampered

    make_plan = jobs.make_plan

    def checked(*args: Any, **kwargs: Any) -> Plan:
        plan = make_plan(*args, **kwargs)
        assert tampered(plan) == []
        return plan

    monkeypatch.setattr(jobs, "make_plan", checked)


@pytest.fixture
def run_cli(capsys: pytest.CaptureFixture[str]) -> RunCli:
    """Run the CLI in-process; returns (exit code, stdout, stderr)."""

    def run(*args: str) -> tuple[int, str, str]:
        code = main(list(args))
        out, err = capsys.readouterr()
        return code, out, err

    return run


@pytest.fixture
def isolated(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A working directory with no promptsync config above it and no registry env vars."""
    for name in (
        "FREEPLAY_API_KEY",
        "FREEPLAY_PROJECT_ID",
        "FREEPLAY_API_URL",
        "PROMPTLAYER_API_KEY",
        "PROMPTLAYER_API_URL",
        "PROMPTSYNC_CONFIG",
        "NO_COLOR",
    ):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.chdir(tmp_path)
    return tmp_path


@pytest.fixture
def emulator() -> Iterator[RunningEmulator]:
    """A fresh in-memory emulator on a free localhost port."""
    with running_emulator() as running:
        yield running
