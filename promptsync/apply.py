"""Execute a plan's operations through a backend, then check the result. No decisions of its own.

Order: every create-version call first, then every environment update. Creates of one template
run one after another in plan order (the last one decides what `latest` serves); different
templates run concurrently, bounded by `parallelism`.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Mapping
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Literal, Protocol

from promptsync.errors import PromptsyncError
from promptsync.identity import remote_hash, short
from promptsync.models import RemoteVersion
from promptsync.plan_models import Operation, Plan

Outcome = Literal["succeeded", "failed", "skipped"]


class Backend(Protocol):
    def create_version(self, template: str, body: dict[str, object]) -> RemoteVersion: ...

    def update_environments(
        self, template_id: str, version_id: str, body: dict[str, object]
    ) -> None: ...


@dataclass
class OpResult:
    operation: Operation
    outcome: Outcome = "skipped"
    version_id: str | None = None
    template_id: str | None = None
    error: str | None = None


@dataclass
class Progress:
    """Thread-safe `[n/total]` progress lines."""

    total: int
    emit: Callable[[str], None]
    done: int = 0
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def report(self, result: OpResult) -> None:
        op = result.operation
        envs = ", ".join(op.environments) or "latest"
        if result.outcome == "succeeded":
            verb = "created version" if op.op == "create_version" else "moved version"
            text = f"{verb} {short(result.version_id or '')} → {envs}"
        elif result.outcome == "failed":
            text = f"FAILED ({'create version' if op.op == 'create_version' else 'move'}"
            text += f" → {envs}): {result.error}"
        else:
            text = f"skipped ({result.error})"
        with self._lock:
            self.done += 1
            self.emit(f"[{self.done}/{self.total}] {op.template}: {text}")


def _run(backend: Backend, result: OpResult) -> None:
    op = result.operation
    try:
        if op.op == "create_version":
            created = backend.create_version(op.template, op.body)
            result.version_id, result.template_id = created.version_id, created.template_id
        else:
            if op.template_id is None or op.version_id is None:
                raise PromptsyncError("the plan's operation names no template_id/version_id")
            backend.update_environments(op.template_id, op.version_id, op.body)
            result.version_id, result.template_id = op.version_id, op.template_id
        result.outcome = "succeeded"
    except PromptsyncError as exc:
        result.outcome, result.error = "failed", str(exc)


def execute(
    plan: Plan,
    backend: Backend,
    *,
    parallelism: int,
    emit: Callable[[str], None],
    stop: threading.Event | None = None,
) -> tuple[list[OpResult], bool]:
    """Run every operation. Returns one result per operation (in plan order) and whether it was
    interrupted (Ctrl-C): then operations in flight finish, and the others are skipped."""
    results = [OpResult(op) for change in plan.changes for op in change.operations]
    progress = Progress(len(results), emit)
    stop = stop or threading.Event()
    creates: dict[str, list[OpResult]] = {}
    for r in results:
        if r.operation.op == "create_version":
            creates.setdefault(r.operation.template, []).append(r)

    def create_all(chain: list[OpResult]) -> None:
        for i, result in enumerate(chain):
            if stop.is_set():
                result.error = "interrupted"
            elif i and chain[i - 1].outcome != "succeeded":
                # The order of a template's creates decides what latest serves: stop here.
                result.error = "an earlier operation of this template did not succeed"
            else:
                _run(backend, result)
            progress.report(result)

    def update(result: OpResult) -> None:
        if stop.is_set():
            result.error = "interrupted"
        else:
            _run(backend, result)
        progress.report(result)

    with ThreadPoolExecutor(max_workers=parallelism) as pool:
        try:
            list(pool.map(create_all, creates.values()))
            list(pool.map(update, [r for r in results if r.operation.op == "update_environments"]))
        except KeyboardInterrupt:
            stop.set()  # before the pool's exit waits: queued operations are skipped
    return results, stop.is_set()


@dataclass(frozen=True)
class Mismatch:
    template: str
    environment: str
    message: str

    def __str__(self) -> str:
        return f"{self.template} in {self.environment}: {self.message}"


def verify(plan: Plan, remote: Mapping[str, Mapping[str, RemoteVersion]]) -> list[Mismatch]:
    """Every environment a change touches must now serve what the plan said it would."""
    found: list[Mismatch] = []
    for change in plan.changes:
        for env, expected in change.environments.items():
            served = remote.get(env, {}).get(change.template)
            after = expected.after
            if served is None:
                found.append(Mismatch(change.template, env, "serves nothing"))
                continue
            problems = []
            if remote_hash(served) != after.hash:
                problems.append(
                    f"content {short(remote_hash(served))}, expected {short(after.hash)}"
                )
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
            if problems:
                found.append(Mismatch(change.template, env, "; ".join(problems)))
    return found
