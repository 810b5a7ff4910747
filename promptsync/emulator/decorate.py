"""`--decorate-responses`: what a newer or looser Freeplay might add to what it sends.

Only additions that change nothing an application sends: unknown keys at the top level, in each
prompt template, its metadata and messages, and in list responses; `format_version` 3. (A set
`provider_info`, another flavor or a tool key such as `strict: true` changes what the SDK sends:
that is drift, which `/_emulator/raw-version` can store, not decoration.) Freeplay's
OpenAPI document forbids additional properties nowhere, so decorated bodies still validate.
Deterministic (no clock, no randomness), so tests can compare bodies.
"""

from __future__ import annotations

import json
from typing import Any

from starlette.responses import JSONResponse, Response

FORMAT_VERSION = 3
STAMP = "2026-01-01T00:00:00+00:00"
TOP_LEVEL = {"request_id": "req_emulator_decorated", "api_revision": "2026-01-01"}


def template(plain: dict[str, Any]) -> dict[str, Any]:
    """A PlainPromptTemplate (or the head of a bound/formatted one) as a newer server sends it."""
    out = {
        **plain,
        "format_version": FORMAT_VERSION,
        "created_at": STAMP,
        "labels": ["decorated"],
        "lineage": {"parent_version_id": None, "source": "emulator"},
    }
    if "metadata" in out:
        out["metadata"] = metadata(out["metadata"])
    if isinstance(out.get("content"), list):
        out["content"] = messages(out["content"])
    return out


def metadata(meta: Any) -> Any:
    if not isinstance(meta, dict):
        return meta
    return {
        **meta,
        "deployment": {"tier": "standard", "fallback_models": []},
        "capabilities": {"streaming": True, "tools": True},
    }


def messages(items: list[Any]) -> list[Any]:
    return [
        {**m, "message_id": f"msg_{i}", "annotations": {"source": "emulator"}}
        if isinstance(m, dict)
        else m
        for i, m in enumerate(items)
    ]


def body(payload: Any) -> Any:
    """Top-level extras on every JSON object; list responses get extras on the page and items."""
    if not isinstance(payload, dict):
        return payload
    out = {**payload, **TOP_LEVEL}
    pagination = out.get("pagination")
    if isinstance(pagination, dict):
        has_next = pagination.get("has_next")
        page = pagination.get("page")
        out["pagination"] = {
            **pagination,
            "next_page": page + 1 if has_next and isinstance(page, int) else None,
        }
    for key in ("data", "projects", "prompt_templates"):
        if isinstance(out.get(key), list):
            out[key] = [
                {**item, "updated_at": STAMP} if isinstance(item, dict) else item
                for item in out[key]
            ]
    return out


def response(sent: Response) -> Response:
    """The same response with a decorated JSON body (empty bodies stay empty)."""
    if sent.media_type != "application/json" or not sent.body:
        return sent
    return JSONResponse(body(json.loads(bytes(sent.body))), status_code=sent.status_code)
