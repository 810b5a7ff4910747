"""A local, Freeplay-compatible prompt-template server that also records and searches
completions (see docs/emulator.md).

Written from Freeplay's API contract alone: this package imports nothing else of promptsync.
"""

from promptsync.emulator.database import DatabaseProblem
from promptsync.emulator.faults import FaultConfig
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
    "RunningEmulator",
    "emulator_subprocess",
    "running_emulator",
]
