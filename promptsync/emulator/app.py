"""The Freeplay emulator as one ASGI app: authentication and routing (faults, stats: `asgi`)."""

from __future__ import annotations

import logging

from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from promptsync.emulator.asgi import FaultingApp, Respond
from promptsync.emulator.faults import Faults, Stats
from promptsync.emulator.routes import (
    UNAUTHORIZED,
    Call,
    Handler,
    error,
    key_sha256,
    path_uuid,
    resolve,
)
from promptsync.emulator.store import Store, StoreError

logger = logging.getLogger("promptsync.emulator")


class EmulatorApp(FaultingApp):
    def __init__(self, store: Store, keys: set[str], faults: Faults, stats: Stats) -> None:
        super().__init__(faults, stats)
        self.store = store
        self.keys = keys  # sha256 of every accepted API key

    def authenticate(self, request: Request) -> str | None:
        header = request.headers.get("authorization", "")
        scheme, _, token = header.partition(" ")
        if scheme.lower() != "bearer" or not token.strip():
            return None
        digest = key_sha256(token.strip())
        return digest if digest in self.keys else None

    def error(self, status: int, message: str) -> JSONResponse:
        return error(status, message)

    def route(self, request: Request, raw_path: str) -> tuple[str, Respond]:
        label, handler, params = resolve(request.method, raw_path)

        async def respond() -> Response:
            return await self._dispatch(request, label, handler, params)

        return label, respond

    async def _dispatch(
        self, request: Request, label: str, handler: Handler | None, params: dict[str, str]
    ) -> Response:
        key = self.authenticate(request)
        if key is None:
            return error(401, UNAUTHORIZED)
        if handler is None:
            if label == "method-not-allowed":
                return error(405, f"Method {request.method} not allowed")
            return error(404, "Not found")
        call = Call(request, self.store, key, params)
        try:
            if "project_id" in params:
                path_uuid(call, "project_id")
                if not self.store.has_access(key, params["project_id"]):
                    return error(404, "Project not found")
            return await handler(call)
        except StoreError as exc:
            return error(exc.status, exc.message)
        except Exception:  # a bug in the emulator: answer like a server would, and log it
            logger.exception("unhandled error in %s", label)
            return error(500, "Internal server error")
