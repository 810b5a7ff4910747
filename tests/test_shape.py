"""The pydantic-free shape checks never vouch for data the models reject, and vouch for real files.

If `prompt_file_ok` said True for data PromptFile rejects, `validate` would pass a file that
`plan` refuses; these tests generate data around the valid shape to look for such a case.
"""

from __future__ import annotations

import copy
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from pydantic import ValidationError

from bench.validate import prompt_text
from promptsync.kinds.prompts.models import PromptFile, trusted_prompt
from promptsync.kinds.prompts.shape import prompt_file_ok
from promptsync.repo.config import Config
from promptsync.repo.discovery import find_prompt_files
from promptsync.repo.shape import config_ok
from promptsync.repo.yamlread import read_document
from tests.conftest import REPO

odd_values = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(2**70), max_value=2**70),
    st.floats(),
    st.text(max_size=6),
    st.sampled_from(["", " ", "latest", "prod", "user", "history", "image", "x\u200by", "1a"]),
    st.sampled_from([[], {}, [{}], {"kind": "history"}]),
    st.lists(st.text(max_size=3), max_size=2),
    st.dictionaries(st.text(max_size=3), st.integers(), max_size=2),
)

VALID: dict[str, Any] = {
    "name": "album_bot",
    "provider": "openai",
    "model": "gpt-4o",
    "llm_parameters": {"temperature": 0.2, "max_tokens": 64, "extra": {"a": 1}, "s": "x"},
    "messages": [
        {"role": "system", "content": "Hi {{pop_star}}"},
        {"kind": "history"},
        {
            "role": "user",
            "content": "x",
            "media_slots": [{"type": "image", "placeholder_name": "cover"}],
        },
    ],
    "tool_schema": [{"name": "f", "description": "d", "parameters": {"type": "object"}}],
    "output_schema": {"type": "object"},
    "environments": ["staging", "prod"],
    "version_name": "v1",
    "version_description": None,
    "variables": {"pop_star": {"example": "Taylor", "description": "who"}, "b_2": {}},
}


