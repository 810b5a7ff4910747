"""Saved plans (`plan --out`, `apply PLANFILE`): read, checked against edits, checked against
the remote. A saved plan is executed exactly; nothing in it is re-derived from the files.
Here: reading one, and the checks that need nothing but the plan (apply/stale.py re-reads the
remote)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import TYPE_CHECKING, TypeVar

from promptsync.errors import PromptsyncError
from promptsync.kinds.datasets.identity import case_hash
from promptsync.kinds.prompts.changes import CreateVersion, DeployVersion
from promptsync.kinds.prompts.identity import content_hash, content_of
from promptsync.kinds.prompts.remote import LATEST
from promptsync.plan.models import FORMAT_VERSION, Plan, change_counts
from promptsync.repo.discovery import display_path

if TYPE_CHECKING:
    from pydantic import BaseModel

M = TypeVar("M", bound="BaseModel")


def load_plan_file(path: str) -> Plan:
    return read_saved(path, Plan, several=False)


def read_saved(path: str, model: type[M], *, several: bool) -> M:
    """A saved plan: of one project (`Plan`) or of several (`several`: `plan --all`'s), each
    refused with a pointer to the other command; every problem one line naming the file."""
    from pydantic import ValidationError

    shown = display_path(Path(path))
    try:
        raw = Path(path).read_bytes()
    except OSError as exc:
        raise PromptsyncError(f"cannot read plan {shown}: {exc.strerror}") from None
    try:
        data = json.loads(raw)
    except (ValueError, UnicodeDecodeError):
        raise PromptsyncError(f"{shown}: not a promptsync plan (invalid JSON)") from None
    if not isinstance(data, dict):
        data = {}
    version = data.get("format_version")
    if version != FORMAT_VERSION:
        hint = " — it was made by an older promptsync: run plan again" if version == "1" else ""
        raise PromptsyncError(
            f"{shown}: plan format_version {version!r} is not supported (this promptsync reads"
            f" {FORMAT_VERSION!r}){hint}"
        )
    if several and data.get("kind") != "projects":
        raise PromptsyncError(
            f"{shown}: a plan of one project, not of several (plan --all): apply it without --all"
        )
    if not several and data.get("kind") == "projects":
        raise PromptsyncError(
            f"{shown}: a plan of several projects (plan --all): apply it with apply --all"
        )
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        where = ".".join(str(p) for p in exc.errors()[0]["loc"])
        raise PromptsyncError(f"{shown}: not a valid promptsync plan (at {where})") from None


def tampered(plan: Plan) -> list[str]:
    """Operations whose content does not hash to what the plan shows (an edited plan file)."""
    problems = []
    if set(plan.remote_fingerprint) != {LATEST, *plan.environments}:
        problems.append("remote_fingerprint does not cover latest and every managed environment")
    managed = set(plan.environments)
    summary = plan.summary.model_dump()
    wrong = [k for k, n in change_counts(plan.template_changes).items() if summary[k] != n]
    if wrong:
        problems.append(f"the summary's {', '.join(wrong)} count does not match its changes")
    problems += _tampered_datasets(plan)
    for change in plan.template_changes:
        shown = change.environments
        deployed = {e for op in change.operations for e in op.environments}
        creates = any(isinstance(op, CreateVersion) for op in change.operations)
        for env in shown:
            if env == LATEST and not creates:
                problems.append(f"{change.name}: latest is shown changing, but nothing creates")
            elif env != LATEST and env not in deployed:
                problems.append(
                    f"{change.name}: {env} is shown changing, but no operation acts on it"
                )
        for op in change.operations:
            where = f"{change.name}: {op.op}"
            if (op.kind, op.name) != (change.kind, change.name):
                problems.append(f"{where}: it acts on {op.name!r}, not on {change.name!r}")
            outside = [e for e in op.environments if e not in managed]
            if outside:
                problems.append(f"{where}: {', '.join(outside)} is not a managed environment")
            if isinstance(op, CreateVersion):
                if content_hash(content_of(op.content)) != op.hash:
                    problems.append(f"{where}: its content does not hash to {op.hash[:19]}…")
                targets = op.environments
            else:
                targets = [e for e in op.environments if e in shown]
            for env in targets:
                after = shown[env].after if env in shown else None
                if after is None or after.hash != op.hash:
                    problems.append(f"{where}: {env} is shown with other content than it deploys")
                elif isinstance(op, DeployVersion) and after.version_id != op.version_id:
                    problems.append(f"{where}: {env} is shown with another version")
            if isinstance(op, CreateVersion):
                for env in op.environments:
                    after = shown[env].after if env in shown else None
                    declared = after.version_name if after else None
                    if declared is not None and declared != op.content.version_name:
                        problems.append(f"{where}: {env} is shown with another version_name")
    return problems


def _tampered_datasets(plan: Plan) -> list[str]:
    """A dataset change whose operations act on another dataset, whose counts do not match the
    summary, or that adds test cases its `after_hashes` do not hold."""
    problems = []
    changes = plan.dataset_changes
    if changes and plan.dataset_summary is None:
        problems.append("dataset changes without a dataset summary")
    if plan.dataset_summary is not None:
        s = plan.dataset_summary
        counted = (
            sum(c.action == "create" for c in changes),
            sum(c.action == "update" for c in changes),
            sum(c.cases.added for c in changes),
            sum(c.cases.removed for c in changes),
        )
        if counted != (s.create, s.update, s.cases_added, s.cases_removed):
            problems.append("the dataset summary does not match its changes")
    for change in changes:
        after = set(change.after_hashes)
        for op in change.operations:
            if op.name != change.name:
                problems.append(f"dataset {change.name}: {op.op}: it acts on {op.name!r}")
            cases = getattr(op, "cases", [])
            if any(case_hash(c.model_dump()) not in after for c in cases):
                problems.append(
                    f"dataset {change.name}: {op.op}: adds cases the plan does not show"
                )
    return problems
