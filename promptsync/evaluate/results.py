"""Evaluation's part of the Plan JSON (`plan --eval`): per template, how the new version did on
its test cases next to the baseline's version. Documented in docs/evaluation.md and
docs/plan-format.md. No model output is ever part of a plan, except the few truncated examples
`--eval-show-examples` asks for."""

from __future__ import annotations

from typing import Any

from pydantic import Field

from promptsync.kinds.common import Frozen


class Side(Frozen):
    """One version's run over the test cases."""

    version: str = Field(description="'new', or the baseline environment's version id.")
    passed: int
    failed: int
    errors: int = Field(description="Cases whose model call failed (neither passed nor failed).")

    @property
    def scored(self) -> int:
        return self.passed + self.failed

    @property
    def pass_rate(self) -> float | None:
        return self.passed / self.scored if self.scored else None


class Example(Frozen):
    """A regressed case (only with --eval-show-examples), every value cut to 200 characters."""

    inputs: dict[str, Any]
    before: str
    after: str
    failed_checks: list[str]


class TemplateEval(Frozen):
    template: str
    dataset: str
    baseline: str | None = Field(description="The baseline environment (null: nothing before).")
    cases: int = Field(description="Test cases run (after sampling).")
    after: Side
    before: Side | None = Field(description="null when the baseline serves no version.")
    improved: int = Field(description="Cases failing before and passing now.")
    regressed: int = Field(description="Cases passing before and failing now.")
    calls: int = Field(description="Model calls made (cache hits are not calls).")
    cached: int = Field(description="Model answers taken from the cache.")
    input_tokens: int
    output_tokens: int
    test_run: str | None = Field(
        default=None, description="Freeplay: the test run the new version's results went to."
    )
    gate: str | None = Field(default=None, description="Why the gate failed (null: it passed).")
    note: str | None = Field(default=None, description="Why the evaluation was not run.")
    examples: list[Example] = Field(default_factory=list)


class Evaluation(Frozen):
    templates: list[TemplateEval]
    skipped: list[str] = Field(
        default_factory=list, description="Why evaluation was skipped (fork PRs, no eval files)."
    )
    gate_failed: bool = Field(description="A gate failed (plan --eval exits 3).")
