"""A saved plan against the registry before it is applied: for this registry, unedited, not stale
(every environment it read still serves what it read), or already applied."""

from __future__ import annotations

from typing import TYPE_CHECKING

from promptsync.apply.verify import verify, verify_datasets
from promptsync.errors import PromptsyncError
from promptsync.kinds.datasets.identity import fingerprint as dataset_fingerprint
from promptsync.kinds.prompts.changes import DeployVersion
from promptsync.kinds.prompts.identity import fingerprint
from promptsync.kinds.prompts.remote import Snapshots
from promptsync.plan.models import Plan
from promptsync.plan.saved import tampered
from promptsync.repo.settings import Settings

if TYPE_CHECKING:
    from promptsync.backends.base import Backend


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
    names = [c.name for c in plan.dataset_changes]
    datasets = backend.read_datasets(names) if names else None
    if datasets is not None and dataset_fingerprint(datasets.datasets, names) != (
        plan.dataset_fingerprint
    ):
        changed.append(f"dataset(s) {', '.join(names)}")
    if not changed:
        problems = unsupported_deploys(plan, current)
        if problems:
            raise PromptsyncError(
                "the saved plan was edited after it was made; nothing was changed: "
                + "; ".join(problems[:3])
            )
        return True
    served = not verify(plan, current)
    applied = served and (datasets is None or not verify_datasets(plan, datasets))
    if plan.changes and applied:
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
    for change in plan.template_changes:
        for op in change.operations:
            if not isinstance(op, DeployVersion) or op.version_id is None:
                continue
            served = {env: snap.get(op.name) for env, snap in current.items() if snap.get(op.name)}
            shown = {c.after.version_id for c in change.environments.values()}
            if op.version_id not in shown and not any(
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
