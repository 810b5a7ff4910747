"""Execute a plan's operations through a backend, then check the result. No decisions of its own.

Order: every create first, then every deploy. Creates of one template run one after another in
plan order (where `latest` follows the newest version, the last one decides what it serves);
different templates run concurrently, bounded by `parallelism`. Every create's answer is checked
against what was sent before it counts as done.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Literal

from promptsync.errors import PromptsyncError
from promptsync.kinds.datasets.changes import DatasetOperation
from promptsync.kinds.prompts.changes import CreateVersion, DeployVersion, Operation
from promptsync.kinds.prompts.identity import short
from promptsync.kinds.prompts.remote import LATEST, RemoteVersion
from promptsync.plan.models import Plan

if TYPE_CHECKING:
    from promptsync.backends.base import Backend

OpOutcome = Literal["succeeded", "failed", "skipped"]


AnyOperation = Operation | DatasetOperation


@dataclass
class OpResult:
    operation: AnyOperation
    outcome: OpOutcome = "skipped"
    version_id: str | None = None
    template_id: str | None = None
    error: str | None = None
    reused: bool = False  # the registry answered a create with a version it already had


def answer_problems(op: CreateVersion, created: RemoteVersion) -> list[str]:
    """How the version a create returned differs from what was sent (empty: as sent)."""
    problems = []
    if created.hash != op.hash:
        sent = op.content
        fields = {
            "provider": sent.provider,
            "model": sent.model,
        }
        named = [
            f"{k} {created.content.get(k)!r} instead of {v!r}"
            for k, v in fields.items()
            if created.content.get(k) != v
        ]
        problems.append(
            f"content {short(created.hash)} instead of {short(op.hash)}"
            + (f" ({'; '.join(named)})" if named else "")
        )
    name, description = op.content.version_name, op.content.version_description
    if name is not None and created.version_name != name:
        problems.append(f"version_name {created.version_name!r} instead of {name!r}")
    if description is not None and created.version_description != description:
        problems.append("a different version_description")
    return problems


@dataclass
class Progress:
    """Thread-safe `[n/total]` progress lines."""

    total: int
    emit: Callable[[str], None]
    done: int = 0
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def report(self, result: OpResult) -> None:
        op = result.operation
        if not isinstance(op, CreateVersion | DeployVersion):
            self._line(op.name, dataset_progress(result))
            return
        envs = ", ".join(op.environments) or LATEST
        create = isinstance(op, CreateVersion)
        if result.outcome == "succeeded":
            verb = (
                ("reused version" if result.reused else "created version")
                if create
                else ("moved version")
            )
            text = f"{verb} {short(result.version_id or '')} → {envs}"
        elif result.outcome == "failed":
            text = f"FAILED ({'create version' if create else 'move'} → {envs}): {result.error}"
        else:
            text = f"skipped ({result.error})"
        self._line(op.name, text)

    def _line(self, name: str, text: str) -> None:
        with self._lock:
            self.done += 1
            self.emit(f"[{self.done}/{self.total}] {name}: {text}")


@dataclass
class _Run:
    backend: Backend
    known_versions: frozenset[str]  # version ids the plan saw served
    created: dict[tuple[str, str], OpResult] = field(default_factory=dict)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def create(self, op: CreateVersion, result: OpResult) -> None:
        answer = self.backend.create_version(op)
        result.version_id, result.template_id = answer.version_id, answer.template_id
        problems = answer_problems(op, answer)
        if problems:
            raise PromptsyncError(
                f"the registry answered with version {short(answer.version_id)}, which has"
                f" {', '.join(problems)}: it kept an existing version instead of creating one."
                " Change version_name or version_description so the registry sees a new version"
            )
        result.reused = answer.version_id in self.known_versions
        with self.lock:
            self.created[(op.name, op.hash)] = result

    def deploy(self, op: DeployVersion, result: OpResult) -> None:
        template_id, version_id = op.template_id, op.version_id
        if version_id is None:  # the version this plan's create of the same content made
            with self.lock:
                made = self.created.get((op.name, op.hash))
            if made is None or made.version_id is None or made.template_id is None:
                raise PromptsyncError("the version to deploy was not created")
            template_id, version_id = made.template_id, made.version_id
        if template_id is None:
            raise PromptsyncError("the plan's operation names no template_id")
        self.backend.deploy(op, template_id, version_id)
        result.version_id, result.template_id = version_id, template_id

    def run(self, result: OpResult, dataset_id: str | None = None) -> None:
        op = result.operation
        try:
            if isinstance(op, CreateVersion):
                self.create(op, result)
            elif isinstance(op, DeployVersion):
                self.deploy(op, result)
            else:
                result.template_id = self.backend.run_dataset(op, dataset_id)
            result.outcome = "succeeded"
        except PromptsyncError as exc:
            result.outcome, result.error = "failed", str(exc)
        except Exception as exc:  # a bug or an odd reply: this operation failed, the rest go on
            result.outcome = "failed"
            result.error = f"internal error ({type(exc).__name__}: {exc})"


def _known_versions(plan: Plan) -> frozenset[str]:
    return frozenset(
        ref.version_id
        for change in plan.template_changes
        for env in change.environments.values()
        for ref in (env.before, env.after)
        if ref is not None and ref.version_id is not None
    )


def execute(
    plan: Plan,
    backend: Backend,
    *,
    parallelism: int,
    emit: Callable[[str], None],
    stop: threading.Event | None = None,
) -> tuple[list[OpResult], bool]:
    """Run every operation. Returns one result per operation (in plan order) and whether it was
    interrupted (`stop` set): then operations in flight finish, and the others are skipped."""
    results = [OpResult(op) for change in plan.changes for op in change.operations]
    progress = Progress(len(results), emit)
    stop = stop or threading.Event()
    run = _Run(backend, _known_versions(plan))
    # First phase: each template's creates, and each dataset's operations, in plan order.
    creates: dict[tuple[str, str], list[OpResult]] = {}
    for r in results:
        if not isinstance(r.operation, DeployVersion):
            creates.setdefault((r.operation.kind, r.operation.name), []).append(r)

    def create_all(chain: list[OpResult]) -> None:
        dataset_id: str | None = None  # what a dataset's create made, for its next operations
        for i, result in enumerate(chain):
            if stop.is_set():
                result.error = "interrupted"
            elif i and chain[i - 1].outcome != "succeeded":
                # The order of a template's creates decides what latest serves; a dataset's
                # cases need the dataset: stop here.
                result.error = "an earlier operation of this template did not succeed"
            else:
                run.run(result, dataset_id)
                dataset_id = result.template_id
            progress.report(result)

    def deploy(result: OpResult) -> None:
        chain = creates.get((result.operation.kind, result.operation.name), [])
        if stop.is_set():
            result.error = "interrupted"
        elif any(c.outcome != "succeeded" for c in chain):
            # Its environment sets assume the creates happened: on a registry that replaces a
            # version's environments they would take an environment from its new version.
            result.error = "an earlier operation of this template did not succeed"
        else:
            run.run(result)
        progress.report(result)

    deploys = [r for r in results if isinstance(r.operation, DeployVersion)]
    with ThreadPoolExecutor(max_workers=parallelism) as pool:
        list(pool.map(create_all, creates.values()))
        list(pool.map(deploy, deploys))
    return results, stop.is_set()


def dataset_progress(result: OpResult) -> str:
    """A dataset operation's progress line."""
    op = result.operation
    if result.outcome == "failed":
        return f"FAILED ({op.op.replace('_', ' ')}): {result.error}"
    if result.outcome != "succeeded":
        return f"skipped ({result.error})"
    cases = getattr(op, "cases", None)
    removed = getattr(op, "test_case_ids", None)
    if op.op == "add_test_cases" and cases is not None:
        return f"added {len(cases)} test case(s)"
    if op.op == "delete_test_cases" and removed is not None:
        return f"removed {len(removed)} test case(s)"
    if op.op == "publish_dataset_version" and cases is not None:
        return f"published a version with {len(cases)} test case(s)"
    return {"create_dataset": "created the dataset", "update_dataset": "updated the dataset"}.get(
        op.op, op.op
    )
