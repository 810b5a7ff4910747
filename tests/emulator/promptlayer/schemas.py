"""Checking the request-log and dataset responses against PromptLayer's OpenAPI document.

The document says `openapi: 3.1.0` but marks optional values with OpenAPI 3.0's
`nullable: true`, which JSON Schema 2020-12 ignores; its own examples send `null` there
(`SearchRequestLogsResponse.next_num`/`prev_num`, `Dataset.filter_params`,
`RequestLogDetailResponse.trace_id`). These checks read `nullable: true` as "or null".
"""

from __future__ import annotations

from typing import Any

import httpx

from tests.emulator.openapi import PROMPTLAYER_SPEC, load, response_schema, validate


def nullable(node: Any) -> Any:
    """A copy of a schema where every `nullable: true` also allows null."""
    if isinstance(node, list):
        return [nullable(item) for item in node]
    if not isinstance(node, dict):
        return node
    copied = {key: nullable(value) for key, value in node.items() if key != "nullable"}
    if node.get("nullable") is True:
        return {"anyOf": [copied, {"type": "null"}]}
    return copied


def schema(method: str, path: str, status: int) -> dict[str, Any]:
    document = load(PROMPTLAYER_SPEC)
    found = response_schema(method, path, status, PROMPTLAYER_SPEC)
    return {**nullable(found), "components": nullable(document["components"])}


def component(name: str) -> dict[str, Any]:
    document = load(PROMPTLAYER_SPEC)
    return {
        **nullable(document["components"]["schemas"][name]),
        "components": nullable(document["components"]),
    }


def conforms(response: httpx.Response, method: str, path: str, status: int) -> Any:
    """Assert the status, validate the body (nullable read as 3.0 does), return the body."""
    assert response.status_code == status, response.text
    body = response.json()
    validate(body, schema(method, path, status))
    return body


def is_error(response: httpx.Response, status: int) -> str:
    """Assert a PromptLayer `ErrorResponse` with this status; its message."""
    assert response.status_code == status, response.text
    body = response.json()
    validate(body, component("ErrorResponse"))
    assert body["success"] is False
    return body["message"]  # type: ignore[no-any-return]


def is_invalid(response: httpx.Response) -> list[Any]:
    """Assert FastAPI's 422; the `loc` of each problem."""
    assert response.status_code == 422, response.text
    body = response.json()
    validate(body, component("HTTPValidationError"))
    return [e["loc"] for e in body["detail"]]
