"""After apply: does the remote serve what the plan said it would, and did a concurrent deploy
duplicate a version this run created? Pure: compares a plan, its results and a fresh read."""

from __future__ import annotations

from collections.abc import Collection, Iterable
from dataclasses import dataclass

from promptsync.apply.execute import OpResult
from promptsync.kinds.datasets.remote import RemoteDatasets
from promptsync.kinds.prompts.changes import CreateVersion
from promptsync.kinds.prompts.identity import short
from promptsync.kinds.prompts.remote import LATEST, Snapshots
from promptsync.plan.models import Plan


@dataclass(frozen=True)
class Mismatch:
    name: str
    environment: str
    message: str

    def __str__(self) -> str:
        return f"{self.name} in {self.environment}: {self.message}"


def verify(plan: Plan, remote: Snapshots, results: Iterable[OpResult] = ()) -> list[Mismatch]:
    """Every environment a change touches must now serve what the plan said it would."""
    answered = {  # the version each template's last create was answered with
        r.operation.name: r.version_id
        for r in results
        if isinstance(r.operation, CreateVersion) and r.outcome == "succeeded"
    }
    found: list[Mismatch] = []
    for change in plan.template_changes:
        for env, expected in change.environments.items():
            snapshot = remote.get(env)
            served = snapshot.get(change.name) if snapshot is not None else None
            after = expected.after
            if served is None:
                found.append(Mismatch(change.name, env, "serves nothing"))
                continue
            problems = []
            if served.hash != after.hash:
                problems.append(f"content {short(served.hash)}, expected {short(after.hash)}")
            if after.version_id is not None and served.version_id != after.version_id:
                problems.append(
                    f"version {short(served.version_id)}, expected {short(after.version_id)}"
                )
            if after.version_name is not None and served.version_name != after.version_name:
                problems.append(
                    f"version_name {served.version_name!r}, expected {after.version_name!r}"
                )
            if (
                after.version_description is not None
                and served.version_description != after.version_description
            ):
                problems.append("version_description differs")
            last = answered.get(change.name)
            if problems and env == LATEST and last and served.version_id != last:
                problems.append(
                    f"the registry answered the create with version {short(last)}, an older"
                    " identical version, and latest serves only the newest one: change"
                    " version_name or version_description to make it a new version"
                )
            if problems:
                found.append(Mismatch(change.name, env, "; ".join(problems)))
    return found


def duplicates(plan: Plan, remote: Snapshots, results: Iterable[OpResult]) -> list[str]:
    """Versions this run created whose content another version now serves in their place —
    another deploy of the same content ran at the same time (Freeplay never deletes either)."""
    found = []
    for result in results:
        op = result.operation
        if not isinstance(op, CreateVersion) or result.outcome != "succeeded" or result.reused:
            continue
        for env in op.environments or [LATEST]:
            snapshot = remote.get(env)
            served = snapshot.get(op.name) if snapshot is not None else None
            if (
                served is not None
                and served.hash == op.hash
                and served.version_id != result.version_id
            ):
                found.append(
                    f"{op.name}: version {short(result.version_id or '')} created by this run"
                    f" duplicates version {short(served.version_id)}, which {env} serves: another"
                    " deploy of the same content ran at the same time. Run deploys one at a"
                    " time (a concurrency group)"
                )
                break
    return found


def verify_datasets(
    plan: Plan, remote: RemoteDatasets, names: Collection[str] | None = None
) -> list[Mismatch]:
    """Every dataset a change touches (of `names`, when given) must now hold exactly the file's
    test cases."""
    found = []
    for change in plan.dataset_changes:
        if names is not None and change.name not in names:
            continue
        held = remote.datasets.get(change.name)
        if held is None:
            found.append(Mismatch(change.name, "dataset", "does not exist"))
            continue
        cases = sorted(c.hash for c in held.cases)
        if cases != change.after_hashes:
            missing = len(set(change.after_hashes) - set(cases))
            extra = len(cases) - len(change.after_hashes) + missing
            found.append(
                Mismatch(
                    change.name,
                    "dataset",
                    f"holds {len(cases)} test case(s), expected {len(change.after_hashes)}"
                    f" ({missing} missing, {extra} not in the file)",
                )
            )
    return found
