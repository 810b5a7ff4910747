"""Run the emulator: under uvicorn in the foreground, or in a background thread for tests."""

from __future__ import annotations

import socket
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import AbstractContextManager, contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from types import FrameType
from typing import Any, Generic, Literal, overload

import httpx
import uvicorn
from typing_extensions import TypeVar

from promptsync.emulator.app import EmulatorApp
from promptsync.emulator.asgi import FaultingApp
from promptsync.emulator.calls import Api, key_sha256
from promptsync.emulator.faults import FaultConfig, Faults, Stats
from promptsync.emulator.models_api import ModelEndpoints, ModelSettings, model_calls
from promptsync.emulator.promptlayer.app import build_app as build_promptlayer
from promptsync.emulator.promptlayer.store import Store as PromptLayerStore
from promptsync.emulator.readings import Dedup, EnvUpdateReply, ErrorKey, Readings
from promptsync.emulator.store import DEFAULT_ENVIRONMENTS, Store

DEFAULT_API_KEY = "promptsync-emulator"
DEFAULT_PROJECT_ID = "8f93dd00-2eb5-4ba2-9354-86d5c6831dfd"
DEFAULT_DB = ".promptsync/emulator.sqlite"
BACKENDS = ("freeplay", "promptlayer")
Backend = Literal["freeplay", "promptlayer"]
S = TypeVar("S", Store, PromptLayerStore, default=Store)


@dataclass(frozen=True)
class EmulatorSettings:
    db: str = DEFAULT_DB
    host: str = "127.0.0.1"
    port: int = 8765
    api_keys: Sequence[str] = ()
    project_ids: Sequence[str] = ()
    environments: Sequence[str] = ()
    faults: FaultConfig = field(default_factory=FaultConfig)
    backend: str = "freeplay"
    models: ModelSettings = field(default_factory=ModelSettings)  # the /v1 model endpoints
    # PromptLayer only: the status of a publish. The OpenAPI document says 200; the official
    # SDK's async publish accepts only 201 (its sync one accepts any but 400).
    publish_status: int = 200
    # Freeplay only: the server behaviours where Freeplay's docs allow several (readings.py).
    dedup: Dedup = "target-environments"
    decorate_responses: bool = False
    error_key: ErrorKey = "message"
    env_update_reply: EnvUpdateReply = "object"

    def __post_init__(self) -> None:
        if self.backend not in BACKENDS:
            raise ValueError(f"unknown backend {self.backend!r} (known: {', '.join(BACKENDS)})")
        if self.backend == "promptlayer":
            for flag, given in (
                ("--project-id", self.project_ids),
                ("--environment", self.environments),
                ("--dedup", self.dedup != "target-environments"),
                ("--decorate-responses", self.decorate_responses),
                ("--error-key", self.error_key != "message"),
                ("--env-update-reply", self.env_update_reply != "object"),
            ):
                if given:
                    raise ValueError(
                        f"{flag} does not apply to --backend promptlayer (it is a reading of"
                        " Freeplay's API; for PromptLayer a key is one workspace and release"
                        " labels are made as versions are published or labelled)"
                    )
        if self.publish_status not in (200, 201):
            raise ValueError("publish_status must be 200 or 201")

    def readings(self) -> Readings:
        """The server behaviours chosen where Freeplay's docs allow several (readings.py)."""
        return Readings(self.dedup, self.decorate_responses, self.error_key, self.env_update_reply)

    def grants(self) -> dict[str, list[str]]:
        """Which projects each key may use.

        Keys and project ids pair up by position; a single project id (or none: the default
        project) is shared by every key; with no key, the default key reaches every project.
        """
        keys = list(self.api_keys) or [DEFAULT_API_KEY]
        projects = list(self.project_ids) or [DEFAULT_PROJECT_ID]
        if not self.api_keys:
            return {keys[0]: projects}
        if len(projects) == 1:
            return dict.fromkeys(keys, projects)
        if len(projects) != len(keys):
            raise ValueError(
                f"{len(keys)} --api-key and {len(projects)} --project-id: give one project id"
                " for all keys, or exactly one per key (paired in order)"
            )
        grants: dict[str, list[str]] = {}
        for key, project in zip(keys, projects, strict=True):
            grants.setdefault(key, []).append(project)
        return grants


@dataclass
class Emulator(Generic[S]):
    """A built emulator: the ASGI app with its store, stats and faults."""

    app: FaultingApp
    store: S
    stats: Stats
    faults: Faults


def build(settings: EmulatorSettings) -> Emulator[Any]:
    emulator = (
        _build_promptlayer(settings) if settings.backend == "promptlayer" else _build(settings)
    )
    emulator.app.models = ModelEndpoints(settings.models)
    return emulator


