"""The search API's filter language (Freeplay's "search API operators"), as pure predicates.

A filter is a field filter `{"field", "op", "value"}`, `{"and": [...]}`, `{"or": [...]}`,
`{"not": filter}` or `{}` (everything), nested to any depth. Each field allows the operators
Freeplay documents for it, plus `between` on the numeric ones. Anything else is a `FilterError`
naming where in the filter the problem is.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

MAX_DEPTH = 64
OPERATORS = ("eq", "gt", "gte", "lt", "lte", "contains", "between")


class FilterError(Exception):
    pass


@dataclass(frozen=True)
class Facts:
    """What a filter can see of one completion."""

    completion_id: str
    session_id: str
    start_time: float  # seconds since the epoch
    end_time: float | None = None
    environment: str | None = None
    prompt_template: str | None = None  # the template's name
    prompt_template_id: str | None = None
    model: str | None = None
    provider: str | None = None
    test_run_id: str | None = None
    completion_output: str = ""
    completion_inputs: dict[str, Any] = field(default_factory=dict)
    session_custom_metadata: dict[str, Any] = field(default_factory=dict)
    completion_client_evaluation_results: dict[str, Any] = field(default_factory=dict)

    @property
    def latency(self) -> float | None:
        return None if self.end_time is None else self.end_time - self.start_time


Predicate = Callable[[Facts], bool]

_TEXT_EQ = ("environment", "prompt_template", "model", "provider")
_ID_EQ = ("prompt_template_id", "completion_id", "session_id", "test_run_id")
_NUMBER_OPS = ("eq", "gt", "gte", "lt", "lte", "between")
_NESTED = {
    "completion_inputs": "contains",
    "session_custom_metadata": "contains",
    "completion_client_evaluation_results": "eq",
}
# Documented filter fields about data the emulator does not keep.
_NOT_RECORDED = frozenset(
    {
        "cost",
        "review_queue_id",
        "review_status",
        "agent_name",
        "trace_agent_name",
        "api_key",
        "assignee",
        "insight_name",
        "review_theme",
        "completion_feedback",
        "completion_evaluation_results",
        "trace_custom_metadata",
        "trace_input",
        "trace_output",
        "trace_feedback",
        "trace_evaluation_results",
        "trace_client_eval_results",
        "evaluation_notes",
    }
)


def compile_filter(node: Any, path: str = "filters", depth: int = 0) -> Predicate:
    if depth > MAX_DEPTH:
        raise FilterError(f"{path}: filters nest deeper than {MAX_DEPTH} levels")
    if not isinstance(node, dict):
        raise FilterError(f"{path}: a filter must be an object")
    if not node:
        return lambda _facts: True
    logical = [k for k in ("and", "or", "not") if k in node]
    if "field" in node or not logical:
        if logical:
            raise FilterError(f"{path}: a filter has either 'field' or '{logical[0]}', not both")
        return _field_filter(node, path)
    if len(node) != 1:
        extra = sorted(set(node) - {logical[0]})
        raise FilterError(f"{path}: '{logical[0]}' cannot be combined with '{extra[0]}'")
    key = logical[0]
    if key == "not":
        inner = compile_filter(node["not"], f"{path}.not", depth + 1)
        return lambda facts: not inner(facts)
    if not isinstance(node[key], list):
        raise FilterError(f"{path}.{key}: must be a list of filters")
    parts = [compile_filter(n, f"{path}.{key}.{i}", depth + 1) for i, n in enumerate(node[key])]
    if key == "and":
        return lambda facts: all(p(facts) for p in parts)
    return lambda facts: any(p(facts) for p in parts)


def _field_filter(node: dict[str, Any], path: str) -> Predicate:
    unknown = sorted(set(node) - {"field", "op", "value"})
    if unknown:
        raise FilterError(f"{path}: unknown key '{unknown[0]}'")
    for key in ("field", "op", "value"):
        if key not in node:
            raise FilterError(f"{path}: '{key}' is required")
    name, op, value = node["field"], node["op"], node["value"]
    if not isinstance(name, str):
        raise FilterError(f"{path}.field: must be a string")
    if op not in OPERATORS:
        raise FilterError(f"{path}.op: unknown operator {op!r} (known: {', '.join(OPERATORS)})")
    head, _, key = name.partition(".")
    where = f"{path} ({name})"
    if head in _NESTED:
        if not key:
            raise FilterError(f"{where}: name a key, as in {head}.<key>")
        _allow(where, op, (_NESTED[head],))
        numeric = op == "eq" and _is_number(value)  # {"score": 85} as well as {"score": "85"}
        return _nested(head, key, op, _as_text(value) if numeric else _text_value(where, value))
    if head in _NOT_RECORDED:
        raise FilterError(f"{where}: the emulator does not record {head}")
    if key or head not in (*_TEXT_EQ, *_ID_EQ, "completion_output", "latency", "start_time"):
        raise FilterError(f"{path}.field: unknown field '{name}'")
    if head in _TEXT_EQ or head in _ID_EQ:
        _allow(where, op, ("eq",))
        wanted = _text_value(where, value)
        if head in _ID_EQ:
            return lambda facts: (getattr(facts, head) or "").lower() == wanted.lower()
        return lambda facts: getattr(facts, head) == wanted
    if head == "completion_output":
        _allow(where, op, ("contains",))
        needle = _text_value(where, value).lower()
        return lambda facts: needle in facts.completion_output.lower()
    _allow(where, op, _NUMBER_OPS)
    if op == "between":
        low, high = _range(where, value)
        return lambda facts: (x := _number(facts, head)) is not None and low <= x <= high
    span = _time_span(where, value) if head == "start_time" else _point(where, value)
    return lambda facts: (x := _number(facts, head)) is not None and span.compare(op, x)


def _allow(where: str, op: str, allowed: tuple[str, ...]) -> None:
    if op not in allowed:
        raise FilterError(
            f"{where}: operator '{op}' is not allowed (allowed: {', '.join(allowed)})"
        )


def _text_value(where: str, value: Any) -> str:
    if not isinstance(value, str):
        raise FilterError(f"{where}: value must be a string")
    return value


def _is_number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def _range(where: str, value: Any) -> tuple[float, float]:
    if not (isinstance(value, list) and len(value) == 2 and all(map(_is_number, value))):
        raise FilterError(f"{where}: 'between' takes [low, high], two numbers")
    low, high = float(value[0]), float(value[1])
    if low > high:
        raise FilterError(f"{where}: 'between' low {value[0]} is above high {value[1]}")
    return low, high


def _number(facts: Facts, name: str) -> float | None:
    return facts.start_time if name == "start_time" else facts.latency


@dataclass(frozen=True)
class Span:
    """A value at its precision: a number is a point; "2024-06-01" is that whole day."""

    low: float
    high: float
    closed: bool  # a point includes `high`; a period ends just before it

    def _before_end(self, x: float) -> bool:
        return x <= self.high if self.closed else x < self.high

    def compare(self, op: str, x: float) -> bool:
        if op == "eq":
            return self.low <= x and self._before_end(x)
        if op == "lt":
            return x < self.low
        if op == "lte":
            return self._before_end(x)
        if op == "gt":
            return not self._before_end(x)
        return x >= self.low  # gte


def _point(where: str, value: Any) -> Span:
    if not _is_number(value):
        raise FilterError(f"{where}: value must be a number")
    return Span(float(value), float(value), closed=True)


_TIME = re.compile(
    r"\d{4}-\d{2}-\d{2}(?:[ T](\d{2}):(\d{2})(?::(\d{2})(?:\.(\d{1,6}))?)?)?"
    r"(Z|[+-]\d{2}:?\d{2})?"
)


def _time_span(where: str, value: Any) -> Span:
    """A date/time string (UTC unless it says otherwise) or seconds since the epoch."""
    if _is_number(value):
        return _point(where, value)
    match = _TIME.fullmatch(value) if isinstance(value, str) else None
    try:
        moment = datetime.fromisoformat(value) if match else None
    except ValueError:
        moment = None
    if match is None or moment is None:
        raise FilterError(
            f"{where}: value must be a date or time like '2024-06-01 00:00:00',"
            " or seconds since the epoch"
        )
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    hour, _minute, second, fraction, _zone = match.groups()
    if hour is None:
        width = timedelta(days=1)
    elif second is None:
        width = timedelta(minutes=1)
    elif fraction is None:
        width = timedelta(seconds=1)
    else:
        width = timedelta(seconds=10 ** -len(fraction))
    return Span(moment.timestamp(), (moment + width).timestamp(), closed=False)


def _nested(head: str, path: str, op: str, wanted: str) -> Predicate:
    keys = path.split(".")

    def test(facts: Facts) -> bool:
        value: Any = getattr(facts, head)
        for key in keys:
            if not isinstance(value, dict) or key not in value:
                return False
            value = value[key]
        if op == "contains":
            return wanted.lower() in _as_text(value).lower()
        return _as_text(value) == _as_text(_numeric_text(wanted))

    return test


def _numeric_text(text: str) -> Any:
    """`"85"` compares equal to a stored 85 or 85.0."""
    return float(text) if re.fullmatch(r"-?\d+(?:\.\d+)?", text) else text


def _as_text(value: Any) -> str:
    if isinstance(value, str):
        return value
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return json.dumps(value, separators=(",", ":"))
