"""Check emulator responses against each API's own OpenAPI document."""

from __future__ import annotations

import json
from functools import cache
from pathlib import Path
from typing import Any

import httpx
import jsonschema

from tests.conftest import REPO

# The OpenAPI 3.1 documents, vendored verbatim from the project's reference material.
SPEC = REPO / "tests" / "fixtures" / "freeplay-openapi.json"
PROMPTLAYER_SPEC = REPO / "tests" / "fixtures" / "promptlayer-openapi.json"


@cache
def load(document: Path) -> dict[str, Any]:
    return json.loads(document.read_text(encoding="utf-8"))  # type: ignore[no-any-return]


def spec() -> dict[str, Any]:
    return load(SPEC)


def _resolve(node: dict[str, Any], document: dict[str, Any]) -> dict[str, Any]:
    while "$ref" in node:  # a response may be a reference to components/responses
        *_, kind, name = node["$ref"].split("/")
        node = document["components"][kind][name]
    return node


def response_schema(method: str, path: str, status: int, document: Path = SPEC) -> dict[str, Any]:
    loaded = load(document)
    operation = loaded["paths"][path][method.lower()]
    response = _resolve(operation["responses"][str(status)], loaded)
    schema = response["content"]["application/json"]["schema"]
    return {**schema, "components": loaded["components"]}


def validate(body: Any, schema: dict[str, Any]) -> None:
    validator = jsonschema.Draft202012Validator(schema, format_checker=jsonschema.FormatChecker())
    validator.validate(body)


def check(
    response: httpx.Response, method: str, path: str, status: int, document: Path = SPEC
) -> Any:
    """Assert the status, validate the body against the spec, return the body."""
    assert response.status_code == status, response.text
    body = response.json()
    validate(body, response_schema(method, path, status, document))
    return body


def component(name: str, document: Path) -> dict[str, Any]:
    """A schema of components/schemas, ready to validate against."""
    loaded = load(document)
    return {**loaded["components"]["schemas"][name], "components": loaded["components"]}
