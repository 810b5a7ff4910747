"""Rules for values users write: template, environment and variable names, project ids, URLs.

Pure functions that return the value or raise ValueError with the message users see. The pydantic
models and the pydantic-free shape check both call them, so each rule is written once.
"""

from __future__ import annotations

import ipaddress
import re
import unicodedata
import uuid
from collections.abc import Sequence
from urllib.parse import urlsplit

LATEST = "latest"  # the pseudo-environment that serves each template's newest version

TEMPLATE_NAME_MAX = 256
ENVIRONMENT_NAME_MAX = 128

CREDENTIAL_KEY = re.compile(r"(api[_-]?key|apikey|token|secret|password|passwd|credential)", re.I)

_ASCII_CONTROL = re.compile(r"[\x00-\x1f\x7f]")
_VARIABLE_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
# Characters that do not show, or show as something else: a name holding one looks like another.
_INVISIBLE = {
    "Cf": "an invisible formatting character",
    "Zl": "a line break",
    "Zp": "a line break",
    "Cs": "a lone surrogate",
}


def describe_char(char: str) -> str:
    """`U+202E RIGHT-TO-LEFT OVERRIDE`: how a character is named in messages."""
    name = unicodedata.name(char, "")
    return f"U+{ord(char):04X} {name}" if name else f"U+{ord(char):04X}"


def check_label(value: str) -> str:
    """A template or environment name: every character visible, composed (Unicode NFC), no
    surrounding whitespace."""
    if _ASCII_CONTROL.search(value):
        raise ValueError("must not contain control characters")
    if not value.isascii():  # names are mostly ASCII: the per-character look-up is rarely needed
        for char in value:
            category = unicodedata.category(char)
            if category == "Cc":
                raise ValueError("must not contain control characters")
            if category in _INVISIBLE:
                raise ValueError(f"must not contain {describe_char(char)} ({_INVISIBLE[category]})")
        composed = unicodedata.normalize("NFC", value)
        if composed != value:
            # 'café' typed as e + a combining accent looks exactly like 'café': two files, or a
            # file and a remote template, would look alike and be different names.
            raise ValueError(
                f"must be in Unicode NFC form (it looks like {composed!r} but is spelled with"
                " combining characters); write it composed"
            )
    stripped = value.strip()
    if stripped != value:
        raise ValueError(
            "must not be blank" if not stripped else "must not start or end with whitespace"
        )
    return value


def check_variable_name(value: str) -> str:
    """A declared mustache variable: letters, digits and `_`, not starting with a digit.

    These are the names every template syntax reads the same way (mustache, jinja2, f-strings);
    a nested field is reached through its top-level variable (`{{user.name}}` uses `user`).
    """
    if not _VARIABLE_NAME.fullmatch(value):
        root = value.split(".", 1)[0]
        nested = (
            f"; declare {root!r}, the fields of its value need no declaration"
            if "." in value and _VARIABLE_NAME.fullmatch(root)
            else ""
        )
        raise ValueError(
            f"{value!r} is not a valid variable name"
            f" (letters, digits and _, not starting with a digit){nested}"
        )
    return value


def is_variable_name(value: str) -> bool:
    return _VARIABLE_NAME.fullmatch(value) is not None


def check_project_id(value: str) -> str:
    try:
        uuid.UUID(value)
    except ValueError:
        raise ValueError(f"{value!r} is not a UUID") from None
    return value


def check_api_url(value: str) -> str:
    parts = urlsplit(value)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise ValueError(f"{value!r} is not an http(s) URL")
    try:
        port = parts.port  # None when absent; raises when not a number up to 65535
    except ValueError:
        port = 0
    if port == 0:
        raise ValueError(f"{value!r} has an invalid port (1 to 65535)")
    if parts.scheme == "http" and not _is_loopback(parts.hostname):
        raise ValueError(
            f"{value!r} uses http:// on a non-loopback host; use https://"
            " (plain http is only allowed for the local emulator)"
        )
    return value


def _is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


DEFAULT_TEMPLATE_FORMAT = "f-string"  # PromptLayer's default template language


ROLES = ("system", "user", "assistant")  # the message roles a prompt file may hold
MEDIA_TYPES = ("image", "audio", "video", "file")


def format_path(parts: Sequence[str | int]) -> str:
    """A place in a document as users read it: `messages[2].content`, `llm_parameters.top_p`."""
    out = ""
    for part in parts:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out
