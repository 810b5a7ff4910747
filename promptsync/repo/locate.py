"""Saying where a problem is and what was found: positions in a document, type names, hints."""

from __future__ import annotations

import difflib
from collections.abc import Iterable
from datetime import date
from typing import Any

from promptsync.repo.rules import format_path
from promptsync.repo.yamlread import DataPath, Document, Position

_KINDS: tuple[tuple[type, str], ...] = (
    (bool, "a boolean"),
    (int, "an integer"),
    (float, "a number"),
    (str, "a string"),
    (list, "a list"),
    (dict, "a mapping"),
    (date, "a date"),
)


def describe(value: Any) -> str:
    """What a YAML value is, in words: `a string`, `a list`, `null`."""
    if value is None:
        return "null"
    return next((name for kind, name in _KINDS if isinstance(value, kind)), type(value).__name__)


def prefix(path: DataPath) -> str:
    return f"{format_path(path)}: " if path else ""


def hint(word: str, choices: Iterable[str]) -> str:
    """` (did you mean 'model'?)` when a choice is close to `word`, else empty."""
    close = difflib.get_close_matches(word, [c for c in choices if c != word], n=1, cutoff=0.6)
    return f" (did you mean {close[0]!r}?)" if close else ""


def mark(doc: Document, path: DataPath, key: bool = False) -> Position:
    """Where the value (or, with `key`, the key) at `path` starts; the nearest parent if unknown."""
    if key and path in doc.key_marks:
        return doc.key_marks[path]
    marks = doc.value_marks
    for end in range(len(path), -1, -1):
        if path[:end] in marks:
            return marks[path[:end]]
    return (0, 0)