def _build(settings: EmulatorSettings) -> Emulator[Store]:
    grants = settings.grants()
    readings = settings.readings()
    store = Store(settings.db)
    try:
        api = Api(store, readings)
        for name in (*DEFAULT_ENVIRONMENTS, *settings.environments):
            store.ensure_environment(name)
        for key, projects in grants.items():
            for project in projects:
                store.ensure_project(project)
                store.grant(key_sha256(key), project)
    except BaseException:
        store.close()
        raise
    stats = Stats()
    faults = Faults(settings.faults)
    app = EmulatorApp(api, {key_sha256(k) for k in grants}, faults, stats)
    return Emulator(app, store, stats, faults)


def _build_promptlayer(settings: EmulatorSettings) -> Emulator[PromptLayerStore]:
    stats = Stats()
    faults = Faults(settings.faults)
    keys = list(settings.api_keys) or [DEFAULT_API_KEY]
    app = build_promptlayer(settings.db, keys, faults, stats, settings.publish_status)
    return Emulator(app, app.store, stats, faults)


class _Server(uvicorn.Server):
    """uvicorn with a hook that runs once the socket is listening."""

    def __init__(self, config: uvicorn.Config, on_ready: Callable[[], None]) -> None:
        super().__init__(config)
        self._on_ready = on_ready

    def handle_exit(self, sig: int, frame: FrameType | None) -> None:
        super().handle_exit(sig, frame)
        # uvicorn re-raises the signal after shutdown, killing the process before our cleanup;
        # SIGINT/SIGTERM are this server's normal way to stop, so stop quietly instead.
        captured = getattr(self, "_captured_signals", None)
        if isinstance(captured, list):
            captured.clear()

    async def startup(self, sockets: list[socket.socket] | None = None) -> None:
        await super().startup(sockets=sockets)
        if self.started:
            self._on_ready()


def _listen(host: str, port: int) -> socket.socket:
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    # proto=IPPROTO_TCP matters: asyncio sets TCP_NODELAY on accepted connections only then,
    # and without it every response waits ~40 ms for a delayed ACK (Nagle).
    sock = socket.socket(family, socket.SOCK_STREAM, socket.IPPROTO_TCP)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind((host, port))
    sock.listen(128)
    return sock


def _url(host: str, sock: socket.socket) -> str:
    port = sock.getsockname()[1]
    return f"http://[{host}]:{port}" if ":" in host else f"http://{host}:{port}"


def _config(app: Any) -> uvicorn.Config:
    return uvicorn.Config(
        app, log_level="warning", lifespan="off", access_log=False, timeout_graceful_shutdown=2
    )


def serve(settings: EmulatorSettings, on_ready: Callable[[str], None]) -> None:
    """Run in the foreground until SIGINT/SIGTERM; `on_ready(url)` once listening."""
    emulator = build(settings)
    sock = _listen(settings.host, settings.port)
    url = _url(settings.host, sock)
    server = _Server(_config(emulator.app), lambda: on_ready(url))
    try:
        server.run(sockets=[sock])
    finally:
        emulator.store.close()


@dataclass
class RunningEmulator(Generic[S]):
    """An emulator serving on a free localhost port (see `running_emulator`).

    For PromptLayer, `url` is the API root and `project_id` is empty (a key is one workspace).
    """

    url: str
    api_key: str
    project_id: str
    emulator: Emulator[S]
    backend: Backend = "freeplay"

    @property
    def stats(self) -> Stats:
        return self.emulator.stats

    @property
    def store(self) -> S:
        return self.emulator.store

    @property
    def model_calls(self) -> int:
        """Requests to the model endpoints so far, whatever their outcome."""
        return model_calls(self.emulator.stats)

    @property
    def openai_base_url(self) -> str:
        """`openai.OpenAI(base_url=…)` for the emulator's `POST /v1/chat/completions`."""
        return f"{self.url}/v1"

    @property
    def anthropic_base_url(self) -> str:
        """`anthropic.Anthropic(base_url=…)` for the emulator's `POST /v1/messages`."""
        return self.url

    def client(self, **kwargs: Any) -> httpx.Client:
        """An httpx client with the key set: base URL `<url>/api/v2` (Freeplay) or `<url>`."""
        if self.backend == "promptlayer":
            return httpx.Client(base_url=self.url, headers={"X-API-KEY": self.api_key}, **kwargs)
        return httpx.Client(
            base_url=f"{self.url}/api/v2",
            headers={"Authorization": f"Bearer {self.api_key}"},
            **kwargs,
        )


