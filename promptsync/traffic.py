"""Recorded calls as a backend returns them, whatever the registry: neutral data, no I/O.

A backend that can search the calls it recorded (Freeplay's search API) answers a request for
a sample of one template's calls in one environment with a `CallSample`, the newest first.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True)
class SampledCall:
    """One recorded call: the variables it passed (never shown unless asked for)."""

    inputs: Mapping[str, Any]
    completion_id: str | None = None


@dataclass(frozen=True)
class CallSample:
    """The newest recorded calls of a template in an environment, at most as many as asked.

    `more`: the registry has more matching calls than were sampled.
    """

    calls: tuple[SampledCall, ...] = field(default_factory=tuple)
    more: bool = False
