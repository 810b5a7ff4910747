"""Where Freeplay's docs allow more than one server behaviour, which one this emulator shows.

The defaults are the emulator's tidy reading; the others let a client rehearse against a looser
or different server (docs/emulator.md, "Readings").
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal, get_args

# target-environments: an identical version deployed in a requested environment (or `latest`
# when none is requested) is reused. any-version: any identical non-deleted version is reused.
Dedup = Literal["target-environments", "any-version"]
# The key of error bodies: {"message": …} or {"error": …}.
ErrorKey = Literal["message", "error"]
# The update-environments reply: 200 `{}`, 200 with an empty body, or 204.
EnvUpdateReply = Literal["object", "empty-200", "empty-204"]

DEDUP_CHOICES: tuple[str, ...] = get_args(Dedup)
ERROR_KEY_CHOICES: tuple[str, ...] = get_args(ErrorKey)
ENV_UPDATE_REPLY_CHOICES: tuple[str, ...] = get_args(EnvUpdateReply)


@dataclass(frozen=True)
class Readings:
    dedup: Dedup = "target-environments"
    decorate_responses: bool = False
    error_key: ErrorKey = "message"
    env_update_reply: EnvUpdateReply = "object"

    def __post_init__(self) -> None:
        for name, value, choices in (
            ("dedup", self.dedup, DEDUP_CHOICES),
            ("error_key", self.error_key, ERROR_KEY_CHOICES),
            ("env_update_reply", self.env_update_reply, ENV_UPDATE_REPLY_CHOICES),
        ):
            if value not in choices:
                raise ValueError(f"{name} must be one of {', '.join(choices)}, not {value!r}")
