"""How the `promptsync` executable ends: exit handlers run and output is flushed even though the
interpreter's teardown is skipped; a thread still working is waited for; the collector is tuned
for a run whose objects live until the end."""

from __future__ import annotations

import subprocess
import sys
import threading
from pathlib import Path

import pytest

from promptsync.cli import runtime


def _python(code: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-c", code],
        check=False,
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=60,
    )


def test_exit_handlers_run_and_buffered_output_is_flushed(tmp_path: Path) -> None:
    code = (
        "import atexit, sys\n"
        "from promptsync import cli\n"
        "atexit.register(lambda: sys.stdout.write('handler ran\\n'))\n"
        "sys.stdout.write('buffered before the command\\n')\n"
        "sys.argv = ['promptsync', '--version']\n"
        "cli.entry()\n"
    )
    result = _python(code, tmp_path)  # stdout is a pipe: block-buffered
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert lines[0] == "buffered before the command"
    assert lines[1].startswith("promptsync, version ")
    assert lines[-1] == "handler ran"


def test_the_exit_code_survives_the_fast_exit(tmp_path: Path) -> None:
    code = "import sys\nfrom promptsync import cli\nsys.argv = ['promptsync', 'plan']\ncli.entry()"
    result = _python(code, tmp_path)  # no promptsync.yaml anywhere up from here
    assert result.returncode == 1
    assert result.stderr.startswith("error: ")
    assert "Traceback" not in result.stderr


def test_a_thread_still_working_is_waited_for() -> None:
    release = threading.Event()
    worker = threading.Thread(target=release.wait, args=(30,))
    worker.start()
    try:
        with pytest.raises(SystemExit) as stopped:  # the normal exit, which joins the thread
            runtime.exit_process(3)
        assert stopped.value.code == 3
    finally:
        release.set()
        worker.join()


def test_the_collector_runs_rarely_and_skips_what_was_imported(tmp_path: Path) -> None:
    code = (
        "import gc\n"
        "from promptsync.cli import runtime\n"
        "runtime.tune_collector()\n"
        "print(gc.get_threshold()[0], gc.get_freeze_count() > 0)\n"
    )
    result = _python(code, tmp_path)
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == ["10000", "True"]


def test_a_commands_modules_are_frozen_in_the_executable_only(tmp_path: Path) -> None:
    code = (
        "import gc\n"
        "from promptsync.cli import runtime\n"
        "runtime.imported()\n"
        "untouched = gc.get_freeze_count() == 0\n"  # in-process use: the host's collector
        "runtime.tune_collector()\n"
        "before = gc.get_freeze_count()\n"
        "import promptsync.commands.plan\n"
        "runtime.imported()\n"
        "print(untouched, gc.get_freeze_count() > before)\n"
    )
    result = _python(code, tmp_path)
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == ["True", "True"]
