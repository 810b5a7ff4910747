"""Ctrl-C: the first press stops cleanly, later presses never produce a traceback.

Outside an apply, the first SIGINT raises KeyboardInterrupt (the CLI exits 130). While
operations run, it only sets the apply's stop event: operations in flight finish, the others
are skipped, and the report is printed. Further presses are ignored (requests have timeouts,
so stopping is bounded); the tenth ends the process at once.
"""

from __future__ import annotations

import os
import signal
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from types import FrameType
from typing import Any

HARD_STOP = 10


class Interrupted(BaseException):
    """Ctrl-C outside an apply. Not a KeyboardInterrupt, which click would catch and answer
    with a blank line; like it, not an Exception, so no `except Exception` swallows it."""


class Interrupts:
    def __init__(self) -> None:
        self.count = 0
        self.deferred: threading.Event | None = None
        self._previous: Any = None
        self._installed = False

    def _handle(self, signum: int, frame: FrameType | None) -> None:
        self.count += 1
        if self.count >= HARD_STOP:
            os._exit(130)
        if self.deferred is not None:
            self.deferred.set()
            return
        if self.count == 1:
            raise Interrupted

    def install(self) -> None:
        if threading.current_thread() is not threading.main_thread():
            return  # only the main thread may handle signals; leave Python's default
        self.count = 0
        self._previous = signal.signal(signal.SIGINT, self._handle)
        self._installed = True

    def restore(self) -> None:
        if self._installed:
            signal.signal(signal.SIGINT, self._previous)
            self._installed = False

    @contextmanager
    def defer(self, stop: threading.Event) -> Iterator[None]:
        """While inside, Ctrl-C sets `stop` instead of raising."""
        self.deferred = stop
        try:
            yield
        finally:
            self.deferred = None


INTERRUPTS = Interrupts()
