"""Where a version came from, recorded in its version_description when the file declares none."""

from __future__ import annotations

import contextlib
from collections.abc import Callable
from pathlib import Path

PREFIX = "promptsync: "  # starts every version_description promptsync writes itself


def describer(root: Path | None, commit_of: Callable[[str], str | None]) -> Callable[[str], str]:
    """file path → `promptsync: <path relative to root> @ <commit>` (no commit: path only).

    `commit_of(path)` names the commit to record for a file, as it should be shown.
    """

    def describe(path: str) -> str:
        shown = Path(path)
        if root is not None:
            with contextlib.suppress(ValueError):
                shown = Path(path).resolve().relative_to(root.resolve())
        commit = commit_of(path)
        suffix = f" @ {commit}" if commit else ""
        return f"{PREFIX}{shown.as_posix()}{suffix}"

    return describe


def is_provenance(description: str | None) -> bool:
    return (description or "").startswith(PREFIX)
