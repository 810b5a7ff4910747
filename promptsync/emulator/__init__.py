"""Local Freeplay- and PromptLayer-compatible prompt-template servers (see docs/emulator.md);
the Freeplay one also records and searches completions, and both serve fake OpenAI- and
Anthropic-compatible model endpoints.

Written from each API's contract alone: this package imports nothing else of promptsync.
Its `formatting` module is the one table of Freeplay's provider → flavor mapping and flavor
shapes; `promptsync render` reads it too. The server parts are imported on first use, so that
reading that table does not load the web stack.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from promptsync.emulator.database import DatabaseProblem
    from promptsync.emulator.faults import FaultConfig
    from promptsync.emulator.models_api import ModelSettings
    from promptsync.emulator.server import (
        DEFAULT_API_KEY,
        DEFAULT_PROJECT_ID,
        EmulatorSettings,
        RunningEmulator,
        emulator_subprocess,
        running_emulator,
    )

__all__ = [
    "DEFAULT_API_KEY",
    "DEFAULT_PROJECT_ID",
    "DatabaseProblem",
    "EmulatorSettings",
    "FaultConfig",
    "ModelSettings",
    "RunningEmulator",
    "emulator_subprocess",
    "running_emulator",
]


def __getattr__(name: str) -> Any:
    if name == "FaultConfig":
        from promptsync.emulator.faults import FaultConfig

        return FaultConfig
    if name == "ModelSettings":
        from promptsync.emulator.models_api import ModelSettings

        return ModelSettings
    if name == "DatabaseProblem":
        from promptsync.emulator.database import DatabaseProblem

        return DatabaseProblem
    if name in __all__:
        from promptsync.emulator import server

        return getattr(server, name)
    raise AttributeError(name)
