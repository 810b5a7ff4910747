"""The request-log search language (`StructuredFilterGroup`), as pure predicates over one log.

What a filter sees of a log (`Facts`) follows PromptLayer's "Search Data Model": `input_text`
is every input message as `[role]: text`, joined by blank lines; `output_text` the text of the
output's last assistant message; `metadata`, `input_variables` and `output` (a JSON-object
answer, or `{"tool_calls": [...]}`) are flattened to dot-separated keys with list indices
dropped, so one key may hold several values. Each field has a kind, and each kind allows the
operators listed in KIND_OPERATORS; anything else is a `FilterError` naming where it is.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from promptsync.emulator.promptlayer.log_models import StructuredFilter, StructuredFilterGroup
from promptsync.emulator.promptlayer.request_store import RequestLog

Flat = dict[str, list[Any]]


class FilterError(Exception):
    pass


@dataclass(frozen=True)
class Facts:
    """What a filter (and the sort) can see of one logged request."""

    pl_id: int
    prompt_id: int | None
    prompt_version_number: int | None
    engine: str
    provider_type: str
    input_text: str
    output_text: str
    input_tokens: int
    output_tokens: int
    cost: float
    latency_ms: float
    request_start_time: datetime
    request_end_time: datetime
    status: str
    is_json: bool
    is_tool_call: bool
    tags: list[str]
    metadata: Flat
    tool_names: list[str]
    output: Flat
    input_variables: Flat

    def value(self, field: str) -> Any:
        """A filter field's value: a stored one, or one derived from them."""
        if field == "is_plain_text":
            return not (self.is_json or self.is_tool_call)
        if field in _KEYS_OF:
            return list(getattr(self, _KEYS_OF[field]))
        return getattr(self, field)


_KEYS_OF = {
    "metadata_keys": "metadata",
    "output_keys": "output",
    "input_variable_keys": "input_variables",
}


def flatten(value: Any, prefix: str = "", into: Flat | None = None) -> Flat:
    flat: Flat = {} if into is None else into
    if isinstance(value, dict):
        for key, item in value.items():
            flatten(item, f"{prefix}.{key}" if prefix else str(key), flat)
    elif isinstance(value, list):
        for item in value:
            flatten(item, prefix, flat)
    elif prefix:
        flat.setdefault(prefix, []).append(value)
    return flat


def _text(message: dict[str, Any]) -> str:
    blocks = message.get("content") or []
    return "\n".join(b["text"] for b in blocks if b.get("type") == "text")


def _parse_time(stamp: str) -> datetime:
    return datetime.fromisoformat(stamp)


def facts(log: RequestLog) -> Facts:
    record = log.record
    messages: list[dict[str, Any]] = record["input"].get("messages", [])
    input_text = "\n\n".join(f"[{m['role']}]: {_text(m)}" for m in messages)
    if record["input"]["type"] == "completion":
        input_text = _text(record["input"])
    out = record["output"]
    replies = [m for m in out.get("messages", []) if m["role"] == "assistant"]
    last = replies[-1] if replies else {}
    output_text = _text(out) if out["type"] == "completion" else _text(last)
    calls = last.get("tool_calls") or []
    if last.get("function_call"):
        calls = [*calls, {"function": last["function_call"]}]
    try:
        answer = json.loads(output_text)
    except ValueError:
        answer = None
    is_json = isinstance(answer, dict)
    output = flatten({"tool_calls": calls}) if calls else flatten(answer) if is_json else {}
    start = _parse_time(record["request_start_time"])
    end = _parse_time(record["request_end_time"])
    return Facts(
        pl_id=log.id,
        prompt_id=log.prompt_id,
        prompt_version_number=log.prompt_version_number,
        engine=record["model"],
        provider_type=record["provider"],
        input_text=input_text,
        output_text=output_text,
        input_tokens=record["input_tokens"],
        output_tokens=record["output_tokens"],
        cost=record["price"],
        latency_ms=(end - start).total_seconds() * 1000,
        request_start_time=start,
        request_end_time=end,
        status=record["status"],
        is_json=is_json,
        is_tool_call=bool(calls),
        tags=record["tags"],
        metadata=flatten(record["metadata"]),
        tool_names=[c["function"]["name"] for c in calls],
        output=output,
        input_variables=flatten(record["prompt_input_variables"]),
    )


