"""What every emulated backend shares around its own routes: faults, latency, stats, admin routes,
and the fake model endpoints (models_api).

A backend supplies authentication, routing and its error shape; `FaultingApp` routes model calls
itself, decides each request's fault, runs (or skips) the handler, records the outcome and serves
`/_emulator/stats`.
"""

from __future__ import annotations

import asyncio
from abc import ABC, abstractmethod
from collections.abc import Awaitable, Callable
from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.types import Receive, Scope, Send

from promptsync.emulator.faults import Faults, Stats
from promptsync.emulator.models_api import ModelEndpoints, ModelSettings, model_calls

Respond = Callable[[], Awaitable[Response]]


def drop_connection(send: Send) -> None:
    """Close the client connection without a response (uvicorn keeps the transport on `send`)."""
    cycle: Any = getattr(send, "__self__", None)
    transport: Any = getattr(cycle, "transport", None)
    if transport is None:  # pragma: no cover - only under a server other than uvicorn
        raise RuntimeError("cannot drop the connection under this server")
    transport.abort()
    cycle.disconnected = True  # so uvicorn does not try to answer 500 on the dead connection


def _unchanged(response: Response) -> Response:
    return response


class FaultingApp(ABC):
    """An ASGI app: the backend's routes behind fault injection and request statistics."""

    def __init__(self, faults: Faults, stats: Stats) -> None:
        self.faults = faults
        self.stats = stats
        self.models = ModelEndpoints(ModelSettings())

    @abstractmethod
    def authenticate(self, request: Request) -> str | None:
        """The sha256 of the request's accepted API key, or None."""

    @abstractmethod
    def route(self, request: Request, raw_path: str) -> tuple[str, Respond]:
        """(route label for the stats, a coroutine function answering the request)."""

    @abstractmethod
    def error(self, status: int, message: str) -> JSONResponse:
        """An error response in the backend's own shape."""

    def finish(self, response: Response) -> Response:
        """The response as sent (a backend may decorate it); by default unchanged."""
        return response

    async def extra_admin(self, request: Request, raw_path: str, key: str) -> Response | None:
        """A backend's own `/_emulator/…` routes (None: not one of them)."""
        return None

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            return
        request = Request(scope, receive)
        raw_path = (scope.get("raw_path") or scope["path"].encode()).decode("latin-1")
        raw_path = raw_path.split("?", 1)[0]
        if raw_path.startswith("/_emulator/"):
            await (await self._admin(request, raw_path))(scope, receive, send)
            return
        model = self.models.route(request, raw_path)
        fail: Callable[[int, str], Response]
        if model is None:
            label, respond = self.route(request, raw_path)
            fail, finish = self.error, self.finish
        else:  # a model call: the provider's error shape, and no backend decoration
            label, respond, fail, finish = model.label, model.respond, model.error, _unchanged
        body = await request.body()
        decision = self.faults.decide(
            scope["method"], f"{raw_path}?{scope['query_string']!r}", body
        )
        if self.faults.config.latency_ms:
            await asyncio.sleep(self.faults.config.latency_ms / 1000)
        if decision == "fail":
            response: Response = fail(500, "Injected failure before processing the request")
        else:
            response = await respond()
            if decision == "fail_after_commit":
                response = fail(500, "Injected failure after processing the request")
        if decision == "drop":
            self.stats.record(label, "dropped")
            drop_connection(send)
            return
        response = finish(response)
        self.stats.record(label, str(response.status_code))
        await response(scope, receive, send)

    async def _admin(self, request: Request, raw_path: str) -> Response:
        key = self.authenticate(request)
        if key is None:
            return self.error(401, "Requests must be authenticated with a valid API key.")
        extra = await self.extra_admin(request, raw_path, key)
        if extra is not None:
            return extra
        if raw_path == "/_emulator/stats" and request.method == "GET":
            snapshot = {**self.stats.snapshot(), "model_calls": model_calls(self.stats)}
            return JSONResponse({**snapshot, "fault_seed": self.faults.seed})
        if raw_path == "/_emulator/stats/reset" and request.method == "POST":
            self.stats.reset()
            return JSONResponse({})
        return self.error(404, "Not found")
