"""Pydantic validation of a parsed document, its errors turned into located, readable issues.

Imported only when a model has to be built or a file may be invalid: pydantic is the slowest
import of promptsync, and `validate` on a valid repository never needs it.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

from pydantic import BaseModel, ValidationError

from promptsync.errors import Issue
from promptsync.repo.locate import describe, hint, mark, prefix
from promptsync.repo.yamlread import DataPath, Document

M = TypeVar("M", bound=BaseModel)
KeyLookup = Callable[[tuple[int | str, ...]], tuple[list[str], str]]
_KEY = "[key]"  # pydantic's location part for an invalid mapping key

_EXPECTED = {
    "string_type": "a string",
    "int_type": "an integer",
    "float_type": "a number",
    "bool_type": "a boolean",
    "dict_type": "a mapping",
    "model_type": "a mapping",
    "model_attributes_type": "a mapping",
    "list_type": "a list",
}


def _child(data: Any, part: int | str) -> tuple[bool, Any]:
    if isinstance(data, dict) and part in data:
        return True, data[part]
    if isinstance(data, list) and isinstance(part, int) and 0 <= part < len(data):
        return True, data[part]
    return False, None


def _data_path(data: Any, loc: tuple[int | str, ...]) -> DataPath:
    """Keep the parts of a pydantic error location that are real keys/indices of the data."""
    path: list[str | int] = []
    for part in loc:
        found, child = _child(data, part)
        if found:
            data = child
            path.append(part)
    return tuple(path)


def _value_at(data: Any, path: DataPath) -> Any:
    for part in path:
        data = data[part]
    return data


def _explain(kind: str, errs: list[Any], value: Any) -> str:
    err = errs[0]
    ctx = err.get("ctx") or {}
    if kind == "finite_number":
        return f"{value!r} is not a finite number (NaN and infinity are not JSON)"
    if kind == "type":
        wanted = sorted({_EXPECTED[e["type"]] for e in errs}, key=list(_EXPECTED.values()).index)
        if "a number" in wanted and "an integer" in wanted:
            wanted.remove("an integer")
        options = wanted[0] if len(wanted) == 1 else ", ".join(wanted[:-1]) + " or " + wanted[-1]
        return f"expected {options}, got {describe(value)}"
    if kind == "literal_error":
        expected = ctx.get("expected", "")
        choices = [c.strip(" '") for c in expected.replace(" or ", ",").split(",") if c.strip()]
        close = hint(str(value), choices) if isinstance(value, str) else ""
        return f"must be one of {', '.join(choices)}; got {value!r}{close}"
    if kind in ("too_short", "string_too_short"):
        return "must not be empty"
    if kind == "too_long":
        return f"must have at most {ctx.get('max_length')} items"
    if kind == "string_too_long":
        return f"must be at most {ctx.get('max_length')} characters"
    if kind == "value_error":
        return str(ctx.get("error", err["msg"]))
    return str(err["msg"])


def _issues(doc: Document, exc: ValidationError, keys: KeyLookup) -> list[Issue]:
    grouped: dict[tuple[DataPath, str, bool], list[Any]] = {}
    for err in exc.errors():
        loc = err["loc"]
        on_key = bool(loc) and loc[-1] == _KEY
        path = _data_path(doc.data, loc[:-1] if on_key else loc)
        kind = "type" if err["type"] in _EXPECTED else err["type"]
        grouped.setdefault((path, kind, on_key), []).append(err)
    finite = {path for path, kind, _ in grouped if kind == "finite_number"}
    issues = []
    for (path, kind, on_key), errs in grouped.items():
        if kind == "type" and path in finite:
            continue  # a NaN or infinity: the one thing to say is that it is not finite
        err = errs[0]
        if on_key:  # a mapping key that is not allowed: say so at the key, under its mapping
            message = prefix(path[:-1]) + _explain(kind, errs, path[-1])
            line, col = mark(doc, path, key=True)
        elif kind == "extra_forbidden":
            parent, name = path[:-1], str(path[-1])
            allowed, note = keys(err["loc"][:-1])
            message = f"{prefix(parent)}unknown key {name!r}{hint(name, allowed) or note}"
            line, col = mark(doc, path, key=True)
        elif kind == "missing":
            missing = str(err["loc"][-1])
            message = f"{prefix(path)}missing required key {missing!r}"
            line, col = mark(doc, path)
        else:
            message = prefix(path) + _explain(kind, errs, _value_at(doc.data, path))
            line, col = mark(doc, path)
        issues.append(doc.issue(line, col, message))
    return issues


def validate_model(doc: Document, model: type[M], keys: KeyLookup) -> tuple[M | None, list[Issue]]:
    """The model built from a document's mapping, or None and every error, located."""
    try:
        return model.model_validate(doc.data), []
    except ValidationError as exc:
        return None, _issues(doc, exc, keys)
