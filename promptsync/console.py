"""Writing to the terminal, safely: a reader that went away never changes what gets done.

`promptsync apply … | head -2` closes stdout early; the work still finishes and the exit code
still says how it went. Once a stream is found closed, later writes to it are dropped. A stream
that was closed before promptsync started (`>&-`: Python's `sys.stdout` is None) is treated the
same way. A write that fails for another reason (a full disk: `> /dev/full`) is not a reader
going away: the work still finishes, then the command fails (`failure()`).
"""

from __future__ import annotations

import contextlib
import os
import sys
from collections.abc import Callable
from typing import TextIO

from promptsync.errors import PromptsyncError

_closed: set[int] = set()
_failed: dict[str, str] = {}  # stream name → why a write to it failed


def _write(stream: TextIO | None, text: str, name: str) -> None:
    if stream is None or id(stream) in _closed:
        return
    try:
        stream.write(text)
        stream.flush()
    except (BrokenPipeError, ValueError, OSError) as exc:
        _closed.add(id(stream))
        if isinstance(exc, OSError) and not isinstance(exc, BrokenPipeError):
            _failed.setdefault(name, exc.strerror or type(exc).__name__)
        # Point the descriptor at /dev/null, so the interpreter's final flush cannot fail.
        with contextlib.suppress(OSError, ValueError, AttributeError):
            devnull = os.open(os.devnull, os.O_WRONLY)
            os.dup2(devnull, stream.fileno())
            os.close(devnull)


def out(text: str) -> None:
    """Write to stdout (the text as given: end lines yourself)."""
    _write(sys.stdout, text, "stdout")


def err(text: str) -> None:
    """Write one line to stderr."""
    _write(sys.stderr, text + "\n", "stderr")


def failure() -> str | None:
    """Why output was lost, when a write failed for a reason other than a closed reader."""
    if not _failed:
        return None
    return "; ".join(f"cannot write to {name}: {why}" for name, why in sorted(_failed.items()))


def reset() -> None:
    """Forget closed and failed streams (for in-process callers running several commands)."""
    _closed.clear()
    _failed.clear()


def retries(verbose: int) -> Callable[[str], None] | None:
    """With -v, each retry (and each re-read after a doubtful write) as a line on stderr."""
    return (lambda message: err(f"retry: {message}")) if verbose else None


APPLY_PROMPT = "Apply these changes? [y/N] "


def confirm_apply(stdin: TextIO | None, out: TextIO | None) -> None:
    """Ask on the terminal before apply writes; anything but y/yes cancels (an error)."""
    if stdin is None or out is None or not stdin.isatty():
        raise PromptsyncError(
            "refusing to apply without confirmation: no terminal to ask on;"
            " pass --auto-approve (or apply a reviewed plan file)"
        )
    out.write(APPLY_PROMPT)
    out.flush()
    if stdin.readline().strip().lower() not in ("y", "yes"):
        raise PromptsyncError("apply cancelled; nothing was changed")
