"""PromptLayer's prompt-registry API: one handler per operation, and routing on the raw path."""

from __future__ import annotations

from datetime import datetime
from typing import Any
from urllib.parse import unquote

from starlette.responses import Response

from promptsync.emulator.promptlayer import api_models as api
from promptsync.emulator.promptlayer import dataset_routes as datasets
from promptsync.emulator.promptlayer import request_routes as requests
from promptsync.emulator.promptlayer.http import (
    Call,
    Handler,
    body,
    ok,
    path_int,
    query,
)
from promptsync.emulator.promptlayer.store import Label, ListFilter, StoreError, Version, stamp
from promptsync.templating.server_render import render


def _check_workspace(call: Call, workspace_id: int | None) -> None:
    if workspace_id is not None and workspace_id != call.workspace:
        raise StoreError(403, f"This API key has no access to workspace {workspace_id}")


def _content(version: Version) -> dict[str, Any]:
    return {
        "id": version.template.id,
        "prompt_name": version.template.name,
        "prompt_template": version.prompt_template,
        "metadata": version.metadata,
        "commit_message": version.commit_message,
    }


def _stamp(value: datetime | None) -> str | None:
    return None if value is None else stamp(value)


# --- templates -----------------------------------------------------------------------------------


async def list_templates(call: Call) -> Response:
    q = query(call, api.ListQuery, lists=("tags",))
    if (q.external_source is None) != (q.external_id is None):
        raise StoreError(400, "external_source and external_id must be given together")
    where = ListFilter(
        label=q.label,
        name=q.name,
        tags=tuple(q.tags),
        external=(q.external_source, q.external_id)
        if q.external_source and q.external_id
        else None,
        created_after=_stamp(q.created_after),
        created_before=_stamp(q.created_before),
        updated_after=_stamp(q.updated_after),
        updated_before=_stamp(q.updated_before),
        # Nothing here is ever deleted, has a creator's email, or is a snippet.
        nothing=q.status == "deleted" or q.created_by_email is not None or q.is_snippet is True,
        sort_by=q.sort_by or "created_at",
        descending=q.sort_order == "desc",
    )
    total, versions = call.store.list_versions(
        call.workspace, where, (q.page - 1) * q.per_page, q.per_page
    )
    external = call.store.external_ids([v.template.id for v in versions])
    pages = -(-total // q.per_page)
    has_next, has_prev = q.page < pages, q.page > 1
    return ok(
        {
            "items": [
                {
                    **_content(v),
                    "llm_kwargs": None,
                    "version": v.number,
                    "external_ids": external[v.template.id],
                    "is_snippet": False,
                }
                for v in versions
            ],
            "page": q.page,
            "pages": pages,
            "total": total,
            "has_next": has_next,
            "has_prev": has_prev,
            # The schema makes both integers; 0 stands for "none" (the first page has no prev).
            "next_num": q.page + 1 if has_next else 0,
            "prev_num": q.page - 1 if has_prev else 0,
        }
    )


async def get_template(call: Call) -> Response:
    """POST /prompt-templates/{identifier}: one version, with input variables filled in."""
    req = await body(call, api.GetPromptTemplate, optional=True)
    _check_workspace(call, req.workspace_id)
    if req.version is not None and req.label is not None:
        raise StoreError(400, "version and label are mutually exclusive")
    version = call.store.version(
        call.workspace, call.params["identifier"], number=req.version, label=req.label
    )
    content = _content(version)
    if req.input_variables and not req.skip_input_variable_rendering:
        content["prompt_template"] = render(version.prompt_template, req.input_variables)
    return ok({**content, "llm_kwargs": None, "version": version.number})


async def get_template_raw(call: Call) -> Response:
    q = query(call, api.RawQuery)
    if q.version is not None and q.label is not None:
        raise StoreError(400, "version and label are mutually exclusive")
    version = call.store.version(
        call.workspace, call.params["identifier"], number=q.version, label=q.label
    )
    return ok(
        {
            "success": True,
            **_content(version),
            "version": version.number,
            "workspace_id": call.workspace,
            "tags": version.template.tags,
            "created_at": version.created_at,
            "snippets": [],
            "llm_kwargs": None,
        }
    )


async def publish(call: Call) -> Response:
    req = await body(call, api.CreatePromptTemplate)
    template = req.prompt_template
    _check_workspace(call, template.workspace_id)
    if template.folder_id is not None:
        raise StoreError(400, f"Folder {template.folder_id} not found")
    labels = list(dict.fromkeys(req.release_labels or []))
    if any(not label.strip() for label in labels):
        raise StoreError(400, "Release label names must not be empty")
    content = req.prompt_version.model_dump(mode="json")
    version = call.store.publish(
        call.workspace,
        template.prompt_name,
        template.tags if "tags" in template.model_fields_set else None,
        content,
        labels,
        [(e.source, e.external_id) for e in req.external_ids or []],
    )
    return ok(
        {
            **_content(version),
            "prompt_version_id": version.id,
            "version_number": version.number,
            "tags": version.template.tags,
            "release_labels": labels,
            "external_ids": call.store.external_ids([version.template.id])[version.template.id],
        },
        call.publish_status,
    )


# --- release labels ------------------------------------------------------------------------------


def _label(label: Label) -> dict[str, Any]:
    return {
        "created_at": label.created_at,
        "id": label.id,
        "name": label.name,
        "prompt_id": label.template_id,
        "prompt_version_id": label.version_id,
    }


async def list_labels(call: Call) -> Response:
    labels = call.store.labels(call.workspace, call.params["identifier"])
    return ok(
        {
            "release_labels": [
                {
                    "prompt_version_id": label.version_id,
                    "prompt_version_number": label.version_number,
                    "release_label": label.name,
                    "release_label_id": label.id,
                }
                for label in labels
            ]
        }
    )


async def create_label(call: Call) -> Response:
    prompt_id = path_int(call, "prompt_id")
    req = await body(call, api.CreateLabel)
    if not req.name.strip():
        raise StoreError(400, "Release label names must not be empty")
    label = call.store.create_label(call.workspace, prompt_id, req.prompt_version_number, req.name)
    return ok(_label(label))


async def move_label(call: Call) -> Response:
    label_id = path_int(call, "prompt_label_id")
    req = await body(call, api.MoveLabel)
    return ok(_label(call.store.move_label(call.workspace, label_id, req.prompt_version_number)))


async def delete_label(call: Call) -> Response:
    call.store.delete_label(call.workspace, path_int(call, "prompt_label_id"))
    return Response(status_code=204)


# --- routing -------------------------------------------------------------------------------------

ROUTES: list[tuple[str, str, Handler]] = [
    ("GET", "/prompt-templates", list_templates),
    ("GET", "/prompt-templates/{identifier}", get_template_raw),
    ("POST", "/prompt-templates/{identifier}", get_template),
    ("GET", "/prompt-templates/{identifier}/labels", list_labels),
    ("POST", "/rest/prompt-templates", publish),
    ("POST", "/prompts/{prompt_id}/label", create_label),
    ("PATCH", "/prompt-labels/{prompt_label_id}", move_label),
    ("DELETE", "/prompt-labels/{prompt_label_id}", delete_label),
    ("POST", "/log-request", requests.log_request),
    ("POST", "/rest/track-score", requests.track_score),
    ("POST", "/library-track-score", requests.library_track_score),
    ("POST", "/api/public/v2/requests/search", requests.search_requests),
    ("GET", "/api/public/v2/requests/{request_id}", requests.get_request),
    ("POST", "/api/public/v2/dataset-groups", datasets.create_group),
    ("POST", "/api/public/v2/dataset-versions/from-file", datasets.version_from_file),
    ("GET", "/api/public/v2/datasets", datasets.list_datasets),
    ("GET", "/api/public/v2/datasets/{dataset_id}/rows", datasets.dataset_rows),
]
# Routes the official SDK calls that the OpenAPI document does not list; `track.score` sends
# its key as `api_key` in the JSON body, not in X-API-KEY.
SDK_ONLY = frozenset({("POST", "/library-track-score")})
KEY_IN_BODY = frozenset({"POST /library-track-score"})


def _match(pattern: str, raw: list[str]) -> dict[str, str] | None:
    parts = pattern.strip("/").split("/")
    if len(parts) != len(raw):
        return None
    params: dict[str, str] = {}
    for part, segment in zip(parts, raw, strict=True):
        if part.startswith("{"):
            if not segment:
                return None
            params[part[1:-1]] = unquote(segment)
        elif part != segment:
            return None
    return params


def resolve(method: str, raw_path: str) -> tuple[str, Handler | None, dict[str, str]]:
    """(route label, handler, path params). The label is the OpenAPI path, or why none matched."""
    raw = raw_path.strip("/").split("/")
    allowed = False
    for route_method, pattern, handler in ROUTES:
        params = _match(pattern, raw)
        if params is None:
            continue
        allowed = True
        if route_method == method:
            return f"{method} {pattern}", handler, params
    return ("method-not-allowed" if allowed else "unmatched"), None, {}
