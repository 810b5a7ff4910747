"""The loader only ever returns models or raises LoadError, whatever it is fed."""

from __future__ import annotations

import string
from collections.abc import Callable
from typing import Any

import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from promptsync.errors import LoadError
from promptsync.kinds.prompts.desired import PromptSource
from promptsync.kinds.prompts.load import parse_prompt
from promptsync.kinds.prompts.models import PromptFile
from promptsync.repo.config import Config
from promptsync.repo.config_load import parse_config

KEYS = [
    "name",
    "provider",
    "model",
    "messages",
    "role",
    "content",
    "kind",
    "history",
    "environments",
    "llm_parameters",
    "tool_schema",
    "output_schema",
    "variables",
    "media_slots",
    "type",
    "placeholder_name",
    "version_name",
    "latest",
    "api_key",
]

scalars = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(),
    st.floats(allow_nan=False),
    st.text(max_size=20),
    st.sampled_from(["user", "system", "history", "{{x}}", "{{#a}}"]),
)
values: Any = st.recursive(
    scalars,
    lambda children: st.one_of(
        st.lists(children, max_size=4),
        st.dictionaries(
            st.one_of(st.sampled_from(KEYS), st.text(max_size=8)), children, max_size=5
        ),
    ),
    max_leaves=25,
)


def _outcome(parse: Callable[[], object]) -> object:
    """The parse result, or the LoadError it raised; any other exception fails the test."""
    try:
        return parse()
    except LoadError as exc:
        return exc


def _check(raw: bytes) -> None:
    result = _outcome(lambda: parse_prompt(raw, "fuzz.yaml")[0])
    if isinstance(result, LoadError):
        assert result.issues
        assert all(issue.line >= 0 and issue.column >= 0 for issue in result.issues)
    else:
        assert isinstance(result, PromptSource)
        assert isinstance(result.prompt, PromptFile)
    config = _outcome(lambda: parse_config(raw, "promptsync.yaml"))
    assert isinstance(config, Config | LoadError)


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(values)
def test_random_yaml_documents(doc: Any) -> None:
    _check(yaml.safe_dump(doc, allow_unicode=True).encode())


@settings(max_examples=400, deadline=None)
@given(st.binary(max_size=300))
def test_random_bytes(raw: bytes) -> None:
    _check(raw)


@settings(max_examples=400, deadline=None)
@given(st.text(alphabet=string.printable + "&*!|>-:[]{}#%@`'\"\t\u00e9", max_size=200))
def test_random_yaml_like_text(text: str) -> None:
    _check(text.encode())


@settings(max_examples=200, deadline=None)
@given(
    st.fixed_dictionaries(
        {
            "name": st.text(min_size=1, max_size=10),
            "provider": st.just("openai"),
            "model": st.just("gpt-4o"),
            "messages": st.lists(
                st.fixed_dictionaries(
                    {
                        "role": st.sampled_from(["system", "user", "assistant"]),
                        "content": st.text(alphabet="ab {}#/^&!.", max_size=30),
                    }
                ),
                min_size=1,
                max_size=3,
            ),
        }
    )
)
def test_near_valid_prompts(doc: dict[str, Any]) -> None:
    _check(yaml.safe_dump(doc, allow_unicode=True).encode())
