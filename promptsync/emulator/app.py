"""The emulator as one ASGI app: authentication, routing, fault injection and statistics."""

from __future__ import annotations

import asyncio
import logging
from typing import Any

from starlette.requests import Request
from starlette.responses import Response
from starlette.types import Receive, Scope, Send

from promptsync.emulator import decorate
from promptsync.emulator.calls import (
    UNAUTHORIZED,
    Api,
    Call,
    Handler,
    check_project,
    key_sha256,
    ok,
)
from promptsync.emulator.faults import Faults, Stats
from promptsync.emulator.raw_version import raw_version
from promptsync.emulator.routes import resolve
from promptsync.emulator.store import StoreError

logger = logging.getLogger("promptsync.emulator")


def _drop_connection(send: Send) -> None:
    """Close the client connection without a response (uvicorn keeps the transport on `send`)."""
    cycle: Any = getattr(send, "__self__", None)
    transport: Any = getattr(cycle, "transport", None)
    if transport is None:  # pragma: no cover - only under a server other than uvicorn
        raise RuntimeError("cannot drop the connection under this server")
    transport.abort()
    cycle.disconnected = True  # so uvicorn does not try to answer 500 on the dead connection


class EmulatorApp:
    def __init__(self, api: Api, keys: set[str], faults: Faults, stats: Stats) -> None:
        self.api = api
        self.keys = keys  # sha256 of every accepted API key
        self.faults = faults
        self.stats = stats

    def _authenticate(self, request: Request) -> str | None:
        header = request.headers.get("authorization", "")
        scheme, _, token = header.partition(" ")
        if scheme.lower() != "bearer" or not token.strip():
            return None
        digest = key_sha256(token.strip())
        return digest if digest in self.keys else None

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            return
        request = Request(scope, receive)
        raw_path = (scope.get("raw_path") or scope["path"].encode()).decode("latin-1")
        raw_path = raw_path.split("?", 1)[0]
        if raw_path.startswith("/_emulator/"):
            await (await self._admin(request, raw_path))(scope, receive, send)
            return
        label, handler, params = resolve(scope["method"], raw_path)
        body = await request.body()
        decision = self.faults.decide(
            scope["method"], f"{raw_path}?{scope['query_string']!r}", body
        )
        if self.faults.config.latency_ms:
            await asyncio.sleep(self.faults.config.latency_ms / 1000)
        if decision == "fail":
            response: Response = self.api.error(
                500, "Injected failure before processing the request"
            )
        else:
            response = await self._dispatch(request, label, handler, params)
            if decision == "fail_after_commit":
                response = self.api.error(500, "Injected failure after processing the request")
        if decision == "drop":
            self.stats.record(label, "dropped")
            _drop_connection(send)
            return
        if self.api.readings.decorate_responses:
            response = decorate.response(response)
        self.stats.record(label, str(response.status_code))
        await response(scope, receive, send)

    async def _dispatch(
        self, request: Request, label: str, handler: Handler | None, params: dict[str, str]
    ) -> Response:
        key = self._authenticate(request)
        if key is None:
            return self.api.error(401, UNAUTHORIZED)
        if handler is None:
            if label == "method-not-allowed":
                return self.api.error(405, f"Method {request.method} not allowed")
            return self.api.error(404, "Not found")
        return await self._run(label, handler, Call(request, self.api, key, params))

    async def _run(self, label: str, handler: Handler, call: Call) -> Response:
        try:
            if "project_id" in call.params:
                check_project(call)
            return await handler(call)
        except StoreError as exc:
            return self.api.error(exc.status, exc.message)
        except Exception:  # a bug in the emulator: answer like a server would, and log it
            logger.exception("unhandled error in %s", label)
            return self.api.error(500, "Internal server error")

    async def _admin(self, request: Request, raw_path: str) -> Response:
        key = self._authenticate(request)
        if key is None:
            return self.api.error(401, UNAUTHORIZED)
        if raw_path == "/_emulator/raw-version" and request.method == "POST":
            return await self._run("raw-version", raw_version, Call(request, self.api, key))
        if raw_path == "/_emulator/stats" and request.method == "GET":
            return ok({**self.stats.snapshot(), "fault_seed": self.faults.seed})
        if raw_path == "/_emulator/stats/reset" and request.method == "POST":
            self.stats.reset()
            return ok({})
        return self.api.error(404, "Not found")
