"""The Freeplay prompt-template API: routing on the raw path, and one handler per operation."""

from __future__ import annotations

import hashlib
import json
import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any, TypeVar
from urllib.parse import unquote

from pydantic import BaseModel, ValidationError
from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from promptsync.emulator import formatting as fmt
from promptsync.emulator.api_models import (
    CreateEnvironmentRequest,
    CreateProjectRequest,
    CreatePromptTemplateRequest,
    CreateTemplateVersionRequest,
    HistoryPlaceholderInfo,
    UpdatePromptTemplateRequest,
    UpdateTemplateVersionEnvironmentsRequest,
)
from promptsync.emulator.store import LATEST, Store, StoreError, Version

UNAUTHORIZED = "Requests must be authenticated with a valid API key."
B = TypeVar("B", bound=BaseModel)


@dataclass
class Call:
    """One request as a handler sees it."""

    request: Request
    store: Store
    key_sha256: str
    params: dict[str, str] = field(default_factory=dict)

    @property
    def project_id(self) -> str:
        return self.params["project_id"]

    def query(self, name: str, default: str | None = None) -> str | None:
        return self.request.query_params.get(name, default)


Handler = Callable[[Call], Awaitable[Response]]


def ok(payload: Any, status: int = 200) -> JSONResponse:
    return JSONResponse(payload, status_code=status)


def error(status: int, message: str) -> JSONResponse:
    return JSONResponse({"message": message}, status_code=status)


