"""Check emulator responses against Freeplay's own OpenAPI document."""

from __future__ import annotations

import json
from functools import cache
from typing import Any

import httpx
import jsonschema

from tests.conftest import REPO

# Freeplay's OpenAPI 3.1 document, vendored verbatim from the project's reference material.
SPEC = REPO / "tests" / "fixtures" / "freeplay-openapi.json"


@cache
def spec() -> dict[str, Any]:
    return json.loads(SPEC.read_text(encoding="utf-8"))  # type: ignore[no-any-return]


def response_schema(method: str, path: str, status: int) -> dict[str, Any]:
    operation = spec()["paths"][path][method.lower()]
    schema = operation["responses"][str(status)]["content"]["application/json"]["schema"]
    return {**schema, "components": spec()["components"]}


def check(response: httpx.Response, method: str, path: str, status: int) -> Any:
    """Assert the status, validate the body against the spec, return the body."""
    assert response.status_code == status, response.text
    body = response.json()
    validator = jsonschema.Draft202012Validator(
        response_schema(method, path, status), format_checker=jsonschema.FormatChecker()
    )
    validator.validate(body)
    return body
