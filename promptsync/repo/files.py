"""Writing files safely: whole or not at all."""

from __future__ import annotations

import os
from pathlib import Path

from promptsync.errors import PromptsyncError


def write_atomically(path: Path, text: str) -> None:
    """Write via a temporary file and a rename, so a reader never sees half a file."""
    partial = path.with_name(f".{path.name}.partial")
    try:
        with partial.open("w", encoding="utf-8") as handle:
            handle.write(text)
            handle.flush()
            os.fsync(handle.fileno())
        partial.replace(path)
    except OSError as exc:
        partial.unlink(missing_ok=True)
        raise PromptsyncError(f"cannot write {path}: {exc.strerror}") from None


def cache_directory(path: Path) -> Path:
    """Make a cache directory that git ignores by itself (a `.gitignore` of `*` in it, as
    ruff's and pytest's caches have): a plan never makes a repository look dirty, and
    --changed-since never sees its files."""
    path.mkdir(parents=True, exist_ok=True)
    ignore = path / ".gitignore"
    if not ignore.exists():
        ignore.write_text("# made by promptsync: its caches are never committed\n*\n")
    return path