def _paths(data: Any, prefix: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    """Every key/index path into the data, for mutation."""
    found = [prefix]
    if isinstance(data, dict):
        for key, value in data.items():
            found += _paths(value, (*prefix, key))
    elif isinstance(data, list):
        for i, value in enumerate(data):
            found += _paths(value, (*prefix, i))
    return found


def _values(data: Any) -> list[Any]:
    """Every value in the data: reusing them makes duplicates (environments, tools, names)."""
    return [_at(data, path) for path in _paths(data)]


def _at(data: Any, path: tuple[Any, ...]) -> Any:
    for part in path:
        data = data[part]
    return data


def _mutated(data: st.DataObject, doc: Any, extra: st.SearchStrategy[Any]) -> Any:
    for _ in range(data.draw(st.integers(1, 3))):
        path = data.draw(st.sampled_from(_paths(doc)))
        how = data.draw(st.sampled_from(["set", "delete", "add"]))
        value = data.draw(st.one_of(odd_values, extra, st.sampled_from(_values(doc))))
        doc = _mutate(doc, path, how, copy.deepcopy(value))
    return doc


def _mutate(data: Any, path: tuple[Any, ...], how: str, value: Any) -> Any:
    data = copy.deepcopy(data)
    if not path:
        return value
    parent = data
    for part in path[:-1]:
        parent = parent[part]
    last = path[-1]
    if how == "set":
        parent[last] = value
    elif how == "delete":
        del parent[last]
    elif how == "add" and isinstance(parent[last], dict):
        parent[last][value if isinstance(value, str) else "extra"] = value
    elif how == "add" and isinstance(parent[last], list):
        parent[last].append(value)
    return data


def _model_accepts(model: type[PromptFile] | type[Config], data: Any) -> bool:
    try:
        validated = model.model_validate(data)
    except ValidationError:
        return False
    if model is PromptFile and prompt_file_ok(data):
        # What the loader builds without validating is what validating would give.
        trusted = trusted_prompt(data)
        assert trusted == validated
        assert trusted.model_dump() == validated.model_dump()
    return True


def test_the_valid_example_is_vouched_for() -> None:
    assert prompt_file_ok(VALID)
    assert _model_accepts(PromptFile, VALID)


@settings(max_examples=1500, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.data())
def test_prompt_shape_never_vouches_for_what_the_model_rejects(data: st.DataObject) -> None:
    doc = _mutated(data, VALID, st.sampled_from(["kind", "role", "content", "media_slots"]))
    if prompt_file_ok(doc):
        assert _model_accepts(PromptFile, doc), doc


CONFIG: dict[str, Any] = {
    "backend": "freeplay",
    "project_id": "8f93dd00-2eb5-4ba2-9354-86d5c6831dfd",
    "api_url": "http://127.0.0.1:8765",
    "prompts_dir": "prompts",
    "environments": ["staging", "prod"],
}


@settings(max_examples=600, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.data())
def test_config_shape_never_vouches_for_what_the_loader_rejects(data: st.DataObject) -> None:
    extra = st.sampled_from(["promptlayer", "https://x.io", "http://example.com", "api_key"])
    doc = _mutated(data, CONFIG, extra)
    if config_ok(doc):
        assert _model_accepts(Config, doc), doc


def test_real_files_are_vouched_for() -> None:
    """Otherwise validate would quietly take the slow way for ordinary files."""
    for file in find_prompt_files(REPO / "prompts"):
        assert prompt_file_ok(read_document(file.read_bytes(), str(file)).data), file
    for i in range(200):
        assert prompt_file_ok(read_document(prompt_text(i).encode(), "bench.yaml").data)
    config = read_document((REPO / "promptsync.yaml").read_bytes(), "promptsync.yaml").data
    assert config_ok(config)


def _with(path: tuple[Any, ...], value: Any) -> Any:
    return _mutate(VALID, path, "set", value)


REJECTED = {
    "extra key": _mutate(VALID, (), "set", {**VALID, "modle": "x"}),
    "no messages": _with(("messages",), []),
    "empty name": _with(("name",), ""),
    "long name": _with(("name",), "n" * 257),
    "control char": _with(("name",), "a\x07"),
    "empty provider": _with(("provider",), ""),
    "empty model": _with(("model",), ""),
    "bool parameter": _with(("llm_parameters", "temperature"), True),
    "list parameter": _with(("llm_parameters", "temperature"), [1]),
    "role": _with(("messages", 0, "role"), "bot"),
    "content": _with(("messages", 0, "content"), 1),
    "history extra": _with(("messages", 1), {"kind": "history", "role": "user"}),
    "history kind": _with(("messages", 1), {"kind": "histroy"}),
    "slot type": _with(("messages", 2, "media_slots", 0, "type"), "picture"),
    "slot name": _with(("messages", 2, "media_slots", 0, "placeholder_name"), ""),
    "tool name": _with(("tool_schema", 0, "name"), ""),
    "tool parameters": _with(("tool_schema", 0, "parameters"), []),
    "output schema": _with(("output_schema",), []),
    "no environments": _with(("environments",), []),
    "latest": _with(("environments", 1), "latest"),
    "environment twice": _with(("environments", 1), "staging"),
    "version name": _with(("version_name",), 1.2),
    "variable": _with(("variables", "pop_star"), "Taylor"),
    "variable key": _with(("variables", "pop_star"), {"exmaple": 1}),
    "variable name": _mutate(VALID, ("variables",), "set", {"1a": {}}),
    "invisible name": _with(("name",), "a\u200bb"),
    "blank name": _with(("name",), "  "),
    "spaced environment": _with(("environments", 0), "prod "),
}


@pytest.mark.parametrize("case", sorted(REJECTED))
def test_shape_refuses_each_rule_it_mirrors(case: str) -> None:
    assert not _model_accepts(PromptFile, REJECTED[case])
    assert not prompt_file_ok(REJECTED[case])


DATASETS = [
    {"name": "d", "test_cases": [{"inputs": {"q": "a"}}]},
    {"name": "d", "input_names": ["q"], "test_cases": [{"inputs": {"q": 1.5}, "output": "x"}]},
    {"name": "d", "test_cases": [{"inputs": {"q": "a"}, "metadata": {"k": True, "n": 2}}]},
    {"name": "d", "test_cases": [{"inputs": {}, "history": [{"role": "user", "content": "hi"}]}]},
    {"name": "d", "cases_file": "d.jsonl"},
    {"name": "d", "test_cases": [{"inputs": {"q": "a"}, "metadata": {"k": [1]}}]},
    {"name": "d", "test_cases": [{"inputs": {"1bad": "a"}}]},
    {"name": "d", "test_cases": [{"inputs": {"q": "a"}, "output": 3}]},
    {"name": "d", "input_names": ["q", "q"], "test_cases": []},
    {"name": "d", "test_cases": [{"inputs": {"q": float("nan")}}]},
    {"name": "d", "test_cases": [{"inputs": {}, "history": [{"role": "bot", "content": "x"}]}]},
    {"name": " d", "test_cases": []},
]


@pytest.mark.parametrize("data", DATASETS)
def test_the_dataset_shape_check_agrees_with_the_model(data: dict[str, Any]) -> None:
    from pydantic import ValidationError

    from promptsync.kinds.datasets.models import DatasetFile
    from promptsync.kinds.datasets.shape import dataset_ok

    if dataset_ok(data):
        DatasetFile.model_validate(data)  # must not raise
    else:
        with pytest.raises(ValidationError):
            DatasetFile.model_validate(data)


EVALS = [
    {"template": "t", "dataset": "d", "checks": [{"contains": "{{x}}"}]},
    {
        "template": "t",
        "dataset": "d",
        "baseline": "prod",
        "sample": 5,
        "checks": [{"max_chars": 9}],
    },
    {
        "template": "t",
        "dataset": "d",
        "checks": [{"judge": {"rubric": "r", "model": "m", "provider": "p"}}],
    },
    {
        "template": "t",
        "dataset": "d",
        "checks": [{"json_schema": "output_schema"}],
        "gate": {"min_pass_rate": 1},
    },
    {"template": "t", "dataset": "d", "checks": []},
    {"template": "t", "dataset": "d", "checks": [{"regex": "("}]},
    {"template": "t", "dataset": "d", "checks": [{"contains": "a", "regex": "b"}]},
    {"template": "t", "dataset": "d", "baseline": "latest", "checks": [{"contains": "a"}]},
    {"template": "t", "dataset": "d", "checks": [{"max_chars": 0}]},
    {"template": "t", "dataset": "d", "checks": [{"equals_expected": False}]},
]


@pytest.mark.parametrize("data", EVALS)
def test_the_eval_shape_check_agrees_with_the_model(data: dict[str, Any]) -> None:
    from pydantic import ValidationError

    from promptsync.evaluate.models import EvalFile
    from promptsync.evaluate.shape import eval_ok

    if eval_ok(data):
        EvalFile.model_validate(data)
    else:
        with pytest.raises(ValidationError):
            EvalFile.model_validate(data)
