"""Local Freeplay- and PromptLayer-compatible prompt-template servers (see docs/emulator.md).

Written from each API's contract alone: this package imports nothing else of promptsync.
"""

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
    "EmulatorSettings",
    "FaultConfig",
    "RunningEmulator",
    "emulator_subprocess",
    "running_emulator",
]