def key_sha256(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


# --- request parsing ------------------------------------------------------------------------


def _field_path(loc: tuple[int | str, ...]) -> str:
    parts = [str(p) for p in loc if p not in ("message", "history")]
    return ".".join(parts) or "body"


async def _json(call: Call) -> Any:
    raw = await call.request.body()
    try:
        return json.loads(raw)
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise StoreError(400, f"Malformed JSON body: {exc}") from None


async def _parse(call: Call, model: type[B]) -> B:
    data = await _json(call)
    if not isinstance(data, dict):
        raise StoreError(400, "Request body must be a JSON object")
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        first = exc.errors()[0]
        raise StoreError(
            400, f"Invalid field {_field_path(first['loc'])}: {first['msg']}"
        ) from None


def path_uuid(call: Call, name: str) -> str:
    value = call.params[name]
    try:
        uuid.UUID(value)
    except ValueError:
        raise StoreError(400, f"{name} '{value}' is not a valid UUID") from None
    return value


def _int_query(call: Call, name: str, default: int, low: int, high: int | None) -> int:
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


def _bool_query(call: Call, name: str) -> bool:
    raw = (call.query(name) or "").lower()
    if raw in ("", "false", "0", "no", "off"):
        return False
    if raw in ("true", "1", "yes", "on"):
        return True
    raise StoreError(400, f"Query parameter {name} must be a boolean")


def _page(call: Call) -> tuple[int, int]:
    page = _int_query(call, "page", 1, 1, None)
    size = _int_query(call, "page_size", 30, 1, 100)
    return page, size


def _paginated(items: list[Any], page: int, size: int) -> JSONResponse:
    """Handlers fetch size + 1 items so that has_next needs no count query."""
    return ok(
        {
            "data": items[:size],
            "pagination": {"page": page, "page_size": size, "has_next": len(items) > size},
        }
    )


# --- projects and environments ------------------------------------------------------------------


async def list_projects(call: Call) -> Response:
    return ok({"projects": call.store.projects_for(call.key_sha256)})


async def create_project(call: Call) -> Response:
    body = await _parse(call, CreateProjectRequest)
    project_id = body.id or str(uuid.uuid4())
    call.params["id"] = project_id
    path_uuid(call, "id")
    project = call.store.create_project(project_id, body.name, body.is_private)
    call.store.grant(call.key_sha256, project_id)
    return ok(
        {
            **project,
            "freeplay_spend_limit_usd": None,
            "data_retention_days": None,
            "enable_eval_insights": True,
            "enable_review_insights": True,
        },
        201,
    )


async def list_environments(call: Call) -> Response:
    page, size = _page(call)
    envs = call.store.environments()
    return _paginated(envs[(page - 1) * size : page * size + 1], page, size)


async def create_environment(call: Call) -> Response:
    body = await _parse(call, CreateEnvironmentRequest)
    if not body.name.strip():
        raise StoreError(400, "Invalid field name: must not be empty")
    return ok(call.store.create_environment(body.name), 201)


# --- templates -----------------------------------------------------------------------------------


def _plain(version: Version) -> dict[str, Any]:
    t = version.template
    return fmt.plain(version.id, t.id, t.name, t.project_id, version.body)


# Versions never change, so their serialized form is cached: `all/<env>` with thousands of
# templates is then string concatenation instead of a JSON parse and dump per template.
_plain_cache: dict[tuple[str, str, str], str] = {}


def _plain_json(version: Version) -> str:
    key = (version.id, version.template.id, version.template.name)
    cached = _plain_cache.get(key)
    if cached is None:
        if len(_plain_cache) > 200_000:
            _plain_cache.clear()
        cached = _plain_cache[key] = json.dumps(
            _plain(version), ensure_ascii=False, separators=(",", ":")
        )
    return cached


async def list_templates(call: Call) -> Response:
    page, size = _page(call)
    rows = call.store.list_templates(call.project_id, (page - 1) * size, size + 1)
    data = [
        {"id": t.id, "name": t.name, "latest_template_version_id": latest} for t, latest in rows
    ]
    return _paginated(data, page, size)


async def create_template(call: Call) -> Response:
    body = await _parse(call, CreatePromptTemplateRequest)
    if body.id is not None:
        call.params["id"] = body.id
        path_uuid(call, "id")
    _check_name(body.name)
    template = call.store.create_template(call.project_id, body.name, body.id)
    return ok({"id": template.id}, 201)


def _check_name(name: str) -> None:
    if not name or len(name) > 256:
        raise StoreError(400, "Invalid field name: must be 1 to 256 characters")


async def get_template(call: Call) -> Response:
    template, latest = call.store.template(call.project_id, path_uuid(call, "template_id"))
    return ok({"id": template.id, "name": template.name, "latest_template_version_id": latest})


async def rename_template(call: Call) -> Response:
    body = await _parse(call, UpdatePromptTemplateRequest)
    _check_name(body.name)
    call.store.rename_template(call.project_id, path_uuid(call, "template_id"), body.name)
    return ok({})


async def delete_template(call: Call) -> Response:
    call.store.archive_template(call.project_id, path_uuid(call, "template_id"))
    return ok({})


async def all_in_environment(call: Call) -> Response:
    versions = call.store.all_in(call.project_id, call.params["environment"])
    items = ",".join(_plain_json(v) for v in versions)
    return Response(f'{{"prompt_templates":[{items}]}}', media_type="application/json")


# --- versions ------------------------------------------------------------------------------------


def _stored_body(req: CreateTemplateVersionRequest) -> dict[str, Any]:
    flavor = fmt.PROVIDER_FLAVORS.get(req.provider)
    if flavor is None:
        known = ", ".join(sorted(fmt.PROVIDER_FLAVORS))
        raise StoreError(
            400, f"Invalid field provider: unknown provider '{req.provider}' (known: {known})"
        )
    content: list[dict[str, Any]] = []
    for message in req.template_messages:
        if isinstance(message, HistoryPlaceholderInfo):
            content.append({"kind": "history"})
            continue
        item: dict[str, Any] = {"role": message.role, "content": message.content}
        if message.media_slots:
            item["media_slots"] = [slot.model_dump() for slot in message.media_slots]
        content.append(item)
    return {
        "content": content,
        "provider": req.provider,
        "flavor": flavor,
        "model": req.model,
        "params": req.llm_parameters or {},
        "tool_schema": [t.model_dump() for t in req.tool_schema] if req.tool_schema else None,
        "output_schema": req.output_schema,
        "version_name": req.version_name,
        "version_description": req.version_description,
    }


async def create_version_by_name(call: Call) -> Response:
    req = await _parse(call, CreateTemplateVersionRequest)
    _check_name(call.params["template_name"])
    version, _created = call.store.create_version(
        call.project_id,
        _stored_body(req),
        req.environments,
        name=call.params["template_name"],
        create_template=_bool_query(call, "create_template_if_not_exists"),
    )
    return ok(_plain(version), 201)


async def create_version_by_id(call: Call) -> Response:
    req = await _parse(call, CreateTemplateVersionRequest)
    version, _created = call.store.create_version(
        call.project_id,
        _stored_body(req),
        req.environments,
        template_id=path_uuid(call, "template_id"),
    )
    return ok(_plain(version), 201)


async def list_versions(call: Call) -> Response:
    page, size = _page(call)
    from_version = call.query("from_version")
    if from_version is not None:
        call.params["from_version"] = from_version
        path_uuid(call, "from_version")
    versions = call.store.list_versions(
        call.project_id, path_uuid(call, "template_id"), (page - 1) * size, size + 1, from_version
    )
    return _paginated([_plain(v) for v in versions], page, size)


def _version(call: Call) -> Version:
    return call.store.version(
        call.project_id, path_uuid(call, "template_id"), path_uuid(call, "version_id")
    )


async def get_version(call: Call) -> Response:
    return await _present(call, _version(call), None)


async def post_version(call: Call) -> Response:
    return await _present(call, _version(call), await _variables(call))


async def delete_version(call: Call) -> Response:
    call.store.delete_version(
        call.project_id, path_uuid(call, "template_id"), path_uuid(call, "version_id")
    )
    return ok({})


async def update_environments(call: Call) -> Response:
    body = await _parse(call, UpdateTemplateVersionEnvironmentsRequest)
    call.store.deploy(
        call.project_id,
        path_uuid(call, "template_id"),
        path_uuid(call, "version_id"),
        body.environments,
    )
    return ok({})


async def get_by_name(call: Call) -> Response:
    version = call.store.by_name(
        call.project_id, call.params["name"], call.query("environment") or LATEST
    )
    return await _present(call, version, None)


async def post_by_name(call: Call) -> Response:
    version = call.store.by_name(
        call.project_id, call.params["name"], call.query("environment") or LATEST
    )
    return await _present(call, version, await _variables(call))


async def _variables(call: Call) -> dict[str, Any] | None:
    """The variables in the body, or None when there is no body (a raw fetch)."""
    if not (await call.request.body()).strip():
        return None
    data = await _json(call)
    if not isinstance(data, dict):
        raise StoreError(400, "Request body must be a JSON object of variables")
    return data


async def _present(call: Call, version: Version, variables: dict[str, Any] | None) -> Response:
    """Raw without variables and format; bound with variables; formatted with format=true."""
    formatted = _bool_query(call, "format")
    if variables is None and not formatted:
        return ok(_plain(version))
    body = version.body
    flavor = call.query("flavor_name") or body["flavor"]
    if flavor not in fmt.FLAVORS:
        raise StoreError(400, f"Unknown flavor_name '{flavor}'")
    bound = fmt.bind(body, variables or {})
    head = {
        k: v
        for k, v in _plain(version).items()
        if k not in ("content", "tool_schema", "output_schema", "metadata")
    }
    if not formatted:
        return ok(
            {
                **head,
                "metadata": fmt.metadata(body),
                "bound_content": bound,
                "tool_schema": body.get("tool_schema"),
                "output_schema": body.get("output_schema"),
            }
        )
    return ok(
        {
            **head,
            "metadata": fmt.metadata(body, flavor),
            "formatted_content": fmt.format_messages(flavor, bound),
            "formatted_tool_schema": fmt.format_tools(flavor, body.get("tool_schema")),
            "formatted_output_schema": fmt.format_output_schema(flavor, body.get("output_schema")),
            "system_content": fmt.system_content(bound),
        }
    )


# --- routing -------------------------------------------------------------------------------------

_T = "projects/{project_id}/prompt-templates"
ROUTES: list[tuple[str, str, Handler]] = [
    ("GET", "projects/all", list_projects),
    ("POST", "projects", create_project),
    ("GET", "environments", list_environments),
    ("POST", "environments", create_environment),
    ("GET", _T, list_templates),
    ("POST", _T, create_template),
    ("GET", f"{_T}/all/{{environment}}", all_in_environment),
    ("POST", f"{_T}/name/{{template_name*}}/versions", create_version_by_name),
    ("GET", f"{_T}/name/{{name*}}", get_by_name),
    ("POST", f"{_T}/name/{{name*}}", post_by_name),
    ("GET", f"{_T}/id/{{template_id}}", get_template),
    ("PATCH", f"{_T}/id/{{template_id}}", rename_template),
    ("DELETE", f"{_T}/id/{{template_id}}", delete_template),
    ("GET", f"{_T}/id/{{template_id}}/versions", list_versions),
    ("POST", f"{_T}/id/{{template_id}}/versions", create_version_by_id),
    ("GET", f"{_T}/id/{{template_id}}/versions/{{version_id}}", get_version),
    ("POST", f"{_T}/id/{{template_id}}/versions/{{version_id}}", post_version),
    ("DELETE", f"{_T}/id/{{template_id}}/versions/{{version_id}}", delete_version),
    ("POST", f"{_T}/id/{{template_id}}/versions/{{version_id}}/environments", update_environments),
]
API_PREFIX = "/api/v2/"


def _match(pattern: str, raw: list[str]) -> dict[str, str] | None:
    parts = pattern.split("/")
    greedy = next((i for i, p in enumerate(parts) if p.endswith("*}")), None)
    if greedy is None:
        if len(parts) != len(raw):
            return None
        head, tail, middle = parts, [], []
    else:
        head, tail = parts[:greedy], parts[greedy + 1 :]
        if len(raw) < len(parts):
            return None
        middle = raw[greedy : len(raw) - len(tail)]
    params: dict[str, str] = {}
    for part, seg in zip(head + tail, raw[: len(head)] + raw[len(raw) - len(tail) :], strict=True):
        if part.startswith("{"):
            params[part[1:-1]] = unquote(seg)
        elif part != seg:
            return None
    if greedy is not None:
        # The official SDK leaves "/" in names unencoded; promptsync sends %2F. Both work.
        params[parts[greedy][1:-2]] = "/".join(unquote(s) for s in middle)
    return params


def resolve(method: str, raw_path: str) -> tuple[str, Handler | None, dict[str, str]]:
    """(route label, handler, path params). Label is the OpenAPI path, or "unmatched"."""
    if not raw_path.startswith(API_PREFIX):
        return "unmatched", None, {}
    raw = raw_path[len(API_PREFIX) :].rstrip("/").split("/")
    allowed = False
    for route_method, pattern, handler in ROUTES:
        params = _match(pattern, raw)
        if params is None:
            continue
        allowed = True
        if route_method == method:
            return f"{method} {API_PREFIX}{pattern.replace('*', '')}", handler, params
    return ("method-not-allowed" if allowed else "unmatched"), None, {}
