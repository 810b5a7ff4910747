"""Prompt templates and their versions."""

from __future__ import annotations

from typing import Any

from starlette.responses import Response

from promptsync.emulator import formatting as fmt
from promptsync.emulator.api_models import (
    CreatePromptTemplateRequest,
    CreateTemplateVersionRequest,
    HistoryPlaceholderInfo,
    UpdatePromptTemplateRequest,
    UpdateTemplateVersionEnvironmentsRequest,
)
from promptsync.emulator.calls import (
    Call,
    bool_query,
    ok,
    page_query,
    paginated,
    parse,
    path_uuid,
)
from promptsync.emulator.present import plain, plain_json, present, variables
from promptsync.emulator.store import LATEST, StoreError, Version

# --- templates -----------------------------------------------------------------------------------


async def list_templates(call: Call) -> Response:
    page, size = page_query(call)
    rows = call.store.list_templates(call.project_id, (page - 1) * size, size + 1)
    data = [
        {"id": t.id, "name": t.name, "latest_template_version_id": latest} for t, latest in rows
    ]
    return paginated(data, page, size)


async def create_template(call: Call) -> Response:
    body = await parse(call, CreatePromptTemplateRequest)
    if body.id is not None:
        call.params["id"] = body.id
        path_uuid(call, "id")
    check_name(body.name)
    template = call.store.create_template(call.project_id, body.name, body.id)
    return ok({"id": template.id}, 201)


def check_name(name: str) -> None:
    if not name or len(name) > 256:
        raise StoreError(400, "Invalid field name: must be 1 to 256 characters")


async def get_template(call: Call) -> Response:
    template, latest = call.store.template(call.project_id, path_uuid(call, "template_id"))
    return ok({"id": template.id, "name": template.name, "latest_template_version_id": latest})


async def rename_template(call: Call) -> Response:
    body = await parse(call, UpdatePromptTemplateRequest)
    check_name(body.name)
    call.store.rename_template(call.project_id, path_uuid(call, "template_id"), body.name)
    return ok({})


async def delete_template(call: Call) -> Response:
    call.store.archive_template(call.project_id, path_uuid(call, "template_id"))
    return ok({})


async def all_in_environment(call: Call) -> Response:
    versions = call.store.all_in(call.project_id, call.params["environment"])
    items = ",".join(plain_json(call, v) for v in versions)
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
    req = await parse(call, CreateTemplateVersionRequest)
    check_name(call.params["template_name"])
    version, _created = call.store.create_version(
        call.project_id,
        _stored_body(req),
        req.environments,
        name=call.params["template_name"],
        create_template=bool_query(call, "create_template_if_not_exists"),
        any_version=call.api.readings.dedup == "any-version",
    )
    return ok(plain(call, version), 201)


async def create_version_by_id(call: Call) -> Response:
    req = await parse(call, CreateTemplateVersionRequest)
    version, _created = call.store.create_version(
        call.project_id,
        _stored_body(req),
        req.environments,
        template_id=path_uuid(call, "template_id"),
        any_version=call.api.readings.dedup == "any-version",
    )
    return ok(plain(call, version), 201)


async def list_versions(call: Call) -> Response:
    page, size = page_query(call)
    from_version = call.query("from_version")
    if from_version is not None:
        call.params["from_version"] = from_version
        path_uuid(call, "from_version")
    versions = call.store.list_versions(
        call.project_id, path_uuid(call, "template_id"), (page - 1) * size, size + 1, from_version
    )
    return paginated([plain(call, v) for v in versions], page, size)


def _version(call: Call) -> Version:
    return call.store.version(
        call.project_id, path_uuid(call, "template_id"), path_uuid(call, "version_id")
    )


async def get_version(call: Call) -> Response:
    return await present(call, _version(call), None)


async def post_version(call: Call) -> Response:
    return await present(call, _version(call), await variables(call))


async def delete_version(call: Call) -> Response:
    call.store.delete_version(
        call.project_id, path_uuid(call, "template_id"), path_uuid(call, "version_id")
    )
    return ok({})


async def update_environments(call: Call) -> Response:
    body = await parse(call, UpdateTemplateVersionEnvironmentsRequest)
    call.store.deploy(
        call.project_id,
        path_uuid(call, "template_id"),
        path_uuid(call, "version_id"),
        body.environments,
    )
    reply = call.api.readings.env_update_reply
    if reply == "object":
        return ok({})
    return Response(status_code=204 if reply == "empty-204" else 200)


async def get_by_name(call: Call) -> Response:
    version = call.store.by_name(
        call.project_id, call.params["name"], call.query("environment") or LATEST
    )
    return await present(call, version, None)


async def post_by_name(call: Call) -> Response:
    version = call.store.by_name(
        call.project_id, call.params["name"], call.query("environment") or LATEST
    )
    return await present(call, version, await variables(call))
