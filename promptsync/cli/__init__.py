"""The `promptsync` executable: the click declarations (`app`) and the process policy around them
(`process`: error → exit code, Ctrl-C, the cycle collector, the fast exit).

May import: commands/ (only to dispatch) and the shared modules; nothing heavy at start-up."""

from __future__ import annotations

from promptsync.cli.process import entry, main

__all__ = ["entry", "main"]
