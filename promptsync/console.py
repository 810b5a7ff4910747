"""Writing to the terminal, safely: a reader that went away never changes what gets done.

`promptsync apply … | head -2` closes stdout early; the work still finishes and the exit code
still says how it went. Once a stream is found closed, later writes to it are dropped.
"""

from __future__ import annotations

import contextlib
import os
import sys
from typing import TextIO

_closed: set[int] = set()


def _write(stream: TextIO, text: str) -> None:
    if id(stream) in _closed:
        return
    try:
        stream.write(text)
        stream.flush()
    except (BrokenPipeError, ValueError, OSError):
        _closed.add(id(stream))
        # Point the descriptor at /dev/null, so the interpreter's final flush cannot fail.
        with contextlib.suppress(OSError, ValueError, AttributeError):
            devnull = os.open(os.devnull, os.O_WRONLY)
            os.dup2(devnull, stream.fileno())
            os.close(devnull)


def out(text: str) -> None:
    """Write to stdout (the text as given: end lines yourself)."""
    _write(sys.stdout, text)


def err(text: str) -> None:
    """Write one line to stderr."""
    _write(sys.stderr, text + "\n")
