"""Where a version came from, recorded in its version_description when the file declares none."""

from __future__ import annotations

import contextlib
from collections.abc import Callable
from pathlib import Path

PREFIX = "promptsync: "  # starts every version_description promptsync writes itself


def describer(
    root: Path | None, commit_of: Callable[[str], str | None], limit: int | None = None
) -> Callable[[str, str], str]:
    """(file path, note) → `promptsync: <path relative to root> @ <commit><note>` (no commit:
    path only), e.g. `promptsync: prompts/bot.yaml @ 1a2b3c4 (provider: openai)`.

    `commit_of(path)` names the commit to record for a file. Over `limit` characters, the path
    loses its beginning (`promptsync: …/deep/file.yaml @ 1a2b3c4`).
    """

    def describe(path: str, note: str = "") -> str:
        shown = Path(path)
        if root is not None:
            with contextlib.suppress(ValueError):
                shown = Path(path).resolve().relative_to(root.resolve())
        commit = commit_of(path)
        suffix = (f" @ {commit}" if commit else "") + note
        return fit(shown.as_posix(), suffix, limit)

    return describe


def fit(path: str, suffix: str, limit: int | None) -> str:
    text = f"{PREFIX}{path}{suffix}"
    if limit is None or len(text) <= limit:
        return text
    room = max(limit - len(PREFIX) - len(suffix) - 1, 1)
    return f"{PREFIX}…{path[-room:]}{suffix}"[:limit]


def is_provenance(description: str | None) -> bool:
    return (description or "").startswith(PREFIX)
