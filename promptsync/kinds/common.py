"""What every resource kind shares: the kinds' names, the frozen base of plan data, and orphans
(remote resources no file describes; promptsync never deletes them). Pure data."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Literal, Protocol

from pydantic import BaseModel, ConfigDict, Field

# The kinds of resource a plan manages, as named in Plan JSON: each kind's changes, operations and
# orphans carry theirs (a Literal of its own name), which is what the Plan's unions discriminate on.
PromptKind = Literal["prompt_template"]
Action = Literal["create", "update", "promote"]


class Frozen(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid", allow_inf_nan=False, defer_build=True)


class Orphan(Frozen):
    kind: PromptKind = "prompt_template"
    name: str
    template_id: str | None = Field(description="null when the registry's answer lacked it.")
    version_id: str | None


class Summary(Frozen):
    create: int
    update: int
    promote: int
    no_op: int
    breaking: int
    orphans: int


class Counted(Protocol):
    """What the summary counts of a change, whatever its kind."""

    @property
    def actions(self) -> Sequence[Action]: ...

    @property
    def breaking(self) -> Sequence[object]: ...


def change_counts(changes: Sequence[Counted]) -> dict[str, int]:
    """How many templates each action touches, and the breaking changes: what a plan's summary
    says of its changes (and what an apply report counts of the changes it finished)."""
    return {
        "create": sum("create" in c.actions for c in changes),
        "update": sum("update" in c.actions for c in changes),
        "promote": sum("promote" in c.actions for c in changes),
        "breaking": sum(len(c.breaking) for c in changes),
    }
