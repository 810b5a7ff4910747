"""Recorded calls as a backend returns them, whatever the registry: neutral data, no I/O.

A backend that can search the calls it recorded (Freeplay's search API) is a `CallSampler`: it
answers a request for a sample of one template's calls in one environment with a `CallSample`,
the newest first. The capability is optional (`backends.base.call_sampler`).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Protocol, runtime_checkable


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


@runtime_checkable
class CallSampler(Protocol):
    """A backend that can search the calls it recorded (for `plan --impact`)."""

    def sample_calls(
        self, template: str, environment: str, since: datetime, limit: int
    ) -> CallSample:
        """The newest calls of `template` in `environment` since `since`, at most `limit`.

        Raises BackendError (a PromptsyncError) when the search fails.
        """
