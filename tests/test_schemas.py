"""The committed JSON Schemas are exactly what the models generate, and they accept the examples."""

from __future__ import annotations

import json

import jsonschema
import pytest

from promptsync.commands.schema import schema, schema_json
from promptsync.kinds.prompts.load import find_prompt_files
from promptsync.repo.yamlread import read_document
from tests.conftest import REPO

KINDS = ["prompt", "dataset", "eval", "config", "plan", "plans"]


@pytest.mark.parametrize("kind", KINDS)
def test_committed_schema_matches_models(kind: str) -> None:
    committed = (REPO / "schemas" / f"{kind}.schema.json").read_text(encoding="utf-8")
    assert committed == schema_json(kind), (
        f"schemas/{kind}.schema.json is stale: run `promptsync schema {kind} >"
        f" schemas/{kind}.schema.json`"
    )


def test_example_prompts_validate_against_schema() -> None:
    validator = jsonschema.Draft202012Validator(schema("prompt"))
    files = find_prompt_files(REPO / "prompts")
    assert len(files) >= 7
    files += find_prompt_files(REPO / "examples" / "promptlayer" / "prompts")
    for file in files:
        doc = read_document(file.read_bytes(), str(file))
        validator.validate(doc.data)


@pytest.mark.parametrize("config", ["promptsync.yaml", "examples/promptlayer/promptsync.yaml"])
def test_example_config_validates_against_schema(config: str) -> None:
    doc = read_document((REPO / config).read_bytes(), config)
    jsonschema.Draft202012Validator(schema("config")).validate(doc.data)


def test_schema_rejects_what_the_loader_rejects() -> None:
    validator = jsonschema.Draft202012Validator(schema("prompt"))
    bad = {
        "name": "x",
        "provider": "openai",
        "model": "m",
        "messages": [{"role": "bot", "content": "hi"}],
    }
    assert not validator.is_valid(bad)
    assert not validator.is_valid({**bad, "modle": 1})
    assert json.loads(schema_json("prompt"))["$id"].endswith("prompt.schema.json")
