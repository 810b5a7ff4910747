"""Applying a plan: preflight, every operation, the re-read that verifies, and the report."""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from promptsync.apply.execute import OpResult, execute
from promptsync.apply.verify import Mismatch, duplicates, verify, verify_datasets
from promptsync.errors import PromptsyncError
from promptsync.kinds.prompts.remote import LATEST
from promptsync.plan.models import FORMAT_VERSION, Plan, change_counts

if TYPE_CHECKING:
    from promptsync.backends.base import Backend


@dataclass(frozen=True)
class Report:
    plan: Plan
    results: list[OpResult]
    mismatches: list[Mismatch]
    interrupted: bool
    unverified: str | None = None  # why the remote could not be checked afterwards
    duplicates: list[str] = field(default_factory=list)  # created twice by concurrent deploys

    @property
    def failed(self) -> list[OpResult]:
        return [r for r in self.results if r.outcome != "succeeded"]

    @property
    def ok(self) -> bool:
        return not (self.failed or self.mismatches or self.interrupted or self.unverified)

    def counts(self) -> dict[str, int]:
        done = {(r.operation.kind, r.operation.name) for r in self.results}
        done -= {(r.operation.kind, r.operation.name) for r in self.failed}
        counts = change_counts([c for c in self.plan.template_changes if (c.kind, c.name) in done])
        found = {
            "created": counts["create"],
            "updated": counts["update"],
            "promoted": counts["promote"],
            "failed_operations": len([r for r in self.results if r.outcome == "failed"]),
        }
        if self.plan.dataset_changes:
            datasets = [c for c in self.plan.dataset_changes if (c.kind, c.name) in done]
            found["datasets_created"] = sum(c.action == "create" for c in datasets)
            found["datasets_updated"] = sum(c.action == "update" for c in datasets)
        return found

    def partly_done(self) -> list[str]:
        """Templates some of whose operations succeeded and some did not (counted nowhere)."""
        succeeded = {r.operation.name for r in self.results if r.outcome == "succeeded"}
        return sorted(succeeded & {r.operation.name for r in self.failed})

    def status(self) -> str:
        if self.interrupted:
            return "interrupted"
        return "applied" if self.ok else "failed"

    def as_json(self) -> dict[str, Any]:
        return {
            "format_version": FORMAT_VERSION,
            "status": self.status(),
            "verified": self.ok,
            "summary": self.counts(),
            "operations": [
                {
                    "op": r.operation.op,
                    "kind": r.operation.kind,
                    "name": r.operation.name,
                    "environments": getattr(r.operation, "environments", []),
                    "outcome": r.outcome,
                    "template_id": r.template_id,
                    "version_id": r.version_id,
                    "reused": r.reused,
                    "error": r.error,
                }
                for r in self.results
            ],
            "mismatches": [str(m) for m in self.mismatches],
            "verify_error": self.unverified,
            "duplicates": self.duplicates,
        }


NO_CHANGES_JSON: dict[str, Any] = {
    "format_version": FORMAT_VERSION,
    "status": "no_changes",
    "verified": True,
    "summary": {"created": 0, "updated": 0, "promoted": 0, "failed_operations": 0},
    "operations": [],
    "mismatches": [],
    "verify_error": None,
    "duplicates": [],
}


def apply_plan(
    plan: Plan,
    backend: Backend,
    *,
    parallelism: int,
    emit: Callable[[str], None],
    stop: threading.Event,
) -> Report:
    """Preflight, execute every operation, then re-read and verify."""
    # Only the environments the operations act on: one deleted in the registry blocks the
    # changes that need it, not a plan that leaves it alone (plan --env).
    targets = {
        env
        for change in plan.template_changes
        for op in change.operations
        for env in op.environments
    }
    backend.preflight([env for env in plan.environments if env in targets])
    results, interrupted = execute(plan, backend, parallelism=parallelism, emit=emit, stop=stop)
    mismatches: list[Mismatch] = []
    twice: list[str] = []
    unverified = None
    if not interrupted:
        try:
            after = backend.read([LATEST, *plan.environments])
            mismatches = verify(plan, after, results)
            twice = duplicates(plan, after, results)
            known = backend.known_datasets
            names = [  # a dataset the writes' answers showed whole, as planned, is not listed
                c.name
                for c in plan.dataset_changes
                if c.name not in known or sorted(known[c.name].elements()) != c.after_hashes
            ]
            if names:
                mismatches += verify_datasets(plan, backend.read_datasets(names), names)
        except PromptsyncError as exc:  # the operations' outcomes are still worth reporting
            unverified = str(exc)
    return Report(plan, results, mismatches, interrupted, unverified, [*twice, *backend.duplicates])
