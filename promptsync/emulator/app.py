"""The Freeplay emulator as an ASGI app: authentication, routing and Freeplay's error shape,
behind the shared fault injection and statistics (asgi.FaultingApp)."""

from __future__ import annotations

import logging

from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from promptsync.emulator import decorate
from promptsync.emulator.asgi import FaultingApp, Respond
from promptsync.emulator.calls import (
    UNAUTHORIZED,
    Api,
    Call,
    Handler,
    check_project,
    key_sha256,
)
from promptsync.emulator.faults import Faults, Stats
from promptsync.emulator.raw_version import raw_version
from promptsync.emulator.routes import resolve
from promptsync.emulator.store import StoreError

logger = logging.getLogger("promptsync.emulator")


class EmulatorApp(FaultingApp):
    def __init__(self, api: Api, keys: set[str], faults: Faults, stats: Stats) -> None:
        super().__init__(faults, stats)
        self.api = api
        self.keys = keys  # sha256 of every accepted API key

    def authenticate(self, request: Request) -> str | None:
        header = request.headers.get("authorization", "")
        scheme, _, token = header.partition(" ")
        if scheme.lower() != "bearer" or not token.strip():
            return None
        digest = key_sha256(token.strip())
        return digest if digest in self.keys else None

    def error(self, status: int, message: str) -> JSONResponse:
        return self.api.error(status, message)

    def finish(self, response: Response) -> Response:
        if self.api.readings.decorate_responses:
            return decorate.response(response)
        return response

    def route(self, request: Request, raw_path: str) -> tuple[str, Respond]:
        label, handler, params = resolve(request.method, raw_path)

        async def respond() -> Response:
            return await self._dispatch(request, label, handler, params)

        return label, respond

    async def extra_admin(self, request: Request, raw_path: str, key: str) -> Response | None:
        if raw_path == "/_emulator/raw-version" and request.method == "POST":
            return await self._run("raw-version", raw_version, Call(request, self.api, key))
        return None

    async def _dispatch(
        self, request: Request, label: str, handler: Handler | None, params: dict[str, str]
    ) -> Response:
        key = self.authenticate(request)
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
