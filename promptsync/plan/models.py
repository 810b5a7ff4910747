"""The plan: frozen data built by the planner, rendered for humans and executed by apply.

Serialized as "Plan JSON" (format_version "2"), documented in docs/plan-format.md. It knows no
wire format: operations hold the desired content, and a backend turns them into requests. Each
resource kind brings its own changes and operations (`promptsync.kinds`); this is the envelope.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import ConfigDict, Field, SerializerFunctionWrapHandler, model_serializer

from promptsync.evaluate.results import Evaluation
from promptsync.impact.models import Impact
from promptsync.kinds.common import Frozen as _Frozen
from promptsync.kinds.common import Orphan, Summary, change_counts
from promptsync.kinds.datasets.changes import DatasetChange, DatasetOrphan, DatasetSummary
from promptsync.kinds.prompts.changes import Change, Unclaimed
from promptsync.repo.config import SCHEMA_BASE
from promptsync.repo.gitinfo import GitInfo

__all__ = ["FORMAT_VERSION", "BackendRef", "Plan", "Summary", "change_counts"]

FORMAT_VERSION = "2"
# Every kind's changes and orphans, in one list each, told apart by `kind`.
AnyChange = Annotated[Change | DatasetChange, Field(discriminator="kind")]
AnyOrphan = Annotated[Orphan | DatasetOrphan, Field(discriminator="kind")]


class BackendRef(_Frozen):
    """Which registry the plan is for."""

    kind: Literal["freeplay", "promptlayer"]
    api_url: str
    project_id: str | None = Field(default=None, description="Freeplay's project; null otherwise.")


class Plan(_Frozen):
    model_config = ConfigDict(
        frozen=True,
        extra="forbid",
        title="promptsync plan",
        json_schema_extra={
            "$schema": "https://json-schema.org/draft/2020-12/schema",
            "$id": f"{SCHEMA_BASE}/plan.schema.json",
        },
    )

    format_version: Literal["2"] = "2"
    promptsync_version: str
    created_at: str
    backend: BackendRef
    git: GitInfo | None
    environments: list[str] = Field(description="Managed environments, in order.")
    remote_fingerprint: dict[str, str]
    summary: Summary = Field(description="Prompt templates (datasets: `dataset_summary`).")
    changes: list[AnyChange]
    orphans: list[AnyOrphan]
    unclaimed: list[Unclaimed]
    warnings: list[str]
    dataset_summary: DatasetSummary | None = Field(
        default=None, description="Datasets, when the project has a datasets directory."
    )
    dataset_fingerprint: str | None = Field(
        default=None,
        description="A hash of everything the managed datasets held remotely (the stale check).",
    )
    held_back: list[str] = Field(
        default_factory=list,
        description="Changes the plan cannot make, one line each saying why (apply makes the"
        " others, then fails); absent when there are none.",
    )
    impact: Impact | None = Field(
        default=None, description="Evidence from recorded calls (plan --impact); absent without."
    )
    evaluation: Evaluation | None = Field(
        default=None,
        description="The changed templates run on their test cases (plan --eval); absent without.",
    )

    @model_serializer(mode="wrap")
    def _optional_parts_only_when_present(
        self, handler: SerializerFunctionWrapHandler
    ) -> dict[str, Any]:
        # A plan made without --impact (and holding nothing back) is exactly what it was before.
        data: dict[str, Any] = handler(self)
        if data.get("impact") is None:
            data.pop("impact", None)
        if not data.get("held_back"):
            data.pop("held_back", None)
        for key in ("dataset_summary", "dataset_fingerprint", "evaluation"):
            if data.get(key) is None:
                data.pop(key, None)
        return data

    @property
    def template_changes(self) -> list[Change]:
        return [c for c in self.changes if isinstance(c, Change)]

    @property
    def dataset_changes(self) -> list[DatasetChange]:
        return [c for c in self.changes if isinstance(c, DatasetChange)]

    @property
    def has_changes(self) -> bool:
        """Anything differs from the files: changes to make, or changes held back."""
        return bool(self.changes or self.held_back)
