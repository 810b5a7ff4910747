"""Scoring one model answer against an eval file's checks. Pure, except that a judge check asks
for one more model call (`judge_request`), whose answer `judged` reads.

`contains` and `not_contains` are mustache over the test case's inputs (so `{{product}}` is the
case's product); `equals_expected` compares with the case's `output`, whitespace-normalized;
`json_schema` parses the answer as JSON and validates it (the template's own `output_schema`, or
an inline schema) with the `jsonschema` library when it is installed, else the answer must at
least be JSON; `tool_called` looks at the answer's tool calls.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from promptsync.evaluate.models import (
    Check,
    Contains,
    EqualsExpected,
    JsonSchema,
    Judge,
    MaxChars,
    NotContains,
    Regex,
    ToolCalled,
)
from promptsync.evaluate.render import ModelRequest
from promptsync.templating import formats


@dataclass(frozen=True)
class Answer:
    """What the model answered: its text and the tools it called."""

    text: str
    tool_calls: tuple[str, ...] = ()
    input_tokens: int = 0
    output_tokens: int = 0


@dataclass(frozen=True)
class Score:
    passed: bool
    failed_checks: tuple[str, ...] = field(default_factory=tuple)


def label(check: Check) -> str:
    """A check as one line (for failures and examples)."""
    data = check.model_dump()
    kind, value = next(iter(data.items()))
    if kind == "judge":
        return f"judge: {value['rubric'][:60]}"
    shown = value if isinstance(value, str | int | bool) else json.dumps(value)[:60]
    return f"{kind}: {shown}"


def _normalized(text: str) -> str:
    return " ".join(text.split())


def _schema_ok(text: str, schema: Mapping[str, Any] | None) -> bool:
    try:
        value = json.loads(text)
    except ValueError:
        return False
    if not schema:
        return True
    try:
        import jsonschema
    except ImportError:  # pragma: no cover - a dev dependency; without it, JSON is enough
        return True
    try:
        jsonschema.validate(value, dict(schema))
    except jsonschema.ValidationError:
        return False
    except jsonschema.SchemaError:
        return False
    return True


def passes(
    check: Check,
    answer: Answer,
    case: Mapping[str, Any],
    output_schema: Mapping[str, Any] | None,
    judged: bool | None = None,
) -> bool:
    """Whether one (non-judge, or already judged) check passes."""
    inputs = dict(case.get("inputs") or {})
    if isinstance(check, Contains):
        return formats.bind(check.contains, formats.MUSTACHE, inputs) in answer.text
    if isinstance(check, NotContains):
        return formats.bind(check.not_contains, formats.MUSTACHE, inputs) not in answer.text
    if isinstance(check, Regex):
        return re.search(check.regex, answer.text) is not None
    if isinstance(check, MaxChars):
        return len(answer.text) <= check.max_chars
    if isinstance(check, EqualsExpected):
        expected = case.get("output")
        return expected is not None and _normalized(expected) == _normalized(answer.text)
    if isinstance(check, JsonSchema):
        schema = output_schema if check.json_schema == "output_schema" else check.json_schema
        return _schema_ok(answer.text, schema if isinstance(schema, Mapping) else None)
    if isinstance(check, ToolCalled):
        return check.tool_called in answer.tool_calls
    assert isinstance(check, Judge)
    return bool(judged)


def score(
    checks: Sequence[Check],
    answer: Answer,
    case: Mapping[str, Any],
    output_schema: Mapping[str, Any] | None,
    judgements: Sequence[bool],
) -> Score:
    """Every check; `judgements` are the judge checks' verdicts, in order."""
    verdicts = iter(judgements)
    failed = [
        label(check)
        for check in checks
        if not passes(
            check,
            answer,
            case,
            output_schema,
            next(verdicts) if isinstance(check, Judge) else None,
        )
    ]
    return Score(not failed, tuple(failed))


JUDGE_SYSTEM = (
    "You grade an AI assistant's answer against a rubric. Reply with exactly PASS or FAIL on"
    " the first line, then one sentence of reason."
)


def judge_request(check: Judge, case: Mapping[str, Any], answer: Answer) -> ModelRequest:
    """The call that grades one answer by the rubric."""
    inputs = json.dumps(case.get("inputs") or {}, ensure_ascii=False, sort_keys=True)
    user = (
        f"Rubric: {check.judge.rubric}\n\nThe inputs: {inputs}\n\nThe answer:\n{answer.text}\n\n"
        "Does the answer satisfy the rubric?"
    )
    return ModelRequest(
        provider=check.judge.provider,
        model=check.judge.model,
        messages=({"role": "system", "content": JUDGE_SYSTEM}, {"role": "user", "content": user}),
        params={"temperature": 0, "max_tokens": 64},
    )


def judged(answer: Answer) -> bool:
    """A judge's verdict: its answer starts with PASS."""
    return answer.text.strip().upper().startswith("PASS")
