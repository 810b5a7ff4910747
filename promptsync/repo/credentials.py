"""The API key: read from the environment or a file, checked, and never shown."""

from __future__ import annotations

import unicodedata
from collections.abc import Mapping
from pathlib import Path

from promptsync.errors import PromptsyncError


class ApiKey:
    """The API key. Its repr and str never show the value, so it cannot leak by accident."""

    __slots__ = ("_value", "source")

    def __init__(self, value: str, source: str = "the API key") -> None:
        self._value = value
        self.source = source  # where it came from, for hints: FREEPLAY_API_KEY, --api-key-file …

    def reveal(self) -> str:
        return self._value

    def __repr__(self) -> str:
        return "ApiKey('***')"

    __str__ = __repr__


def _describe(char: str) -> str:
    names = {"\n": "a newline", "\r": "a carriage return", "\t": "a tab", " ": "a space"}
    if char in names:
        return names[char]
    name = unicodedata.name(char, "")
    return f"U+{ord(char):04X}" + (f" {name}" if name else "")


def check_key(value: str, source: str) -> ApiKey:
    """Refuse a key no server would accept (it would fail in the HTTP layer, or after retries),
    without ever printing it."""
    for index, char in enumerate(value):
        if not ("!" <= char <= "~"):
            raise PromptsyncError(
                f"{source}: the API key contains {_describe(char)} (character {index + 1} of"
                f" {len(value)}); keys are printable ASCII without spaces — check how it was set"
            )
    return ApiKey(value, source)


def read_api_key(environ: Mapping[str, str], key_file: str | None, variable: str) -> ApiKey | None:
    """The key from --api-key-file or `variable`; None when neither is set."""
    if key_file:
        try:
            value = Path(key_file).read_text(encoding="utf-8").strip()
        except (OSError, UnicodeDecodeError):
            raise PromptsyncError(f"--api-key-file: cannot read {key_file}") from None
        if not value:
            raise PromptsyncError(f"--api-key-file: {key_file} is empty")
        return check_key(value, f"--api-key-file {key_file}")
    value = environ.get(variable, "").strip()
    return check_key(value, variable) if value else None


def require_api_key(environ: Mapping[str, str], key_file: str | None, variable: str) -> ApiKey:
    key = read_api_key(environ, key_file, variable)
    if key is None:
        raise PromptsyncError(f"no API key: set {variable} or pass --api-key-file")
    return key
