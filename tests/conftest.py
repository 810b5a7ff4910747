from __future__ import annotations

import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from promptsync.cli import main
from promptsync.emulator import RunningEmulator, running_emulator

REPO = Path(__file__).resolve().parent.parent
RunCli = Callable[..., tuple[int, str, str]]


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
    """A working directory with no promptsync config above it and no Freeplay env vars."""
    for name in (
        "FREEPLAY_API_KEY",
        "FREEPLAY_PROJECT_ID",
        "FREEPLAY_API_URL",
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


def start_emulator_process(tmp_path: Path, *args: str) -> tuple[subprocess.Popen[str], str]:
    """`promptsync emulator` as users run it, on a free port; returns the process and its URL."""
    ready = tmp_path / "ready"
    ready.unlink(missing_ok=True)
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "promptsync",
            "emulator",
            "--port",
            "0",
            "--ready-file",
            str(ready),
            *args,
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    deadline = time.monotonic() + 30
    while not ready.exists():
        assert proc.poll() is None, proc.communicate()
        assert time.monotonic() < deadline, "emulator did not start"
        time.sleep(0.05)
    return proc, ready.read_text().strip()
