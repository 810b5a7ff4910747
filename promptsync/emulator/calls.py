"""What every handler works with: the emulator's state, one request, and its parsing helpers."""

from __future__ import annotations

import hashlib
import json
import re
import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any, TypeVar

from pydantic import BaseModel, ValidationError
from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from promptsync.emulator.completion_store import CompletionStore
from promptsync.emulator.dataset_store import DatasetStore
from promptsync.emulator.readings import Readings
from promptsync.emulator.store import Store, StoreError
from promptsync.emulator.testrun_store import TestRunStore

UNAUTHORIZED = "Requests must be authenticated with a valid API key."
B = TypeVar("B", bound=BaseModel)


def key_sha256(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


@dataclass
class Api:
    """One emulator's state: shared by its requests, never by two emulators."""

    store: Store
    readings: Readings = field(default_factory=Readings)
    completions: CompletionStore = field(init=False)
    datasets: DatasetStore = field(init=False)
    test_runs: TestRunStore = field(init=False)
    # Versions never change, so their serialized form is cached: `all/<env>` with thousands of
    # templates is then string concatenation instead of a JSON parse and dump per template.
    plain_cache: dict[tuple[str, str, str], str] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self.completions = CompletionStore(self.store)
        self.datasets = DatasetStore(self.store)
        self.test_runs = TestRunStore(self.store, self.datasets)

    def error(self, status: int, message: str) -> JSONResponse:
        return JSONResponse({self.readings.error_key: message}, status_code=status)


@dataclass
class Call:
    """One request as a handler sees it."""

    request: Request
    api: Api
    key_sha256: str
    params: dict[str, str] = field(default_factory=dict)

    @property
    def store(self) -> Store:
        return self.api.store

    @property
    def project_id(self) -> str:
        return self.params["project_id"]

    def query(self, name: str, default: str | None = None) -> str | None:
        return self.request.query_params.get(name, default)


Handler = Callable[[Call], Awaitable[Response]]


def ok(payload: Any, status: int = 200) -> JSONResponse:
    return JSONResponse(payload, status_code=status)


# --- request parsing ------------------------------------------------------------------------


# Pydantic names the member of a union a value failed in its location ("content.str"); our
# own union tags are <bracketed> (api_models, record_models). Neither is a field.
_UNION_MEMBER = re.compile(r"<.*>|str|int|float|bool|(list|dict)\[.*\]")


def field_parts(loc: tuple[int | str, ...]) -> list[int | str]:
    """A pydantic error location without the union members it names."""
    return [p for p in loc if not (isinstance(p, str) and _UNION_MEMBER.fullmatch(p))]


def field_path(loc: tuple[int | str, ...]) -> str:
    return ".".join(str(p) for p in field_parts(loc)) or "body"


async def json_body(call: Call) -> Any:
    raw = await call.request.body()
    try:
        return json.loads(raw)
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise StoreError(400, f"Malformed JSON body: {exc}") from None


async def parse(call: Call, model: type[B]) -> B:
    data = await json_body(call)
    if not isinstance(data, dict):
        raise StoreError(400, "Request body must be a JSON object")
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        first = exc.errors()[0]
        raise StoreError(400, f"Invalid field {field_path(first['loc'])}: {first['msg']}") from None


def null_path(value: Any, path: str) -> str | None:
    """The path of the first null inside `value` (Freeplay: input values must not be null)."""
    if value is None:
        return path
    items = (
        value.items()
        if isinstance(value, dict)
        else enumerate(value)
        if isinstance(value, list)
        else ()
    )
    for key, item in items:
        found = null_path(item, f"{path}.{key}")
        if found:
            return found
    return None


def path_uuid(call: Call, name: str) -> str:
    value = call.params[name]
    try:
        uuid.UUID(value)
    except ValueError:
        raise StoreError(400, f"{name} '{value}' is not a valid UUID") from None
    return value


def check_project(call: Call) -> None:
    """`project_id` is a UUID naming a project the caller's key may use."""
    path_uuid(call, "project_id")
    if not call.store.has_access(call.key_sha256, call.project_id):
        raise StoreError(404, "Project not found")


def int_query(call: Call, name: str, default: int, low: int, high: int | None) -> int:
    raw = call.query(name)
    if raw is None:
        return default
    try:
        value = int(raw)
    except ValueError:
        raise StoreError(400, f"Query parameter {name} must be an integer") from None
    if value < low or (high is not None and value > high):
        bound = f"between {low} and {high}" if high is not None else f"at least {low}"
        raise StoreError(400, f"Query parameter {name} must be {bound}")
    return value


def bool_query(call: Call, name: str) -> bool:
    raw = (call.query(name) or "").lower()
    if raw in ("", "false", "0", "no", "off"):
        return False
    if raw in ("true", "1", "yes", "on"):
        return True
    raise StoreError(400, f"Query parameter {name} must be a boolean")


def page_query(call: Call) -> tuple[int, int]:
    page = int_query(call, "page", 1, 1, None)
    size = int_query(call, "page_size", 30, 1, 100)
    return page, size


def paginated(items: list[Any], page: int, size: int) -> JSONResponse:
    """Handlers fetch size + 1 items so that has_next needs no count query."""
    return ok(
        {
            "data": items[:size],
            "pagination": {"page": page, "page_size": size, "has_next": len(items) > size},
        }
    )
