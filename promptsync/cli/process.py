"""Running one command: errors become one line and an exit code, Ctrl-C exits 130, output that
could not be written fails the command. `main` is for in-process use; `entry` is the executable.
"""

from __future__ import annotations

import errno
import signal
import traceback
from typing import Any

import click

from promptsync.cli import runtime
from promptsync.cli.app import cli

_WRITE_ERRORS = {errno.ENOSPC, errno.EIO, errno.EFBIG, errno.EDQUOT}
_GROUP_OPTIONS = ("--config", "--no-color", "-v", "--verbose")


def _usage_hint(exc: click.ClickException) -> str:
    if isinstance(exc, click.NoSuchOption) and exc.option_name in _GROUP_OPTIONS:
        return (
            f" ({exc.option_name} is a global option: put it before the command,"
            f" e.g. promptsync {exc.option_name} plan)"
        )
    return ""


def _run(argv: list[str] | None) -> int:
    """Run one command; output that could not be written (other than to a reader that went
    away) fails it, after the work is done."""
    from promptsync import console

    console.reset()
    code = _outcome(argv)
    lost = console.failure()
    if lost and code != 130:
        console.err(f"error: {lost}")
        return 1
    return code


def _outcome(argv: list[str] | None) -> int:
    from promptsync import console
    from promptsync.errors import PromptsyncError, messages
    from promptsync.interrupts import Interrupted

    try:
        result: Any = cli.main(args=argv, prog_name="promptsync", standalone_mode=False)
    except (Interrupted, click.exceptions.Abort, KeyboardInterrupt):
        console.err("error: interrupted")
        return 130
    except click.exceptions.Exit as exc:
        return int(exc.exit_code)
    except click.ClickException as exc:
        # Usage errors exit 1, not click's 2: with --detailed-exitcode, 2 means "changes".
        console.err(f"error: {exc.format_message()}{_usage_hint(exc)}")
        return 1
    except PromptsyncError as exc:
        if runtime.STATE["verbose"]:
            traceback.print_exc()
        for line in messages(exc):
            console.err(line)
        return 1
    except BrokenPipeError:  # a reader that went away, outside promptsync's own writes
        return 1
    except Exception as exc:
        if isinstance(exc, OSError) and exc.errno in _WRITE_ERRORS:
            # click's own output (--help, --version) to a full disk or a failing device.
            console.err(f"error: cannot write output: {exc.strerror}")
            return 1
        # A bug: one line unless -v.
        if runtime.STATE["verbose"]:
            traceback.print_exc()
        console.err(
            f"error: internal error ({type(exc).__name__}: {exc}); run with -v for the traceback"
        )
        return 1
    return result if isinstance(result, int) else 0


def main(argv: list[str] | None = None) -> int:
    """Entry point for in-process use; returns the exit code instead of raising SystemExit."""
    from promptsync.interrupts import INTERRUPTS

    INTERRUPTS.install()
    try:
        return _run(argv)
    finally:
        INTERRUPTS.restore()


def entry() -> None:
    """The `promptsync` executable: like main, but Ctrl-C stays harmless until the process ends
    (threads still finishing a request are joined at exit, and must not be interrupted)."""
    from promptsync.interrupts import INTERRUPTS

    runtime.tune_collector()
    INTERRUPTS.install()
    code = _run(None)
    # From here on Ctrl-C is ignored, by the OS itself: during the interpreter's shutdown a late
    # SIGINT would otherwise meet the default action and replace the exit code with a signal.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    runtime.exit_process(code)
