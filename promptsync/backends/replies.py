"""What every wire reader shares: the error for a reply that is not the documented shape, and
reading a JSON body without letting a hostile one escape as anything but that error."""

from __future__ import annotations

import json
from typing import Any


class ShapeError(ValueError):
    """A response that does not have the documented shape; the message names the field."""


def load_json(raw: bytes) -> Any:
    try:
        return json.loads(raw)
    except (ValueError, UnicodeDecodeError):
        raise ShapeError("response is not valid JSON") from None
    except RecursionError:
        raise ShapeError("response is nested too deeply to read") from None


class Unmodellable(ValueError):
    """One template that cannot be modelled (the message says which part and why)."""


def kind(value: Any) -> str:
    """What a JSON value is, in words, for a message about an unexpected one."""
    if value is None:
        return "null"
    return {dict: "an object", list: "a list", bool: "a boolean", str: "text"}.get(
        type(value), type(value).__name__
    )


def optional_object(value: Any, where: str) -> dict[str, Any] | None:
    """An object, or nothing for null; raises Unmodellable for anything else."""
    if value is None:
        return None
    if not isinstance(value, dict):
        raise Unmodellable(f"{where} is {kind(value)}, not an object")
    return value
