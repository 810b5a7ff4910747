"""Is this data certainly valid? The pydantic-free checks every file kind builds on, and the
config's own (a mirror of `repo.config.Config`).

`validate` reads thousands of files, and importing pydantic costs more than reading a thousand of
them. These checks answer only "certainly valid" (True) or "let the models decide" (False); when
they say True the models accept the data unchanged (tests/test_shape.py holds them to that).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeGuard

from promptsync.repo.rules import (
    ENVIRONMENT_NAME_MAX,
    LATEST,
    check_api_url,
    check_label,
    check_project_id,
)

CONFIG_KEYS = frozenset(
    {"backend", "project_id", "api_url", "prompts_dir", "datasets_dir", "evals_dir", "environments"}
)


def passes(check: Callable[[str], str], value: str) -> bool:
    try:
        check(value)
    except ValueError:
        return False
    return True


def text_ok(value: Any, min_length: int = 0, max_length: int | None = None) -> bool:
    return (
        type(value) is str
        and len(value) >= min_length
        and (max_length is None or len(value) <= max_length)
    )


def optional_text(value: Any) -> bool:
    return value is None or type(value) is str


def str_keyed(value: Any) -> bool:
    return type(value) is dict and all(type(key) is str for key in value)


def environment_ok(value: Any) -> TypeGuard[str]:
    """An environment name a prompt file may claim."""
    return (
        text_ok(value, 1, ENVIRONMENT_NAME_MAX) and value != LATEST and passes(check_label, value)
    )


def environments_ok(value: Any) -> bool:
    return value is None or (
        type(value) is list
        and len(value) >= 1
        and all(environment_ok(env) for env in value)
        and len(set(value)) == len(value)
    )


def config_ok(data: Any) -> bool:
    """True only if the config loader certainly accepts `data`. (No config key looks like a
    credential, so allowing only config keys also passes the loader's credential check.)"""
    if type(data) is not dict or not data.keys() <= CONFIG_KEYS:
        return False
    project_id, api_url = data.get("project_id"), data.get("api_url")
    return (
        data.get("backend", "freeplay") == "freeplay"
        and (project_id is None or (text_ok(project_id) and passes(check_project_id, project_id)))
        and (api_url is None or (text_ok(api_url) and passes(check_api_url, api_url)))
        and text_ok(data.get("prompts_dir", "prompts"), 1)
        and text_ok(data.get("datasets_dir", "datasets"), 1)
        and text_ok(data.get("evals_dir", "evals"), 1)
        and environments_ok(data.get("environments"))
    )
