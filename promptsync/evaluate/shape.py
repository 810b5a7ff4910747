"""Is this eval file certainly valid? A pydantic-free mirror of the EvalFile model, so that
`validate` of a valid repository never imports pydantic (see kinds/prompts/shape.py). True only
when the model accepts the data unchanged; anything else goes to the model."""

from __future__ import annotations

import math
import re
from typing import Any

from promptsync.repo.rules import LATEST, TEMPLATE_NAME_MAX, check_label
from promptsync.repo.shape import environment_ok, passes, text_ok

_EVAL_KEYS = frozenset({"template", "dataset", "baseline", "sample", "checks", "gate"})
_GATE_KEYS = frozenset({"min_pass_rate", "max_regressions"})
_JUDGE_KEYS = frozenset({"rubric", "model", "provider"})


def _name(value: Any) -> bool:
    return text_ok(value, 1, TEMPLATE_NAME_MAX) and passes(check_label, value)


def _regex(value: Any) -> bool:
    if type(value) is not str:
        return False
    try:
        re.compile(value)
    except re.error:
        return False
    return True


def _check(item: Any) -> bool:
    if type(item) is not dict or len(item) != 1:
        return False
    ((kind, value),) = item.items()
    if kind in ("contains", "not_contains"):
        return type(value) is str
    if kind == "regex":
        return _regex(value)
    if kind == "max_chars":
        return type(value) is int and value >= 1
    if kind == "equals_expected":
        return value is True
    if kind == "json_schema":
        return value == "output_schema" or (
            type(value) is dict and all(type(k) is str for k in value)
        )
    if kind == "tool_called":
        return text_ok(value, 1)
    if kind == "judge":
        return (
            type(value) is dict
            and value.keys() == _JUDGE_KEYS
            and all(text_ok(v, 1) for v in value.values())
        )
    return False


def _gate(value: Any) -> bool:
    if value is None:
        return True
    if type(value) is not dict or not value.keys() <= _GATE_KEYS:
        return False
    rate, regressions = value.get("min_pass_rate"), value.get("max_regressions")
    rate_ok = rate is None or (
        type(rate) in (int, float) and math.isfinite(rate) and 0 <= rate <= 1
    )
    return rate_ok and (regressions is None or (type(regressions) is int and regressions >= 0))


def eval_ok(data: Any) -> bool:
    if type(data) is not dict or not data.keys() <= _EVAL_KEYS:
        return False
    baseline, sample, checks = data.get("baseline"), data.get("sample"), data.get("checks")
    return (
        _name(data.get("template"))
        and _name(data.get("dataset"))
        and (baseline is None or (environment_ok(baseline) and baseline != LATEST))
        and (sample is None or (type(sample) is int and sample >= 1))
        and type(checks) is list
        and len(checks) >= 1
        and all(_check(c) for c in checks)
        and _gate(data.get("gate"))
    )
