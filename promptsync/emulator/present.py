"""A stored version as Freeplay returns it: raw (PlainPromptTemplate), bound or formatted."""

from __future__ import annotations

import json
from typing import Any

from starlette.responses import Response

from promptsync.emulator import decorate
from promptsync.emulator import formatting as fmt
from promptsync.emulator.calls import Call, bool_query, json_body, ok
from promptsync.emulator.store import StoreError, Version

_CACHE_LIMIT = 200_000


def plain(call: Call, version: Version) -> dict[str, Any]:
    t = version.template
    payload = fmt.plain(version.id, t.id, t.name, t.project_id, version.body)
    return decorate.template(payload) if call.api.readings.decorate_responses else payload


def plain_json(call: Call, version: Version) -> str:
    cache = call.api.plain_cache
    key = (version.id, version.template.id, version.template.name)
    cached = cache.get(key)
    if cached is None:
        if len(cache) > _CACHE_LIMIT:
            cache.clear()
        cached = cache[key] = json.dumps(
            plain(call, version), ensure_ascii=False, separators=(",", ":")
        )
    return cached


async def variables(call: Call) -> dict[str, Any] | None:
    """The variables in the body, or None when there is no body (a raw fetch)."""
    if not (await call.request.body()).strip():
        return None
    data = await json_body(call)
    if not isinstance(data, dict):
        raise StoreError(400, "Request body must be a JSON object of variables")
    return data


async def present(call: Call, version: Version, values: dict[str, Any] | None) -> Response:
    """Raw without variables and format; bound with variables; formatted with format=true."""
    formatted = bool_query(call, "format")
    if values is None and not formatted:
        return ok(plain(call, version))
    body = version.body
    flavor = call.query("flavor_name") or body.get("flavor")
    if not isinstance(flavor, str) or flavor not in fmt.FLAVORS:
        raise StoreError(400, f"Unknown flavor_name '{flavor}'")
    bound = fmt.bind(body, values or {})
    head = {
        k: v
        for k, v in plain(call, version).items()
        if k not in ("content", "tool_schema", "output_schema", "metadata")
    }
    decorated = call.api.readings.decorate_responses
    if not formatted:
        tools = body.get("tool_schema")
        return ok(
            {
                **head,
                "metadata": _metadata(body, None, decorated),
                "bound_content": bound,
                "tool_schema": tools,
                "output_schema": body.get("output_schema"),
            }
        )
    return ok(
        {
            **head,
            "metadata": _metadata(body, flavor, decorated),
            "formatted_content": fmt.format_messages(flavor, bound),
            "formatted_tool_schema": fmt.format_tools(flavor, body.get("tool_schema")),
            "formatted_output_schema": fmt.format_output_schema(flavor, body.get("output_schema")),
            "system_content": fmt.system_content(bound),
        }
    )


def _metadata(body: dict[str, Any], flavor: str | None, decorated: bool) -> Any:
    meta = fmt.metadata(body, flavor)
    return decorate.metadata(meta) if decorated else meta
