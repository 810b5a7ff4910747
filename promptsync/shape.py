"""Is this data certainly valid? A pydantic-free mirror of the PromptFile and Config models.

`validate` reads thousands of files, and importing pydantic costs more than reading a thousand of
them. These checks answer only "certainly valid" (True) or "let the models decide" (False). When
they say True the models accept the data unchanged — tests/test_shape.py holds them to that — and
anything they do not recognise (an unknown key, an unexpected type, a rule not mirrored here)
gives False, so pydantic stays the validator and the author of every message.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any, TypeGuard

from promptsync.rules import (
    ENVIRONMENT_NAME_MAX,
    MEDIA_TYPES,
    ROLES,
    TEMPLATE_NAME_MAX,
    check_api_url,
    check_label,
    check_project_id,
    check_variable_name,
)

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
CONFIG_KEYS = frozenset({"backend", "project_id", "api_url", "prompts_dir", "environments"})
_MESSAGE_KEYS = frozenset({"role", "content", "media_slots"})
_SLOT_KEYS = frozenset({"type", "placeholder_name"})
_TOOL_KEYS = frozenset({"name", "description", "parameters"})
_VARIABLE_KEYS = frozenset({"example", "description"})
_PARAM_SCALARS = (str, int, float)  # exact types: a bool is not an int here, as in strict mode


def _passes(check: Callable[[str], str], value: str) -> bool:
    try:
        check(value)
    except ValueError:
        return False
    return True


def _text(value: Any, min_length: int = 0, max_length: int | None = None) -> bool:
    return (
        type(value) is str
        and len(value) >= min_length
        and (max_length is None or len(value) <= max_length)
    )


def _optional_text(value: Any) -> bool:
    return value is None or type(value) is str


def _str_keyed(value: Any) -> bool:
    return type(value) is dict and all(type(key) is str for key in value)


def template_name_ok(value: Any) -> TypeGuard[str]:
    """A valid template name (the `name` of a prompt file)."""
    return _text(value, 1, TEMPLATE_NAME_MAX) and _passes(check_label, value)


def environment_ok(value: Any) -> TypeGuard[str]:
    """An environment name a prompt file may claim."""
    return (
        _text(value, 1, ENVIRONMENT_NAME_MAX) and value != "latest" and _passes(check_label, value)
    )


def _environments(value: Any) -> bool:
    return value is None or (
        type(value) is list
        and len(value) >= 1
        and all(environment_ok(env) for env in value)
        and len(set(value)) == len(value)
    )


def _media_slots(value: Any) -> bool:
    return value is None or (
        type(value) is list
        and all(
            type(slot) is dict
            and slot.keys() == _SLOT_KEYS
            and type(slot["type"]) is str
            and slot["type"] in MEDIA_TYPES
            and _text(slot["placeholder_name"], 1)
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
        _str_keyed(value)
        and all(
            (type(v) in _PARAM_SCALARS and (type(v) is not float or math.isfinite(v)))
            or _str_keyed(v)
            for v in value.values()
        )
    )


def _tools(value: Any) -> bool:
    return value is None or (
        type(value) is list
        and all(
            type(tool) is dict
            and tool.keys() == _TOOL_KEYS
            and _text(tool["name"], 1)
            and type(tool["description"]) is str
            and _str_keyed(tool["parameters"])
            for tool in value
        )
    )


def _variables(value: Any) -> bool:
    return value is None or (
        _str_keyed(value)
        and all(_passes(check_variable_name, name) for name in value)
        and all(
            type(v) is dict and v.keys() <= _VARIABLE_KEYS and _optional_text(v.get("description"))
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
        and _text(data.get("provider"), 1)
        and _text(data.get("model"), 1)
        and type(messages) is list
        and len(messages) >= 1
        and all(_message(message) for message in messages)
        and _llm_parameters(data.get("llm_parameters"))
        and _tools(data.get("tool_schema"))
        and (data.get("output_schema") is None or _str_keyed(data["output_schema"]))
        and _environments(data.get("environments"))
        and _optional_text(data.get("version_name"))
        and _optional_text(data.get("version_description"))
        and _variables(data.get("variables"))
    )


def config_ok(data: Any) -> bool:
    """True only if the config loader certainly accepts `data`. (No config key looks like a
    credential, so allowing only config keys also passes the loader's credential check.)"""
    if type(data) is not dict or not data.keys() <= CONFIG_KEYS:
        return False
    project_id, api_url = data.get("project_id"), data.get("api_url")
    return (
        data.get("backend", "freeplay") == "freeplay"
        and (project_id is None or (_text(project_id) and _passes(check_project_id, project_id)))
        and (api_url is None or (_text(api_url) and _passes(check_api_url, api_url)))
        and _text(data.get("prompts_dir", "prompts"), 1)
        and _environments(data.get("environments"))
    )
