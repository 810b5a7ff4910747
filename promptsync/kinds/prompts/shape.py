"""Is this prompt file certainly valid? A pydantic-free mirror of the PromptFile model.

`validate` reads thousands of files, and importing pydantic costs more than reading a thousand of
them. These checks answer only "certainly valid" (True) or "let the models decide" (False). When
they say True the models accept the data unchanged — tests/test_shape.py holds them to that — and
anything they do not recognise (an unknown key, an unexpected type, a rule not mirrored here)
gives False, so pydantic stays the validator and the author of every message.
"""

from __future__ import annotations

import math
from typing import Any, TypeGuard

from promptsync.repo.rules import (
    MEDIA_TYPES,
    ROLES,
    TEMPLATE_NAME_MAX,
    check_label,
    check_variable_name,
)
from promptsync.repo.shape import (
    environment_ok,
    environments_ok,
    optional_text,
    passes,
    str_keyed,
    text_ok,
)

__all__ = ["PROMPT_KEYS", "environment_ok", "prompt_file_ok", "template_name_ok"]

PROMPT_KEYS = frozenset(
    {
        "name",
        "provider",
        "model",
        "llm_parameters",
        "messages",
        "tool_schema",
        "output_schema",
        "environments",
        "version_name",
        "version_description",
        "variables",
    }
)
_MESSAGE_KEYS = frozenset({"role", "content", "media_slots"})
_SLOT_KEYS = frozenset({"type", "placeholder_name"})
_TOOL_KEYS = frozenset({"name", "description", "parameters"})
_VARIABLE_KEYS = frozenset({"example", "description"})
_PARAM_SCALARS = (str, int, float)  # exact types: a bool is not an int here, as in strict mode


def template_name_ok(value: Any) -> TypeGuard[str]:
    """A valid template name (the `name` of a prompt file)."""
    return text_ok(value, 1, TEMPLATE_NAME_MAX) and passes(check_label, value)


def _media_slots(value: Any) -> bool:
    return value is None or (
        type(value) is list
        and all(
            type(slot) is dict
            and slot.keys() == _SLOT_KEYS
            and type(slot["type"]) is str
            and slot["type"] in MEDIA_TYPES
            and text_ok(slot["placeholder_name"], 1)
            for slot in value
        )
    )


def _message(value: Any) -> bool:
    if type(value) is not dict:
        return False
    if "kind" in value:
        return value == {"kind": "history"}
    return (
        value.keys() <= _MESSAGE_KEYS
        and type(value.get("role")) is str
        and value["role"] in ROLES
        and type(value.get("content")) is str
        and _media_slots(value.get("media_slots"))
    )


def _llm_parameters(value: Any) -> bool:
    return value is None or (
        str_keyed(value)
        and all(
            (type(v) in _PARAM_SCALARS and (type(v) is not float or math.isfinite(v)))
            or str_keyed(v)
            for v in value.values()
        )
    )


def _tools(value: Any) -> bool:
    return value is None or (
        type(value) is list
        and all(
            type(tool) is dict
            and tool.keys() == _TOOL_KEYS
            and text_ok(tool["name"], 1)
            and type(tool["description"]) is str
            and str_keyed(tool["parameters"])
            for tool in value
        )
    )


def _variables(value: Any) -> bool:
    return value is None or (
        str_keyed(value)
        and all(passes(check_variable_name, name) for name in value)
        and all(
            type(v) is dict and v.keys() <= _VARIABLE_KEYS and optional_text(v.get("description"))
            for v in value.values()
        )
    )


def prompt_file_ok(data: Any) -> bool:
    """True only if `PromptFile.model_validate(data)` certainly succeeds."""
    if type(data) is not dict or not data.keys() <= PROMPT_KEYS:
        return False
    messages = data.get("messages")
    return (
        template_name_ok(data.get("name"))
        and text_ok(data.get("provider"), 1)
        and text_ok(data.get("model"), 1)
        and type(messages) is list
        and len(messages) >= 1
        and all(_message(message) for message in messages)
        and _llm_parameters(data.get("llm_parameters"))
        and _tools(data.get("tool_schema"))
        and (data.get("output_schema") is None or str_keyed(data["output_schema"]))
        and environments_ok(data.get("environments"))
        and optional_text(data.get("version_name"))
        and optional_text(data.get("version_description"))
        and _variables(data.get("variables"))
    )
