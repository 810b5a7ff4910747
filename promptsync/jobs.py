"""The jobs the CLI and the GitHub Action run: make a plan, check a saved one, apply one.

Each returns data (a Plan, a Report); printing is the caller's business. The imperative shell
around the pure core: it reads files and the registry, the planner decides, apply executes.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from promptsync import __version__
from promptsync.apply import Mismatch, OpResult, execute, verify
from promptsync.backends.base import Backend
from promptsync.errors import PromptsyncError
from promptsync.identity import content_hash, content_of, fingerprint
from promptsync.load import display_path
from promptsync.plan import Scope, build
from promptsync.plan_models import FORMAT_VERSION, CreateVersion, DeployVersion, Plan
from promptsync.project import (
    Project,
    Selection,
    acting_environments,
    matches,
    template_filter,
)
from promptsync.provenance import describer
from promptsync.remote import LATEST
from promptsync.settings import Settings


def make_plan(project: Project, backend: Backend, selection: Selection) -> Plan:
    """Read every managed environment and latest (one list read each), then plan."""
    managed = project.managed
    acting = acting_environments(managed, selection.environments)
    in_scope = template_filter(project, selection)
    templates = {
        name: sources
        for name, sources in project.loaded.templates.items()
        if in_scope(name, sources)
    }
    snapshots = backend.read([*managed, LATEST])
    _check_globs(selection, {*project.loaded.templates, *snapshots[LATEST].names()})
    from promptsync.gitinfo import git_info, last_commit  # git only once the files are valid

    git, top = git_info(project.settings.root)
    commit_of = last_commit(top) if top is not None else (lambda _path: None)
    scope = Scope(
        managed=managed,
        acting=acting,
        provenance=describer(
            top or project.settings.root, commit_of, backend.capabilities.description_limit
        ),
        capabilities=backend.capabilities,
    )
    # An orphan has no files: with --changed-since it is in scope when a changed file held it.
    body = build(
        templates,
        snapshots,
        scope,
        known_names=set(project.loaded.templates),
        in_scope=lambda name: in_scope(name, []),
    )
    return Plan(
        promptsync_version=__version__,
        created_at=datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
        backend=backend.ref,
        git=git,
        environments=managed,
        remote_fingerprint={env: fingerprint(snapshots[env]) for env in [LATEST, *managed]},
        summary=body.summary,
        changes=body.changes,
        orphans=body.orphans,
        unclaimed=body.unclaimed,
        warnings=[*body.warnings, *(str(w) for w in project.loaded.warnings)],
    )


def _check_globs(selection: Selection, names: set[str]) -> None:
    for pattern in selection.templates:
        if not any(matches(name, [pattern]) for name in names):
            raise PromptsyncError(
                f"--template {pattern!r}: matches no template (neither a file nor the registry"
                " has one by that name); template names are case-sensitive"
            )


# --- saved plans ------------------------------------------------------------------------------


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
    for change in plan.changes:
        shown = change.environments
        for op in change.operations:
            where = f"{change.name}: {op.op}"
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
        return True
    if plan.changes and not verify(plan, current):
        return False
    raise PromptsyncError(
        f"Saved plan is stale: {', '.join(changed)} changed since the plan was made."
        " Run plan again."
    )


def _same_url(url: str) -> str:
    return url.rstrip("/").removesuffix("/v2").removesuffix("/api")


# --- apply ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Report:
    plan: Plan
    results: list[OpResult]
    mismatches: list[Mismatch]
    interrupted: bool
    unverified: str | None = None  # why the remote could not be checked afterwards

    @property
    def failed(self) -> list[OpResult]:
        return [r for r in self.results if r.outcome != "succeeded"]

    @property
    def ok(self) -> bool:
        return not (self.failed or self.mismatches or self.interrupted or self.unverified)

    def counts(self) -> dict[str, int]:
        done = {r.operation.name for r in self.results}
        done -= {r.operation.name for r in self.failed}
        changes = [c for c in self.plan.changes if c.name in done]
        return {
            "created": sum("create" in c.actions for c in changes),
            "updated": sum("update" in c.actions for c in changes),
            "promoted": sum("promote" in c.actions for c in changes),
            "failed_operations": len([r for r in self.results if r.outcome == "failed"]),
        }

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
                    "environments": r.operation.environments,
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
        }


NO_CHANGES_JSON: dict[str, Any] = {
    "format_version": FORMAT_VERSION,
    "status": "no_changes",
    "verified": True,
    "summary": {"created": 0, "updated": 0, "promoted": 0, "failed_operations": 0},
    "operations": [],
    "mismatches": [],
    "verify_error": None,
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
    backend.preflight(plan.environments)
    results, interrupted = execute(plan, backend, parallelism=parallelism, emit=emit, stop=stop)
    mismatches: list[Mismatch] = []
    unverified = None
    if not interrupted:
        try:
            after = backend.read([LATEST, *plan.environments])
            mismatches = verify(plan, after, results)
        except PromptsyncError as exc:  # the operations' outcomes are still worth reporting
            unverified = str(exc)
    return Report(plan, results, mismatches, interrupted, unverified)


# --- connecting -------------------------------------------------------------------------------


@dataclass(frozen=True)
class RemoteOptions:
    """How to talk to the registry: where the key is, timeouts and retry pacing."""

    api_key_file: str | None = None
    timeout: float = 30.0
    retry_delay: float = 5.0


def connect(
    settings: Settings,
    options: RemoteOptions,
    environ: Mapping[str, str],
    on_retry: Callable[[str], None] | None = None,
) -> Backend:
    """The configured backend, with the key from the environment (or --api-key-file)."""
    from promptsync.backends.base import Connection, open_backend

    key = settings.api_key(environ, options.api_key_file)
    return open_backend(
        settings,
        Connection(
            key, timeout=options.timeout, retry_delay=options.retry_delay, on_retry=on_retry
        ),
    )
