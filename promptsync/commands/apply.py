"""`promptsync apply`: plan (or load a saved plan), confirm, execute, verify, report."""

from __future__ import annotations

import json
import os
import sys
import threading
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TextIO

from pydantic import ValidationError

from promptsync.apply import Mismatch, OpResult, execute, verify
from promptsync.backends.freeplay import FreeplayClient, api_base
from promptsync.commands.plan import PlanOptions, make_plan, open_client
from promptsync.display.text import render_text
from promptsync.errors import PromptsyncError
from promptsync.identity import fingerprint
from promptsync.load import display_path
from promptsync.plan import LATEST
from promptsync.plan_models import Plan
from promptsync.settings import load_settings

PROMPT = "Apply these changes? [y/N] "


def load_plan_file(path: str) -> Plan:
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
    if version != "1":
        raise PromptsyncError(
            f"{shown}: plan format_version {version!r} is not supported (this promptsync reads '1')"
        )
    try:
        return Plan.model_validate(data)
    except ValidationError as exc:
        where = ".".join(str(p) for p in exc.errors()[0]["loc"])
        raise PromptsyncError(f"{shown}: not a valid promptsync plan (at {where})") from None


def _saved_plan(config: str | None, path: str, options: PlanOptions) -> tuple[Plan, FreeplayClient]:
    if options.environments or options.templates:
        raise PromptsyncError(
            "--env and --template cannot be combined with a saved plan; pass them to `plan` instead"
        )
    plan = load_plan_file(path)
    settings = load_settings(config, os.environ, Path.cwd())
    project = settings.require_project_id()
    if plan.backend.project_id != project:
        raise PromptsyncError(
            f"the saved plan is for project {plan.backend.project_id}, but the"
            f" configuration points at {project}"
        )
    if api_base(plan.backend.api_url) != api_base(settings.api_url):
        raise PromptsyncError(
            f"the saved plan is for {plan.backend.api_url}, but the"
            f" configuration points at {settings.api_url}"
        )
    client = open_client(settings, options)
    envs = list(plan.remote_fingerprint)
    try:
        current = client.fetch_environments(envs)
    except BaseException:
        client.close()
        raise
    for env in envs:
        if fingerprint(current[env]) != plan.remote_fingerprint[env]:
            client.close()
            raise PromptsyncError(
                f"Saved plan is stale: {env} changed since the plan was made. Run plan again."
            )
    return plan, client


def confirm(stdin: TextIO, out: TextIO) -> None:
    if not stdin.isatty():
        raise PromptsyncError(
            "refusing to apply without confirmation: no terminal to ask on;"
            " pass --auto-approve (or apply a reviewed plan file)"
        )
    out.write(PROMPT)
    out.flush()
    if stdin.readline().strip().lower() not in ("y", "yes"):
        raise PromptsyncError("apply cancelled; nothing was changed")


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
        done = {r.operation.template for r in self.results}
        done -= {r.operation.template for r in self.failed}
        changes = [c for c in self.plan.changes if c.template in done]
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
            "format_version": "1",
            "status": self.status(),
            "verified": self.ok,
            "summary": self.counts(),
            "operations": [
                {
                    "op": r.operation.op,
                    "template": r.operation.template,
                    "environments": r.operation.environments,
                    "outcome": r.outcome,
                    "template_id": r.template_id,
                    "version_id": r.version_id,
                    "error": r.error,
                }
                for r in self.results
            ],
            "mismatches": [str(m) for m in self.mismatches],
            "verify_error": self.unverified,
        }

    def text(self) -> str:
        c = self.counts()
        done = f"{c['created']} created, {c['updated']} updated, {c['promoted']} promoted"
        if self.ok:
            return f"Apply complete: {done}. Remote verified.\n"
        lines = []
        if self.interrupted:
            lines.append("Apply interrupted: operations not yet started were skipped.")
        failed = [r for r in self.results if r.outcome == "failed"]
        if failed:
            lines.append(f"Apply failed: {len(failed)} of {len(self.results)} operations failed:")
            lines += [f"  {r.operation.template}: {r.error}" for r in failed]
        lines += [f"Remote does not match the plan: {m}" for m in self.mismatches]
        if self.unverified:
            lines.append(f"Could not verify the remote: {self.unverified}")
        lines.append(f"Done so far: {done}. Run apply again to converge.")
        return "\n".join(lines) + "\n"


def run_apply(
    config: str | None,
    planfile: str | None,
    options: PlanOptions,
    *,
    auto_approve: bool,
    parallelism: int,
    fmt: str,
    color: bool,
    verbose: int,
) -> int:
    def note(message: str) -> None:
        print(message, file=sys.stderr, flush=True)

    if planfile:
        plan, client = _saved_plan(config, planfile, options)
    else:
        run = make_plan(config, options, on_retry=note if verbose else None)
        plan, client = run.plan, run.client
    with client:
        shown = sys.stdout if fmt == "text" else sys.stderr
        if not plan.changes:
            if fmt == "json":
                empty = {
                    "format_version": "1",
                    "status": "no_changes",
                    "verified": True,
                    "summary": {"created": 0, "updated": 0, "promoted": 0, "failed_operations": 0},
                    "operations": [],
                    "mismatches": [],
                    "verify_error": None,
                }
                sys.stdout.write(json.dumps(empty, indent=2) + "\n")
            else:
                print("No changes. Your prompts match the remote.")
            return 0
        shown.write(render_text(plan, color=color and fmt == "text"))
        shown.flush()
        if not planfile and not auto_approve:
            confirm(sys.stdin, shown)
        stop = threading.Event()
        results, interrupted = execute(plan, client, parallelism=parallelism, emit=note, stop=stop)
        mismatches: list[Mismatch] = []
        unverified = None
        if not interrupted:
            try:
                after = client.fetch_environments([LATEST, *plan.environments])
                mismatches = verify(plan, after)
            except PromptsyncError as exc:  # the operations' outcomes are still worth reporting
                unverified = str(exc)
        report = Report(plan, results, mismatches, interrupted, unverified)
    if fmt == "json":
        sys.stdout.write(json.dumps(report.as_json(), indent=2) + "\n")
    else:
        sys.stdout.write(report.text())
    if interrupted:
        return 130
    return 0 if report.ok else 1
