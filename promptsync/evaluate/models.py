"""Pydantic models of an evaluation file (`evals/*.yaml`): which template is judged on which
dataset, against which baseline, by which checks, and the gate. No I/O here; the JSON Schema is
generated from them (`promptsync schema eval`)."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import AfterValidator, ConfigDict, Discriminator, Field, Tag

from promptsync.repo.config import SCHEMA_BASE, EnvironmentName, StrictModel
from promptsync.repo.rules import LATEST, TEMPLATE_NAME_MAX, check_label

Name = Annotated[
    str, Field(min_length=1, max_length=TEMPLATE_NAME_MAX), AfterValidator(check_label)
]


def _pattern(value: str) -> str:
    import re

    try:
        re.compile(value)
    except re.error as exc:
        raise ValueError(f"not a regular expression: {exc}") from None
    return value


class Contains(StrictModel):
    contains: str = Field(description="Text the answer must contain (mustache over the inputs).")


class NotContains(StrictModel):
    not_contains: str = Field(description="Text the answer must not contain (mustache too).")


class Regex(StrictModel):
    regex: Annotated[str, AfterValidator(_pattern)] = Field(
        description="A Python regular expression the answer must match (re.search)."
    )


class MaxChars(StrictModel):
    max_chars: int = Field(ge=1, description="At most this many characters.")


class EqualsExpected(StrictModel):
    equals_expected: Literal[True] = Field(
        description="The test case's `output`, compared whitespace-normalized."
    )


class JsonSchema(StrictModel):
    json_schema: Literal["output_schema"] | dict[str, Any] = Field(
        description="`output_schema` (the template's own) or an inline JSON Schema the answer,"
        " parsed as JSON, must satisfy."
    )


class ToolCalled(StrictModel):
    tool_called: str = Field(min_length=1, description="The model must call this tool.")


class JudgeSpec(StrictModel):
    rubric: str = Field(min_length=1, description="What a good answer does.")
    model: str = Field(min_length=1)
    provider: str = Field(min_length=1, description="A provider of `providers:` (or openai).")


class Judge(StrictModel):
    judge: JudgeSpec = Field(description="A model grades the answer PASS or FAIL by the rubric.")


CHECK_KINDS = {
    "contains": Contains,
    "not_contains": NotContains,
    "regex": Regex,
    "max_chars": MaxChars,
    "equals_expected": EqualsExpected,
    "json_schema": JsonSchema,
    "tool_called": ToolCalled,
    "judge": Judge,
}


def _check_kind(value: Any) -> str | None:
    """A check is a mapping of one key, its kind (a model instance: its one field)."""
    if isinstance(value, dict):
        return next(iter(value)) if len(value) == 1 else None
    return next((k for k, m in CHECK_KINDS.items() if isinstance(value, m)), None)


Check = Annotated[
    Annotated[Contains, Tag("contains")]
    | Annotated[NotContains, Tag("not_contains")]
    | Annotated[Regex, Tag("regex")]
    | Annotated[MaxChars, Tag("max_chars")]
    | Annotated[EqualsExpected, Tag("equals_expected")]
    | Annotated[JsonSchema, Tag("json_schema")]
    | Annotated[ToolCalled, Tag("tool_called")]
    | Annotated[Judge, Tag("judge")],
    Discriminator(
        _check_kind,
        custom_error_type="check_kind",
        custom_error_message="a check is one of: contains, not_contains, regex, max_chars,"
        " equals_expected, json_schema, tool_called, judge",
    ),
]


class Gate(StrictModel):
    min_pass_rate: float | None = Field(
        default=None, ge=0, le=1, description="The new version's pass rate must reach this."
    )
    max_regressions: int | None = Field(
        default=None, ge=0, description="At most this many cases may go from pass to fail."
    )


def _not_latest(value: str) -> str:
    if value == LATEST:
        raise ValueError("'latest' is not a baseline: name a managed environment")
    return value


class EvalFile(StrictModel):
    model_config = ConfigDict(
        title="promptsync evaluation file",
        json_schema_extra={
            "$schema": "https://json-schema.org/draft/2020-12/schema",
            "$id": f"{SCHEMA_BASE}/eval.schema.json",
        },
    )

    template: Name = Field(description="The template evaluated (it has prompt files).")
    dataset: Name = Field(description="The dataset whose test cases it runs (a dataset file).")
    baseline: Annotated[EnvironmentName, AfterValidator(_not_latest)] | None = Field(
        default=None,
        description="The environment whose version is the 'before' (default: the first managed).",
    )
    sample: int | None = Field(
        default=None, ge=1, description="At most this many test cases (a deterministic choice)."
    )
    checks: list[Check] = Field(
        min_length=1, description="Every check must pass for a case to pass."
    )
    gate: Gate | None = None


def eval_keys(parent_loc: tuple[int | str, ...]) -> tuple[list[str], str]:
    """Keys allowed at a pydantic error location (for hints)."""
    names = [part for part in parent_loc if isinstance(part, str)]
    if not names:
        return list(EvalFile.model_fields), ""
    if names[0] == "gate":
        return list(Gate.model_fields), ""
    if names[0] == "checks" and "judge" in names:
        return list(JudgeSpec.model_fields), ""
    if names[0] == "checks":
        kinds = ["contains", "not_contains", "regex", "max_chars", "equals_expected"]
        return [*kinds, "json_schema", "tool_called", "judge"], " (one check per list item)"
    return [], ""
