"""Is this dataset file (or test case) certainly valid? A pydantic-free mirror of the
DatasetFile and TestCase models, as `kinds/prompts/shape.py` is for prompt files: True only
when the models accept the data unchanged (tests/test_shape.py holds it to that); anything
else (False) goes to the models, which word every message."""

from __future__ import annotations

import math
from typing import Any

from promptsync.repo.rules import TEMPLATE_NAME_MAX, check_label, check_variable_name
from promptsync.repo.shape import optional_text, passes, str_keyed, text_ok

DATASET_KEYS = frozenset({"name", "description", "input_names", "test_cases", "cases_file"})
_CASE_KEYS = frozenset({"inputs", "output", "metadata", "history"})
_HISTORY_KEYS = frozenset({"role", "content"})
_ROLES = ("system", "user", "assistant")


def _finite(value: Any) -> bool:
    """A JSON value without NaN or infinity anywhere (the models refuse them)."""
    if type(value) is float:
        return math.isfinite(value)
    if type(value) is dict:
        return all(type(k) is str and _finite(v) for k, v in value.items())
    if type(value) is list:
        return all(_finite(v) for v in value)
    return value is None or type(value) in (str, int, bool)


def case_ok(data: Any) -> bool:
    if type(data) is not dict or not data.keys() <= _CASE_KEYS:
        return False
    inputs, metadata, history = data.get("inputs"), data.get("metadata"), data.get("history")
    if type(inputs) is not dict:
        return False
    return (
        str_keyed(inputs)
        and all(passes(check_variable_name, k) for k in inputs)
        and _finite(inputs)
        and optional_text(data.get("output"))
        and (
            metadata is None
            or (
                str_keyed(metadata)
                and all(
                    type(v) in (str, int, bool) or (type(v) is float and math.isfinite(v))
                    for v in metadata.values()
                )
            )
        )
        and (
            history is None
            or (
                type(history) is list
                and all(
                    type(m) is dict
                    and m.keys() == _HISTORY_KEYS
                    and m["role"] in _ROLES
                    and type(m["content"]) is str
                    for m in history
                )
            )
        )
    )


def dataset_ok(data: Any) -> bool:
    if type(data) is not dict or not data.keys() <= DATASET_KEYS:
        return False
    names, cases = data.get("input_names"), data.get("test_cases")
    return (
        text_ok(data.get("name"), 1, TEMPLATE_NAME_MAX)
        and passes(check_label, data["name"])
        and optional_text(data.get("description"))
        and (
            names is None
            or (
                type(names) is list
                and all(type(n) is str and passes(check_variable_name, n) for n in names)
                and len(set(names)) == len(names)
            )
        )
        and (cases is None or (type(cases) is list and all(case_ok(c) for c in cases)))
        and (data.get("cases_file") is None or text_ok(data.get("cases_file"), 1))
    )
