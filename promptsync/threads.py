"""Work in daemon threads: a process that stops early (an error, Ctrl-C) never waits for a
request still in flight, since every request has a timeout and reads change nothing."""

from __future__ import annotations

import threading
from collections.abc import Callable, Sequence
from concurrent.futures import Future
from typing import TypeVar

T = TypeVar("T")


def background(fn: Callable[[], T]) -> Future[T]:
    """Run `fn` in a daemon thread."""
    future: Future[T] = Future()

    def run() -> None:
        if future.set_running_or_notify_cancel():
            try:
                future.set_result(fn())
            except BaseException as exc:
                future.set_exception(exc)

    threading.Thread(target=run, daemon=True, name="promptsync-read").start()
    return future


def in_parallel(calls: Sequence[Callable[[], T]], limit: int = 32) -> list[T]:
    """Every call's result, in order, at most `limit` at a time; the first failure is raised
    (after the batch it is in has ended)."""
    results: list[T] = []
    for start in range(0, len(calls), limit):
        futures = [background(call) for call in calls[start : start + limit]]
        for future in futures:
            future.exception()  # wait for each
        results += [future.result() for future in futures]
    return results
