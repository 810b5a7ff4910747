"""The desired state: validated prompt files and where they came from. Pure data, no I/O."""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property

from promptsync.errors import Issue
from promptsync.kinds.prompts.identity import Identity, content_of
from promptsync.kinds.prompts.models import PromptFile


@dataclass(frozen=True)
class PromptSource:
    """A validated prompt file and where it came from."""

    path: str
    prompt: PromptFile

    @cached_property
    def identity(self) -> Identity:
        """What this file's version is, for comparison (computed once)."""
        p = self.prompt
        return Identity(content_of(p), p.version_name, p.version_description)


@dataclass(frozen=True)
class LoadedPrompts:
    sources: tuple[PromptSource, ...]
    warnings: tuple[Issue, ...]

    @cached_property
    def templates(self) -> dict[str, list[PromptSource]]:
        grouped: dict[str, list[PromptSource]] = {}
        for source in self.sources:
            grouped.setdefault(source.prompt.name, []).append(source)
        return grouped
