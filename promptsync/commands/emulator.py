"""`promptsync emulator`: validate the flags, then run the emulator in the foreground."""

from __future__ import annotations

import contextlib
import ipaddress
import sys
import uuid
from pathlib import Path
from typing import TYPE_CHECKING

from promptsync.errors import PromptsyncError

if TYPE_CHECKING:
    from promptsync.emulator.readings import Dedup, EnvUpdateReply, ErrorKey

# The web stack the emulator serves with: an extra, so that plan and apply never install it.
SERVER_PACKAGES = frozenset({"starlette", "uvicorn"})
EXTRA = "promptsync[emulator]"


def run_emulator(
    *,
    backend: str,
    host: str,
    port: int,
    db: str,
    api_keys: tuple[str, ...],
    project_ids: tuple[str, ...],
    environments: tuple[str, ...],
    fail_rate: float,
    fail_after_commit_rate: float,
    drop_rate: float,
    latency_ms: float,
    seed: int | None,
    rate_limit_every: int,
    retry_after: float,
    dedup: Dedup,
    decorate_responses: bool,
    error_key: ErrorKey,
    env_update_reply: EnvUpdateReply,
    ready_file: str | None,
) -> int:
    try:
        from promptsync.emulator import (
            DEFAULT_API_KEY,
            DatabaseProblem,
            EmulatorSettings,
            FaultConfig,
            ModelSettings,
        )
        from promptsync.emulator.server import serve
    except ModuleNotFoundError as exc:
        if (exc.name or "").partition(".")[0] not in SERVER_PACKAGES:
            raise
        raise PromptsyncError(f"the emulator needs its extra: pip install '{EXTRA}'") from None

    for project_id in project_ids if backend == "freeplay" else ():
        try:
            uuid.UUID(project_id)
        except ValueError:
            raise PromptsyncError(f"--project-id: {project_id!r} is not a UUID") from None
    where = Path(db).parent
    if db != ":memory:" and where.name == ".promptsync" and not where.is_file():
        # The default, in the user's repository: git ignores it by itself, like the caches.
        from promptsync.repo.files import cache_directory

        with contextlib.suppress(OSError):  # what cannot be made, the database check names
            cache_directory(where)
    try:
        settings = EmulatorSettings(
            db=db,
            host=host,
            port=port,
            api_keys=api_keys,
            project_ids=project_ids,
            environments=environments,
            faults=FaultConfig(fail_rate, fail_after_commit_rate, drop_rate, latency_ms, seed),
            models=ModelSettings(rate_limit_every=rate_limit_every, retry_after=retry_after),
            backend=backend,
            dedup=dedup,
            decorate_responses=decorate_responses,
            error_key=error_key,
            env_update_reply=env_update_reply,
        )
        if backend == "freeplay":
            settings.grants()
        settings.readings()
    except ValueError as exc:
        raise PromptsyncError(f"emulator: {exc}") from None

    def ready(url: str) -> None:
        if backend == "freeplay":
            projects = ", ".join(sorted({p for ps in settings.grants().values() for p in ps}))
            where = f"projects: {projects}"
        else:
            where = f"backend: {backend}"
        print(f"promptsync emulator listening on {url} (db: {db}; {where})", flush=True)
        default_key = not api_keys or DEFAULT_API_KEY in api_keys
        if default_key and not _is_loopback(host):
            print(
                f"warning: emulator: --host {host} is reachable from other machines and accepts"
                " the default API key; pass --api-key",
                file=sys.stderr,
                flush=True,
            )
        if ready_file:  # renamed into place, so a poller never reads half a URL
            partial = Path(f"{ready_file}.partial")
            partial.write_text(url + "\n", encoding="utf-8")
            partial.replace(ready_file)

    try:
        serve(settings, ready)
    except DatabaseProblem as exc:
        raise PromptsyncError(f"emulator: --db {exc}") from None
    except OSError as exc:
        raise PromptsyncError(f"emulator: cannot listen on {host}:{port}: {exc.strerror}") from None
    return 0


def _is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:  # a host name: it may resolve anywhere
        return False
