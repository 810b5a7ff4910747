"""Projects and environments."""

from __future__ import annotations

import uuid

from starlette.responses import Response

from promptsync.emulator.api_models import CreateEnvironmentRequest, CreateProjectRequest
from promptsync.emulator.calls import Call, ok, page_query, paginated, parse, path_uuid
from promptsync.emulator.store import StoreError


async def list_projects(call: Call) -> Response:
    return ok({"projects": call.store.projects_for(call.key_sha256)})


async def create_project(call: Call) -> Response:
    body = await parse(call, CreateProjectRequest)
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
    page, size = page_query(call)
    envs = call.store.environments()
    return paginated(envs[(page - 1) * size : page * size + 1], page, size)


async def create_environment(call: Call) -> Response:
    body = await parse(call, CreateEnvironmentRequest)
    if not body.name.strip():
        raise StoreError(400, "Invalid field name: must not be empty")
    return ok(call.store.create_environment(body.name), 201)
