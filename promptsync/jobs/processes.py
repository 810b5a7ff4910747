"""Independent work spread over forked processes, so that CPU-bound work (reading and planning
the projects of a repository: YAML, checks, hashes) uses every core, where threads share one.

Only where forking is safe: Linux, with no other thread running (a thread holding a lock at the
fork would leave it held in the child). Elsewhere the caller runs everything in threads. A child
inherits everything already imported and the signal handlers (Ctrl-C ends it as it ends the
parent); it answers through a pipe, as JSON, and ends with `os._exit` (nothing to flush twice).
"""

from __future__ import annotations

import contextlib
import json
import os
import signal
import sys
import threading
from collections.abc import Callable, Sequence
from typing import Any, NoReturn, TypeVar

from promptsync.errors import PromptsyncError

T = TypeVar("T")
R = TypeVar("R")


def cores() -> int:
    """The CPUs this process may run on."""
    if hasattr(os, "sched_getaffinity"):
        return len(os.sched_getaffinity(0))
    return os.cpu_count() or 1  # pragma: no cover - Linux has sched_getaffinity


def can_fork() -> bool:
    return sys.platform.startswith("linux") and threading.active_count() == 1


def spread(
    items: Sequence[T],
    work: Callable[[Sequence[T]], list[R]],
    encode: Callable[[R], Any],
    decode: Callable[[Any], R],
    processes: int,
) -> list[R]:
    """work(chunk) over `processes` round-robin chunks of `items` — the first in this process,
    each other one in a forked child — and every result, in the items' order."""
    chunks = [items[i::processes] for i in range(processes)]
    children: list[tuple[int, int]] = []
    try:
        for chunk in chunks[1:]:
            read, write = os.pipe()
            pid = os.fork()
            if pid == 0:  # pragma: no cover - the child's coverage is not collected
                os.close(read)
                _answer(write, chunk, work, encode)
            os.close(write)
            children.append((pid, read))
        answers = [work(chunks[0])]
        while children:
            pid, read = children[0]
            answers.append([decode(r) for r in _collect(pid, read)])
            children.pop(0)
    finally:
        for pid, read in children:  # interrupted or failed: stop the others
            with contextlib.suppress(OSError):
                os.kill(pid, signal.SIGTERM)
            with contextlib.suppress(OSError):
                os.close(read)
            with contextlib.suppress(OSError):
                os.waitpid(pid, 0)
    results: list[R | None] = [None] * len(items)
    for index, answer in enumerate(answers):
        for position, result in enumerate(answer):
            results[index + position * processes] = result
    return results  # type: ignore[return-value]  # every position is filled


def _answer(
    fd: int, chunk: Sequence[T], work: Callable[[Sequence[T]], list[R]], encode: Callable[[R], Any]
) -> NoReturn:  # pragma: no cover - runs in the child
    code = 0
    try:
        payload = json.dumps({"results": [encode(r) for r in work(chunk)]})
    except BaseException as exc:
        payload, code = json.dumps({"failed": f"{type(exc).__name__}: {exc}"}), 1
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as out:
            out.write(payload)
    finally:
        os._exit(code)


def _collect(pid: int, fd: int) -> list[Any]:
    with os.fdopen(fd, encoding="utf-8") as answer:
        data = answer.read()
    os.waitpid(pid, 0)
    try:
        decoded = json.loads(data)
    except ValueError:
        raise PromptsyncError("a worker process ended without an answer") from None
    if "failed" in decoded:
        raise PromptsyncError(f"a worker process failed: {decoded['failed']}")
    results: list[Any] = decoded["results"]
    return results
