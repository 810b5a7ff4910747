"""Fault injection and request statistics.

A fault decision is a pure function of (seed, request, how many times that identical request was
seen before): the same sequence of identical requests meets the same faults for a given seed,
however requests to other routes interleave. A retry is a new occurrence, so it can succeed.
"""

from __future__ import annotations

import hashlib
import random
import threading
from collections import Counter
from dataclasses import dataclass, field
from typing import Literal

Decision = Literal["ok", "fail", "fail_after_commit", "drop"]


@dataclass(frozen=True)
class FaultConfig:
    fail_rate: float = 0.0
    fail_after_commit_rate: float = 0.0
    drop_rate: float = 0.0
    latency_ms: float = 0.0
    seed: int | None = None

    def __post_init__(self) -> None:
        rates = (self.fail_rate, self.fail_after_commit_rate, self.drop_rate)
        if any(not 0.0 <= r <= 1.0 for r in rates) or sum(rates) > 1.0:
            raise ValueError("fault rates must be between 0 and 1 and sum to at most 1")
        if self.latency_ms < 0:
            raise ValueError("latency must not be negative")


class Faults:
    def __init__(self, config: FaultConfig) -> None:
        self.config = config
        self.seed = (
            config.seed if config.seed is not None else random.SystemRandom().randrange(2**32)
        )
        self._seen: Counter[str] = Counter()
        self._lock = threading.Lock()

    def decide(self, method: str, target: str, body: bytes) -> Decision:
        c = self.config
        if not (c.fail_rate or c.fail_after_commit_rate or c.drop_rate):
            return "ok"
        request = hashlib.sha256(b"\0".join((method.encode(), target.encode(), body))).hexdigest()
        with self._lock:
            occurrence = self._seen[request]
            self._seen[request] += 1
        digest = hashlib.sha256(f"{self.seed}:{request}:{occurrence}".encode()).digest()
        draw = int.from_bytes(digest[:8], "big") / 2**64
        for decision, rate in (
            ("fail", c.fail_rate),
            ("fail_after_commit", c.fail_after_commit_rate),
            ("drop", c.drop_rate),
        ):
            if draw < rate:
                return decision  # type: ignore[return-value]
            draw -= rate
        return "ok"


@dataclass
class Stats:
    """Request counts per route (the OpenAPI path) and per outcome; thread-safe."""

    routes: Counter[str] = field(default_factory=Counter)
    outcomes: Counter[str] = field(default_factory=Counter)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def record(self, route: str, outcome: str) -> None:
        with self._lock:
            self.routes[route] += 1
            self.outcomes[f"{route} -> {outcome}"] += 1

    def snapshot(self) -> dict[str, object]:
        with self._lock:
            return {
                "total": sum(self.routes.values()),
                "routes": dict(sorted(self.routes.items())),
                "outcomes": dict(sorted(self.outcomes.items())),
            }

    def reset(self) -> None:
        with self._lock:
            self.routes.clear()
            self.outcomes.clear()

    def count(self, method: str | None = None, contains: str = "") -> int:
        """Requests whose route label starts with `method` and contains `contains`."""
        with self._lock:
            return sum(
                n
                for label, n in self.routes.items()
                if (method is None or label.startswith(method + " ")) and contains in label
            )
