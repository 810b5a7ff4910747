"""`promptsync plan`: read the files, fetch each environment once, build and print the plan."""

from __future__ import annotations

import contextlib
import fnmatch
import os
import sys
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from promptsync import __version__
from promptsync.backends.freeplay import FreeplayClient
from promptsync.desired import LoadedPrompts
from promptsync.display.text import render_text
from promptsync.errors import PromptsyncError
from promptsync.gitinfo import changed_since, git_info
from promptsync.identity import fingerprint
from promptsync.load import load_prompts
from promptsync.plan import LATEST, PROVENANCE_PREFIX, Scope, build
from promptsync.plan_models import Backend, Plan
from promptsync.settings import Settings, load_settings, require_api_key


@dataclass(frozen=True)
class PlanOptions:
    environments: Sequence[str] = ()
    templates: Sequence[str] = ()
    changed_since: str | None = None
    retry_delay: float = 5.0
    timeout: float = 30.0
    api_key_file: str | None = None


def managed_environments(settings: Settings, loaded: LoadedPrompts) -> list[str]:
    """The config's list, else every environment named in a file (first appearance order)."""
    if settings.config.environments:
        return list(settings.config.environments)
    seen: list[str] = []
    for source in loaded.sources:
        for env in source.prompt.environments or []:
            if env not in seen:
                seen.append(env)
    return seen


def _acting(managed: list[str], chosen: Sequence[str]) -> list[str]:
    for env in chosen:
        if env not in managed and env != LATEST:
            raise PromptsyncError(
                f"--env {env}: not a managed environment (managed: {', '.join(managed) or 'none'})"
            )
    if not chosen:
        return [*managed, LATEST]
    return [e for e in [*managed, LATEST] if e in chosen]


def _scope_filter(settings: Settings, options: PlanOptions) -> Callable[[str, Sequence[str]], bool]:
    """(template name, its files) → in scope? From --template globs and --changed-since."""
    changed = changed_since(settings.root, options.changed_since) if options.changed_since else None

    def in_scope(name: str, files: Sequence[str]) -> bool:
        if options.templates and not any(fnmatch.fnmatchcase(name, p) for p in options.templates):
            return False
        if changed is None:
            return True
        return name in changed.removed_names or any(
            Path(f).resolve() in changed.paths for f in files
        )

    return in_scope


def _provenance(root: Path | None, commit: str | None) -> Callable[[str], str]:
    def describe(path: str) -> str:
        shown = Path(path)
        if root is not None:
            with contextlib.suppress(ValueError):
                shown = Path(path).resolve().relative_to(root.resolve())
        suffix = f" @ {commit[:7]}" if commit else ""
        return f"{PROVENANCE_PREFIX}{shown.as_posix()}{suffix}"

    return describe


def open_client(
    settings: Settings, options: PlanOptions, on_retry: Callable[[str], None] | None = None
) -> FreeplayClient:
    """The registry client for these settings, with the key and the retry/timeout options."""
    return FreeplayClient(
        settings.api_url,
        settings.require_project_id(),
        require_api_key(os.environ, options.api_key_file),
        timeout=options.timeout,
        retry_delay=options.retry_delay,
        on_retry=on_retry,
    )


@dataclass(frozen=True)
class PlanRun:
    plan: Plan
    client: FreeplayClient
    loaded: LoadedPrompts
    settings: Settings


def make_plan(
    config: str | None, options: PlanOptions, on_retry: Callable[[str], None] | None = None
) -> PlanRun:
    settings = load_settings(config, os.environ, Path.cwd())
    loaded = load_prompts(settings.prompts_dir, settings.config.environments, settings.root)
    managed = managed_environments(settings, loaded)
    acting = _acting(managed, options.environments)
    in_scope = _scope_filter(settings, options)
    templates = {
        name: sources
        for name, sources in loaded.templates.items()
        if in_scope(name, [s.path for s in sources])
    }
    client = open_client(settings, options, on_retry)
    try:
        snapshots = client.fetch_environments([*managed, LATEST])
    except BaseException:
        client.close()
        raise
    git, top = git_info(settings.root)
    scope = Scope(
        managed=managed,
        acting=acting,
        provenance=_provenance(top or settings.root, git.commit if git else None),
    )
    # An orphan has no files: with --changed-since it is in scope when a changed file held it.
    body = build(
        templates,
        snapshots,
        scope,
        known_names=set(loaded.templates),
        in_scope=lambda name: in_scope(name, []),
    )
    plan = Plan(
        promptsync_version=__version__,
        created_at=datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
        backend=Backend(kind="freeplay", api_url=settings.api_url, project_id=client.project_id),
        git=git,
        environments=managed,
        remote_fingerprint={env: fingerprint(snapshots[env]) for env in [LATEST, *managed]},
        summary=body.summary,
        changes=body.changes,
        orphans=body.orphans,
        unclaimed=body.unclaimed,
        warnings=[str(w) for w in loaded.warnings],
    )
    return PlanRun(plan, client, loaded, settings)


def write_atomically(path: Path, text: str) -> None:
    """Write via a temporary file and a rename, so a reader never sees half a file."""
    partial = path.with_name(f".{path.name}.partial")
    try:
        partial.write_text(text, encoding="utf-8")
        partial.replace(path)
    except OSError as exc:
        partial.unlink(missing_ok=True)
        raise PromptsyncError(f"cannot write {path}: {exc.strerror}") from None


def render(plan: Plan, fmt: str, color: bool) -> str:
    if fmt == "json":
        return plan.model_dump_json(indent=2) + "\n"
    if fmt == "markdown":
        from promptsync.display.markdown import render_markdown  # jinja2 only when needed

        return render_markdown(plan)
    return render_text(plan, color=color)


def run_plan(
    config: str | None,
    options: PlanOptions,
    *,
    fmt: str,
    out: str | None,
    detailed_exitcode: bool,
    color: bool,
    verbose: int,
) -> int:
    def on_retry(message: str) -> None:
        if verbose:
            print(f"retry: {message}", file=sys.stderr)

    run = make_plan(config, options, on_retry=on_retry)
    run.client.close()
    if out:
        write_atomically(Path(out), run.plan.model_dump_json(indent=2) + "\n")
    sys.stdout.write(render(run.plan, fmt, color))
    if verbose:
        print(f"{run.client.requests} request(s) to {run.client.base}", file=sys.stderr)
    if detailed_exitcode and run.plan.has_changes:
        return 2
    return 0
