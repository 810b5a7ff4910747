"""`POST /_emulator/raw-version`: store a version as Freeplay's UI might have made it.

For tests and rehearsals of what the create-version API would refuse (a `developer` role, a tool
with a `null` description, boolean or list parameters, message content that is a list, ...):
the body is stored as given, with no validation and no dedup, and then served by every route.
"""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict
from starlette.responses import Response

from promptsync.emulator import formatting as fmt
from promptsync.emulator.calls import Call, check_project, ok, parse
from promptsync.emulator.store import StoreError

# What a stored version holds when the raw body leaves it out (flavor: the provider's).
DEFAULTS: dict[str, Any] = {
    "content": [],
    "provider": None,
    "model": None,
    "params": {},
    "tool_schema": None,
    "output_schema": None,
    "version_name": None,
    "version_description": None,
}


class RawVersionRequest(BaseModel):
    model_config = ConfigDict(strict=True)

    project_id: str
    template_name: str
    environments: list[str] = []
    body: dict[str, Any]


def stored_body(given: dict[str, Any]) -> dict[str, Any]:
    body = {**DEFAULTS, **given}
    if "flavor" not in body:
        provider = body["provider"]
        body["flavor"] = fmt.PROVIDER_FLAVORS.get(provider) if isinstance(provider, str) else None
    return body


async def raw_version(call: Call) -> Response:
    req = await parse(call, RawVersionRequest)
    call.params["project_id"] = req.project_id
    check_project(call)
    if not req.template_name:
        raise StoreError(400, "Invalid field template_name: must not be empty")
    version = call.store.add_raw_version(
        req.project_id, req.template_name, stored_body(req.body), req.environments
    )
    t = version.template
    return ok(fmt.plain(version.id, t.id, t.name, t.project_id, version.body), 201)
