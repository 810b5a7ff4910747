from __future__ import annotations

from collections.abc import Iterator

import pytest

from promptsync.emulator import RunningEmulator, running_emulator
from promptsync.emulator.promptlayer.store import Store


@pytest.fixture
def pl() -> Iterator[RunningEmulator[Store]]:
    """A fresh in-memory PromptLayer emulator on a free localhost port."""
    with running_emulator(backend="promptlayer") as running:
        yield running