# --- operators ----------------------------------------------------------------------------------

KINDS: dict[str, str] = {
    **dict.fromkeys(
        (
            "pl_id",
            "prompt_id",
            "prompt_version_number",
            "input_tokens",
            "output_tokens",
            "cost",
            "latency_ms",
        ),
        "number",
    ),
    **dict.fromkeys(("engine", "provider_type", "input_text", "output_text", "status"), "text"),
    **dict.fromkeys(("request_start_time", "request_end_time"), "time"),
    **dict.fromkeys(("is_json", "is_tool_call", "is_plain_text"), "boolean"),
    **dict.fromkeys(
        ("tags", "metadata_keys", "tool_names", "output_keys", "input_variable_keys"), "list"
    ),
    **dict.fromkeys(("metadata", "output", "input_variables"), "nested"),
}
_ORDER = ("gt", "gte", "lt", "lte", "between")
_NULL = ("is_null", "is_not_null")
KIND_OPERATORS: dict[str, tuple[str, ...]] = {
    "number": ("is", "is_not", "eq", "neq", "in", "not_in", *_ORDER, *_NULL),
    "text": (
        "is",
        "is_not",
        "in",
        "not_in",
        "contains",
        "not_contains",
        "starts_with",
        "ends_with",
        "is_empty",
        "is_not_empty",
        *_NULL,
    ),
    "time": ("before", "after", *_ORDER, *_NULL),
    "boolean": ("is_true", "is_false", "is"),
    "list": (
        "is",
        "is_not",
        "contains",
        "not_contains",
        "in",
        "not_in",
        "is_empty",
        "is_not_empty",
    ),
    "nested": ("key_equals", "key_not_equals", "key_contains", "is_empty", "is_not_empty", *_NULL),
}
Predicate = Callable[[Facts], bool]


def same(actual: Any, wanted: Any) -> bool:
    """Equal as numbers when both are numbers, else as text (a non-string as compact JSON)."""
    numbers = all(isinstance(v, int | float) and not isinstance(v, bool) for v in (actual, wanted))
    if numbers:
        return bool(actual == wanted)
    return _as_text(actual) == _as_text(wanted)


def _as_text(value: Any) -> str:
    return value if isinstance(value, str) else json.dumps(value, separators=(",", ":"))


def _number(value: Any) -> float:
    if isinstance(value, int | float) and not isinstance(value, bool):
        return float(value)
    if isinstance(value, str):
        try:
            return float(value)
        except ValueError:
            pass
    raise FilterError(f"value must be a number, not {json.dumps(value)}")


def _time(value: Any) -> datetime:
    if isinstance(value, int | float) and not isinstance(value, bool):
        return datetime.fromtimestamp(value, UTC)
    if isinstance(value, str):
        try:
            parsed = datetime.fromisoformat(value)
        except ValueError:
            pass
        else:
            return parsed.replace(tzinfo=UTC) if parsed.tzinfo is None else parsed
    raise FilterError(f"value must be an ISO 8601 date-time, not {json.dumps(value)}")


def _values(value: Any, convert: Callable[[Any], Any], count: int | None = None) -> list[Any]:
    if not isinstance(value, list) or (count is not None and len(value) != count):
        wanted = f"a list of {count} values" if count else "a list"
        raise FilterError(f"value must be {wanted}, not {json.dumps(value)}")
    return [convert(v) for v in value]


def _ordered(op: str, value: Any, convert: Callable[[Any], Any]) -> Callable[[Any], bool]:
    if op == "between":
        low, high = _values(value, convert, 2)
        return lambda a: a is not None and low <= a <= high
    bound = convert(value)
    compare: dict[str, Callable[[Any], bool]] = {
        "gt": lambda a: a > bound,
        "after": lambda a: a > bound,
        "gte": lambda a: a >= bound,
        "lt": lambda a: a < bound,
        "before": lambda a: a < bound,
        "lte": lambda a: a <= bound,
    }
    return lambda a: a is not None and compare[op](a)


