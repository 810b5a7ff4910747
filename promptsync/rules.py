"""Rules for values users write: template and environment names, project ids, API URLs.

Pure functions that return the value or raise ValueError with the message users see. The pydantic
models and the pydantic-free shape check both call them, so each rule is written once.
"""

from __future__ import annotations

import ipaddress
import re
import uuid
from urllib.parse import urlsplit

TEMPLATE_NAME_MAX = 256
ENVIRONMENT_NAME_MAX = 128

CREDENTIAL_KEY = re.compile(r"(api[_-]?key|apikey|token|secret|password|passwd|credential)", re.I)

_CONTROL = re.compile(r"[\x00-\x1f\x7f]")


def check_label(value: str) -> str:
    """A template or environment name: no control characters."""
    if _CONTROL.search(value):
        raise ValueError("must not contain control characters")
    return value


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