@overload
def running_emulator(
    db: str | Path = ...,
    *,
    backend: Literal["freeplay"] = ...,
    api_keys: Sequence[str] = ...,
    models: ModelSettings | None = ...,
    project_ids: Sequence[str] = ...,
    environments: Sequence[str] = ...,
    faults: FaultConfig | None = ...,
    host: str = ...,
    dedup: Dedup = ...,
    decorate_responses: bool = ...,
    error_key: ErrorKey = ...,
    env_update_reply: EnvUpdateReply = ...,
) -> AbstractContextManager[RunningEmulator[Store]]: ...
@overload
def running_emulator(
    db: str | Path = ...,
    *,
    backend: Literal["promptlayer"],
    api_keys: Sequence[str] = ...,
    models: ModelSettings | None = ...,
    faults: FaultConfig | None = ...,
    host: str = ...,
    publish_status: int = ...,
) -> AbstractContextManager[RunningEmulator[PromptLayerStore]]: ...
@contextmanager
def running_emulator(
    db: str | Path = ":memory:",
    *,
    backend: Backend = "freeplay",
    api_keys: Sequence[str] = (),
    models: ModelSettings | None = None,
    project_ids: Sequence[str] = (),
    environments: Sequence[str] = (),
    faults: FaultConfig | None = None,
    host: str = "127.0.0.1",
    publish_status: int = 200,
    dedup: Dedup = "target-environments",
    decorate_responses: bool = False,
    error_key: ErrorKey = "message",
    env_update_reply: EnvUpdateReply = "object",
) -> Iterator[RunningEmulator[Any]]:
    """Start the emulator on a free port in a background thread; stop it on exit.

    `dedup`, `decorate_responses`, `error_key` and `env_update_reply` pick the server behaviour
    where Freeplay's docs allow several (readings.py, docs/emulator.md). `models` sets the
    model endpoints' accepted keys and rate limiting (models_api.ModelSettings).

    >>> with running_emulator() as fp:
    ...     fp.client().get(f"/projects/{fp.project_id}/prompt-templates/all/latest").json()
    {'prompt_templates': []}
    >>> with running_emulator(backend="promptlayer") as pl:
    ...     pl.client().get("/prompt-templates").json()["items"]
    []
    """
    settings = EmulatorSettings(
        db=str(db),
        host=host,
        api_keys=api_keys,
        models=models or ModelSettings(),
        project_ids=project_ids,
        environments=environments,
        faults=faults or FaultConfig(),
        backend=backend,
        publish_status=publish_status,
        dedup=dedup,
        decorate_responses=decorate_responses,
        error_key=error_key,
        env_update_reply=env_update_reply,
    )
    if backend == "promptlayer":
        key, project = (list(api_keys) or [DEFAULT_API_KEY])[0], ""
    else:
        grants = settings.grants()
        key = next(iter(grants))
        project = grants[key][0]
    emulator = build(settings)
    sock = _listen(host, 0)
    ready = threading.Event()
    server = _Server(_config(emulator.app), ready.set)
    thread = threading.Thread(
        target=server.run, kwargs={"sockets": [sock]}, daemon=True, name="promptsync-emulator"
    )
    thread.start()
    try:
        if not ready.wait(timeout=30):
            raise RuntimeError("the emulator did not start within 30 s")
        yield RunningEmulator(_url(host, sock), key, project, emulator, backend)
    finally:
        server.should_exit = True
        thread.join(timeout=30)
        sock.close()
        emulator.store.close()


@contextmanager
def emulator_subprocess(
    *args: str,
    timeout: float = 30.0,
    backend: Backend = "freeplay",
    dedup: Dedup | None = None,
) -> Iterator[tuple[subprocess.Popen[str], str]]:
    """`promptsync emulator` in its own process on a free port: yields (process, base URL).

    `args` are the CLI flags (`--db`, `--api-key`, fault flags, `--decorate-responses`, ...);
    `dedup` is a shorthand for `--dedup`. The process is terminated on exit. Use it when the
    client under test must not share the emulator's interpreter.
    For PromptLayer the base URL is the API root.
    """
    if dedup is not None:
        args = (*args, "--dedup", dedup)
    backend_flags = [] if backend == "freeplay" else ["--backend", backend]
    with tempfile.TemporaryDirectory() as tmp:
        ready = Path(tmp) / "ready"
        proc = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "promptsync",
                "emulator",
                "--port",
                "0",
                "--ready-file",
                str(ready),
                *backend_flags,
                *args,
            ],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        try:
            deadline = time.monotonic() + timeout
            while not ready.exists():
                if proc.poll() is not None:
                    _out, err = proc.communicate()
                    raise RuntimeError(f"the emulator did not start: {err.strip()}")
                if time.monotonic() > deadline:
                    raise RuntimeError(f"the emulator did not start within {timeout:g} s")
                time.sleep(0.05)
            yield proc, ready.read_text(encoding="utf-8").strip()
        finally:
            if proc.poll() is None:
                proc.terminate()
            proc.wait(timeout=timeout)
