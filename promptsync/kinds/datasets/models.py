"""Pydantic models of a dataset file (`datasets/*.yaml`) and of one test case. No I/O here; the
JSON Schema of the format is generated from them (`promptsync schema dataset`).

Freeplay's dataset bodies are the contract (`CreatePromptDatasetRequest`, `PromptTestCase`):
what a test case may hold is what Freeplay can store — inputs (any JSON value), an expected
output (text), metadata (text, number or boolean values) and a conversation history (messages of
text). Anything else is a located error, never silently dropped.
"""

from __future__ import annotations

import math
from typing import Annotated, Any, Literal

from pydantic import (
    AfterValidator,
    ConfigDict,
    Field,
    StrictBool,
    StrictFloat,
    StrictInt,
    StrictStr,
)

from promptsync.repo.config import SCHEMA_BASE, StrictModel
from promptsync.repo.rules import TEMPLATE_NAME_MAX, check_label, check_variable_name

MetadataValue = StrictStr | StrictInt | StrictFloat | StrictBool
DatasetName = Annotated[
    str, Field(min_length=1, max_length=TEMPLATE_NAME_MAX), AfterValidator(check_label)
]
InputName = Annotated[str, AfterValidator(check_variable_name)]


class HistoryMessage(StrictModel):
    """One message of a conversation that comes before the test case's input."""

    role: Literal["system", "user", "assistant"]
    content: str


def _json_values(value: dict[str, Any]) -> dict[str, Any]:
    """Inputs are sent as JSON: NaN and infinity anywhere in them are refused."""

    def finite(item: Any) -> bool:
        if isinstance(item, float):
            return math.isfinite(item)
        if isinstance(item, dict):
            return all(finite(v) for v in item.values())
        if isinstance(item, list):
            return all(finite(v) for v in item)
        return True

    if not finite(value):
        raise ValueError("NaN and infinity are not JSON")
    return value


class TestCase(StrictModel):
    """One test case: the template's inputs, and optionally what it should answer."""

    __test__ = False  # not a pytest test class

    inputs: Annotated[dict[InputName, Any], AfterValidator(_json_values)] = Field(
        description="Variable name → value (any JSON value)."
    )
    output: str | None = Field(default=None, description="The expected output (text).")
    metadata: dict[str, MetadataValue] | None = Field(
        default=None, description="Text, number or boolean values only (Freeplay's limit)."
    )
    history: list[HistoryMessage] | None = Field(
        default=None, description="A conversation before the input (the dataset supports history)."
    )


def _unique(value: list[str] | None) -> list[str] | None:
    seen: set[str] = set()
    for name in value or []:
        if name in seen:
            raise ValueError(f"input {name!r} is listed twice")
        seen.add(name)
    return value


class DatasetFile(StrictModel):
    """One dataset: its name in the registry, its inputs and its test cases."""

    model_config = ConfigDict(
        title="promptsync dataset file",
        json_schema_extra={
            "$schema": "https://json-schema.org/draft/2020-12/schema",
            "$id": f"{SCHEMA_BASE}/dataset.schema.json",
        },
    )

    name: DatasetName = Field(description="The registry's dataset name (case-sensitive).")
    description: str | None = None
    input_names: Annotated[list[InputName] | None, AfterValidator(_unique)] = Field(
        default=None,
        description="The dataset's inputs, in order. Default: every input the test cases use,"
        " in order of first use.",
    )
    test_cases: list[TestCase] | None = Field(
        default=None, description="The test cases (or cases_file; one of the two)."
    )
    cases_file: str | None = Field(
        default=None,
        min_length=1,
        description="A JSON Lines file of test cases, one object a line, relative to this file.",
    )


def dataset_keys(parent_loc: tuple[int | str, ...]) -> tuple[list[str], str]:
    """Keys allowed in a dataset file's mapping at a pydantic error location (for hints)."""
    names = [part for part in parent_loc if isinstance(part, str)]
    if not names:
        return list(DatasetFile.model_fields), ""
    if names[0] == "test_cases" and "history" in names:
        return list(HistoryMessage.model_fields), ""
    if names[0] == "test_cases":
        return list(TestCase.model_fields), ""
    return [], ""


def case_keys(parent_loc: tuple[int | str, ...]) -> tuple[list[str], str]:
    """The same for one line of a cases file (a test case)."""
    if "history" in [part for part in parent_loc if isinstance(part, str)]:
        return list(HistoryMessage.model_fields), ""
    return list(TestCase.model_fields), ""
