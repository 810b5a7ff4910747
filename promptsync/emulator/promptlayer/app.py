"""The PromptLayer emulator as one ASGI app: authentication (`X-API-KEY`, or the body's
`api_key` on the SDK's routes that send it there) and routing."""

from __future__ import annotations

import json
import logging

from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from promptsync.emulator.asgi import FaultingApp, Respond
from promptsync.emulator.calls import key_sha256
from promptsync.emulator.faults import Faults, Stats
from promptsync.emulator.promptlayer.dataset_store import DatasetStore
from promptsync.emulator.promptlayer.http import Call, Handler, Invalid, error, invalid
from promptsync.emulator.promptlayer.request_store import RequestStore
from promptsync.emulator.promptlayer.routes import KEY_IN_BODY, resolve
from promptsync.emulator.promptlayer.store import Store, StoreError

logger = logging.getLogger("promptsync.emulator.promptlayer")
UNAUTHORIZED = "Invalid or missing API key: send it in the X-API-KEY header."


class PromptLayerApp(FaultingApp):
    def __init__(
        self,
        store: Store,
        workspaces: dict[str, int],
        faults: Faults,
        stats: Stats,
        publish_status: int = 200,
    ) -> None:
        super().__init__(faults, stats)
        self.store = store
        self.logs = RequestStore(store)
        self.datasets = DatasetStore(store)
        self.workspaces = workspaces  # sha256 of each accepted key -> its workspace id
        self.publish_status = publish_status

    def authenticate(self, request: Request) -> str | None:
        key = request.headers.get("x-api-key", "").strip()
        digest = key_sha256(key)
        return digest if key and digest in self.workspaces else None

    def error(self, status: int, message: str) -> JSONResponse:
        return error(status, message)

    async def _body_key(self, request: Request) -> str | None:
        """The sha256 of an accepted `api_key` in the JSON body (the SDK's legacy routes)."""
        try:
            data = json.loads(await request.body())
        except (json.JSONDecodeError, UnicodeDecodeError):
            return None
        key = data.get("api_key") if isinstance(data, dict) else None
        if not isinstance(key, str) or not key.strip():
            return None
        digest = key_sha256(key.strip())
        return digest if digest in self.workspaces else None

    def route(self, request: Request, raw_path: str) -> tuple[str, Respond]:
        label, handler, params = resolve(request.method, raw_path)

        async def respond() -> Response:
            return await self._dispatch(request, label, handler, params)

        return label, respond

    async def _dispatch(
        self, request: Request, label: str, handler: Handler | None, params: dict[str, str]
    ) -> Response:
        # As FastAPI does: an unknown route is answered before authentication.
        if handler is None:
            if label == "method-not-allowed":
                return JSONResponse({"detail": "Method Not Allowed"}, status_code=405)
            return JSONResponse({"detail": "Not Found"}, status_code=404)
        key = self.authenticate(request)
        if key is None and label in KEY_IN_BODY:
            key = await self._body_key(request)
        if key is None:
            return error(401, UNAUTHORIZED)
        call = Call(
            request,
            self.store,
            self.logs,
            self.datasets,
            self.workspaces[key],
            params,
            self.publish_status,
        )
        try:
            return await handler(call)
        except Invalid as exc:
            return invalid(exc.detail)
        except StoreError as exc:
            return error(exc.status, exc.message)
        except Exception:  # a bug in the emulator: answer like a server would, and log it
            logger.exception("unhandled error in %s", label)
            return error(500, "Internal server error")


def build_app(
    db: str, api_keys: list[str], faults: Faults, stats: Stats, publish_status: int = 200
) -> PromptLayerApp:
    """The app over the store at `db`; each key is its own workspace (ids kept in the store)."""
    store = Store(db)
    workspaces = {key_sha256(k): store.workspace(key_sha256(k)) for k in api_keys}
    return PromptLayerApp(store, workspaces, faults, stats, publish_status)