def _scalar_test(kind: str, op: str, value: Any) -> Callable[[Any], bool]:
    """The test of one number, text or time field's value (None where the log has none)."""
    if op in _NULL:
        return lambda a: (a is None) == (op == "is_null")
    if kind == "text" and op in ("is_empty", "is_not_empty"):
        return lambda a: (not a) == (op == "is_empty")
    convert: Callable[[Any], Any] = {"number": _number, "time": _time}.get(kind, _as_text)
    if op in ("is", "eq", "is_not", "neq"):
        wanted = convert(value)
        return lambda a: (a is not None and same(a, wanted)) == (op in ("is", "eq"))
    if op in ("in", "not_in"):
        options = _values(value, convert)
        return lambda a: any(a is not None and same(a, o) for o in options) == (op == "in")
    if kind == "text":
        needle = _as_text(value).lower()
        test: Callable[[str], bool] = {
            "contains": lambda a: needle in a.lower(),
            "not_contains": lambda a: needle not in a.lower(),
            "starts_with": lambda a: a.lower().startswith(needle),
            "ends_with": lambda a: a.lower().endswith(needle),
        }[op]
        return lambda a: a is not None and test(a)
    return _ordered(op, value, convert)


def _test(kind: str, op: str, value: Any, key: str | None) -> Callable[[Any], bool]:
    if kind == "boolean":
        if op == "is" and not isinstance(value, bool):
            raise FilterError(f"value must be true or false, not {json.dumps(value)}")
        truth = value if op == "is" else op == "is_true"
        return lambda a: bool(a) == truth
    if kind == "list":
        if op in ("is_empty", "is_not_empty"):
            return lambda a: (not a) == (op == "is_empty")
        options = _values(value, _as_text) if op in ("in", "not_in") else [_as_text(value)]
        positive = op in ("is", "contains", "in")
        return lambda a: any(same(item, o) for item in a for o in options) == positive
    if kind == "nested":
        return _nested_test(op, value, key)
    return _scalar_test(kind, op, value)


def _nested_test(op: str, value: Any, key: str | None) -> Callable[[Flat], bool]:
    if key is None:
        if op in ("is_empty", "is_not_empty"):
            return lambda a: (not a) == (op == "is_empty")
        raise FilterError(f"operator '{op}' needs a nested_key")
    if op in (*_NULL, "is_empty", "is_not_empty"):
        absent = op in ("is_null", "is_empty")
        return lambda a: (not a.get(key)) == absent
    if op == "key_contains":
        needle = _as_text(value).lower()
        return lambda a: any(needle in _as_text(v).lower() for v in a.get(key, []))
    return lambda a: any(same(v, value) for v in a.get(key, [])) == (op == "key_equals")


def _status(item: StructuredFilter) -> Any:
    """Statuses are stored upper-case; PromptLayer's docs write them lower-case."""
    if item.field != "status":
        return None
    if isinstance(item.value, list):
        return [v.upper() if isinstance(v, str) else v for v in item.value]
    return item.value.upper() if isinstance(item.value, str) else None


def _filter(item: StructuredFilter, where: str) -> Predicate:
    kind = KINDS.get(item.field)
    try:
        if kind is None:
            raise FilterError(f"field '{item.field}' is not supported by the emulator")
        if item.operator not in KIND_OPERATORS[kind]:
            raise FilterError(f"operator '{item.operator}' does not apply to field '{item.field}'")
        test = _test(kind, item.operator, _status(item) or item.value, item.nested_key)
    except FilterError as exc:
        raise FilterError(f"Invalid filter at {where}: {exc}") from None
    field = item.field
    return lambda f: test(f.value(field))


def compile_group(group: StructuredFilterGroup, where: str) -> Predicate:
    parts = [
        compile_group(item, f"{where}.filters.{i}")
        if isinstance(item, StructuredFilterGroup)
        else _filter(item, f"{where}.filters.{i}")
        for i, item in enumerate(group.filters)
    ]
    if group.logic == "OR":
        return lambda f: any(p(f) for p in parts)
    return lambda f: all(p(f) for p in parts)


_WORD = re.compile(r"\w+")


def matches_query(f: Facts, q: str) -> bool:
    """Free text: every term of `q` starts some word of the input or output text."""
    words = {w.lower() for w in _WORD.findall(f"{f.input_text} {f.output_text}")}
    terms = [t.lower() for t in _WORD.findall(q)]
    return all(any(w.startswith(t) for w in words) for t in terms)
