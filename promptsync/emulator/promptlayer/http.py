"""Requests and responses as PromptLayer's FastAPI server shapes them.

Errors are `{"success": false, "message": …}` (the OpenAPI `ErrorResponse`); request
validation fails with 422 and FastAPI's `{"detail": [{"loc", "msg", "type", "input"}]}`
(`HTTPValidationError`), each `loc` naming the field (`["body", "prompt_version", …]`,
`["query", "page"]`, `["path", "prompt_id"]`).
"""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any, TypeVar

from pydantic import BaseModel, ValidationError
from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from promptsync.emulator.promptlayer.dataset_store import DatasetStore
from promptsync.emulator.promptlayer.request_store import RequestStore
from promptsync.emulator.promptlayer.store import Store

M = TypeVar("M", bound=BaseModel)


@dataclass
class Call:
    """One authenticated request as a handler sees it."""

    request: Request
    store: Store
    logs: RequestStore
    datasets: DatasetStore
    workspace: int
    params: dict[str, str] = field(default_factory=dict)
    publish_status: int = 200  # the OpenAPI document's; the SDK's async publish wants 201


Handler = Callable[[Call], Awaitable[Response]]


class Invalid(Exception):
    """A request that fails validation: answered 422 with FastAPI's error list."""

    def __init__(self, detail: list[dict[str, Any]]) -> None:
        super().__init__(detail)
        self.detail = detail


def ok(payload: Any, status: int = 200) -> JSONResponse:
    return JSONResponse(payload, status_code=status)


def error(status: int, message: str) -> JSONResponse:
    return JSONResponse({"success": False, "message": message}, status_code=status)


def invalid(detail: list[dict[str, Any]]) -> JSONResponse:
    return JSONResponse({"detail": detail}, status_code=422)


def _detail(exc: ValidationError, where: str) -> list[dict[str, Any]]:
    return [
        {"type": e["type"], "loc": [where, *e["loc"]], "msg": e["msg"], "input": e.get("input")}
        for e in exc.errors(include_url=False, include_context=False)
    ]


def validate(model: type[M], data: Any, where: str) -> M:
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        raise Invalid(_detail(exc, where)) from None


async def body(call: Call, model: type[M], *, optional: bool = False) -> M:
    """The JSON body as `model`; with `optional`, no body (or `null`) is the model's defaults."""
    raw = await call.request.body()
    if optional and not raw.strip():
        return model()
    try:
        data = json.loads(raw)
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        where = exc.pos if isinstance(exc, json.JSONDecodeError) else 0
        raise Invalid(
            [
                {
                    "type": "json_invalid",
                    "loc": ["body", where],
                    "msg": f"JSON decode error: {exc}",
                    "input": {},
                }
            ]
        ) from None
    if optional and data is None:
        return model()
    return validate(model, data, "body")


def query(call: Call, model: type[M], *, lists: tuple[str, ...] = ()) -> M:
    """The query string as `model`; parameters named in `lists` may repeat."""
    params = call.request.query_params
    data: dict[str, Any] = {k: params[k] for k in params if k not in lists}
    for name in lists:
        if name in params:
            data[name] = params.getlist(name)
    return validate(model, data, "query")


def path_int(call: Call, name: str) -> int:
    raw = call.params[name]
    try:
        return int(raw, 10)
    except ValueError:
        raise Invalid(
            [
                {
                    "type": "int_parsing",
                    "loc": ["path", name],
                    "msg": "Input should be a valid integer, unable to parse string as an integer",
                    "input": raw,
                }
            ]
        ) from None
