"""`plan --impact`: its settings in promptsync.yaml and its part of the Plan JSON. No I/O.

Documented in docs/impact.md and docs/plan-format.md. Sampled inputs are never part of a plan,
except the few truncated `examples` that `--impact-show-examples` asks for.
"""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from promptsync.kinds.prompts.breaking import BreakingKind
from promptsync.templating.shapes import Shape, ValueKind


class _Frozen(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid", defer_build=True)


class AffectedCalls(_Frozen):
    """One breaking change of the environment, and how many sampled calls it affects."""

    kind: BreakingKind
    detail: str
    affected: int | None = Field(
        description="Sampled calls it affects; null when their inputs cannot tell (tools,"
        " output schema, history)."
    )


class TypeMismatch(_Frozen):
    """Calls whose value of `variable` fits how the current version uses it, not the new one."""

    variable: str
    needs: Shape = Field(description="What the new version needs: text, object or list.")
    passed: dict[ValueKind, int] = Field(description="What those calls pass, by kind.")
    affected: int


class EmptyRenders(_Frozen):
    """The sampled inputs rendered as Freeplay's SDK renders them."""

    after: int = Field(description="Calls whose rendering of the new version leaves a tag empty.")
    before: int = Field(description="The same for the version the environment serves now.")
    variables: dict[str, int] = Field(description="Tag of the new version → calls it is empty in.")


class Example(_Frozen):
    """A sampled call's inputs, truncated (only with --impact-show-examples)."""

    completion_id: str | None
    inputs: dict[str, Any] = Field(
        description="Each value as recorded when at most 80 characters (as compact JSON),"
        " else its text cut to 80 characters ending in '…'."
    )
    omitted: int = Field(description="Variables of the call not shown.")


class PairImpact(_Frozen):
    """The recorded calls of one changed template in one environment."""

    kind: Literal["prompt_template"] = "prompt_template"
    name: str
    environment: str
    sampled: int | None = Field(description="Calls sampled; null when the search failed.")
    more: bool = Field(description="More calls matched than were sampled (shown as ≥).")
    breaking: list[AffectedCalls]
    type_mismatches: list[TypeMismatch]
    empty_renders: EmptyRenders | None
    examples: list[Example]
    error: str | None = Field(description="Why the calls could not be sampled.")


class Impact(_Frozen):
    """What `plan --impact` found: one entry per updated or promoted template × environment."""

    days: int
    sample: int
    since: str = Field(description="Calls are sampled from this UTC time on.")
    available: bool = Field(description="false: the registry cannot search its recorded calls.")
    note: str | None
    searches: int = Field(description="Search requests sent (one per pair).")
    pairs: list[PairImpact]
