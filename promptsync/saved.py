"""Saved plans (`plan --out`, `apply PLANFILE`): read, checked against edits, checked against
the remote. A saved plan is executed exactly; nothing in it is re-derived from the files."""

from __future__ import annotations

import json
from pathlib import Path
from typing import TYPE_CHECKING

from promptsync.apply import verify
from promptsync.errors import PromptsyncError
from promptsync.identity import content_hash, content_of, fingerprint
from promptsync.load import display_path
from promptsync.plan_models import (
    FORMAT_VERSION,
    CreateVersion,
    DeployVersion,
    Plan,
    change_counts,
)
from promptsync.remote import LATEST, Snapshots
from promptsync.settings import Settings

if TYPE_CHECKING:
    from promptsync.backends.base import Backend


def load_plan_file(path: str) -> Plan:
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
    version = data.get("format_version") if isinstance(data, dict) else None
    if version != FORMAT_VERSION:
        hint = " — it was made by an older promptsync: run plan again" if version == "1" else ""
        raise PromptsyncError(
            f"{shown}: plan format_version {version!r} is not supported (this promptsync reads"
            f" {FORMAT_VERSION!r}){hint}"
        )
    try:
        return Plan.model_validate(data)
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
    wrong = [k for k, n in change_counts(plan.changes).items() if summary[k] != n]
    if wrong:
        problems.append(f"the summary's {', '.join(wrong)} count does not match its changes")
    for change in plan.changes:
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


def check_saved_plan(plan: Plan, settings: Settings, backend: Backend) -> bool:
    """Refuse a saved plan that is for elsewhere, edited or stale. Returns False when the
    remote already serves everything the plan would do (it was applied)."""
    here = backend.ref
    if plan.backend.kind != here.kind:
        raise PromptsyncError(
            f"the saved plan is for {plan.backend.kind}, but the configuration uses {here.kind}"
        )
    if plan.backend.project_id != here.project_id:
        raise PromptsyncError(
            f"the saved plan is for project {plan.backend.project_id}, but the"
            f" configuration points at {here.project_id}"
        )
    if _same_url(plan.backend.api_url) != _same_url(settings.api_url):
        raise PromptsyncError(
            f"the saved plan is for {plan.backend.api_url}, but the"
            f" configuration points at {settings.api_url}"
        )
    problems = tampered(plan)
    if problems:
        raise PromptsyncError(
            "the saved plan was edited after it was made; nothing was changed: "
            + "; ".join(problems[:3])
            + (f" (and {len(problems) - 3} more)" if len(problems) > 3 else "")
        )
    envs = list(plan.remote_fingerprint)
    current = backend.read(envs)
    changed = [env for env in envs if fingerprint(current[env]) != plan.remote_fingerprint[env]]
    if not changed:
        problems = unsupported_deploys(plan, current)
        if problems:
            raise PromptsyncError(
                "the saved plan was edited after it was made; nothing was changed: "
                + "; ".join(problems[:3])
            )
        return True
    if plan.changes and not verify(plan, current):
        return False
    raise PromptsyncError(
        f"Saved plan is stale: {', '.join(changed)} changed since the plan was made."
        " Run plan again."
    )


def unsupported_deploys(plan: Plan, current: Snapshots) -> list[str]:
    """Deploys the remote (as the plan saw it) does not support: a version no environment
    served, or an environment listed without a change shown for it that does not already serve
    the version (an environment added to the operation by hand)."""
    problems = []
    for change in plan.changes:
        for op in change.operations:
            if not isinstance(op, DeployVersion) or op.version_id is None:
                continue
            served = {env: snap.get(op.name) for env, snap in current.items() if snap.get(op.name)}
            if not any(
                v is not None and (v.version_id, v.template_id) == (op.version_id, op.template_id)
                for v in served.values()
            ):
                problems.append(
                    f"{change.name}: deploy_version: no environment serves that version"
                )
                continue
            for env in op.environments:
                now = served.get(env)
                if env not in change.environments and (
                    now is None or now.version_id != op.version_id
                ):
                    problems.append(
                        f"{change.name}: deploy_version: {env} is deployed without a change shown"
                    )
    return problems


def _same_url(url: str) -> str:
    return url.rstrip("/").removesuffix("/v2").removesuffix("/api")
