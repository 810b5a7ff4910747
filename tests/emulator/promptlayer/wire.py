"""Request bodies and calls shared by the PromptLayer emulator tests, checked against the spec."""

from __future__ import annotations

import base64
from typing import Any

import httpx

from tests.emulator.openapi import PROMPTLAYER_SPEC, check
from tests.emulator.promptlayer.schemas import conforms

# The example of the OpenAPI document's "Get Prompt Template Raw Data" response.
SUPPORT_RESPONSE: dict[str, Any] = {
    "type": "chat",
    "messages": [
        {
            "role": "system",
            "content": [{"type": "text", "text": "You are a helpful support assistant."}],
        },
        {"role": "user", "content": [{"type": "text", "text": "{user_message}"}]},
    ],
}
GPT_4O = {"model": {"provider": "openai", "name": "gpt-4o", "parameters": {"temperature": 0.2}}}


def chat(*texts: str, template_format: str = "f-string") -> dict[str, Any]:
    """A chat template: a system message, then user messages."""
    roles = ["system", *["user"] * (len(texts) - 1)]
    return {
        "type": "chat",
        "messages": [
            {
                "role": role,
                "content": [{"type": "text", "text": text}],
                "template_format": template_format,
            }
            for role, text in zip(roles, texts, strict=True)
        ],
    }


def publish_body(
    name: str,
    template: dict[str, Any] | None = None,
    *,
    labels: list[str] | None = None,
    commit_message: str | None = None,
    metadata: dict[str, Any] | None = None,
    tags: list[str] | None = None,
) -> dict[str, Any]:
    body: dict[str, Any] = {
        "prompt_template": {"prompt_name": name},
        "prompt_version": {
            "prompt_template": template or SUPPORT_RESPONSE,
            "commit_message": commit_message,
            "metadata": metadata,
        },
    }
    if tags is not None:
        body["prompt_template"]["tags"] = tags
    if labels is not None:
        body["release_labels"] = labels
    return body


def publish(client: httpx.Client, name: str, *args: Any, **kwargs: Any) -> Any:
    """Publish and check the response against the spec."""
    response = client.post("/rest/prompt-templates", json=publish_body(name, *args, **kwargs))
    return check(response, "POST", "/rest/prompt-templates", 200, PROMPTLAYER_SPEC)


def get(client: httpx.Client, identifier: str, **body: Any) -> Any:
    response = client.post(f"/prompt-templates/{identifier}", json=body)
    return check(response, "POST", "/prompt-templates/{identifier}", 200, PROMPTLAYER_SPEC)


def listing(client: httpx.Client, **params: Any) -> Any:
    response = client.get("/prompt-templates", params=params)
    return check(response, "GET", "/prompt-templates", 200, PROMPTLAYER_SPEC)


def labels(client: httpx.Client, identifier: str) -> dict[str, int]:
    """Label name -> version number, checked against the spec."""
    response = client.get(f"/prompt-templates/{identifier}/labels")
    body = check(response, "GET", "/prompt-templates/{identifier}/labels", 200, PROMPTLAYER_SPEC)
    return {r["release_label"]: r["prompt_version_number"] for r in body["release_labels"]}


def text_of(template: dict[str, Any], message: int = 0) -> str:
    return template["messages"][message]["content"][0]["text"]  # type: ignore[no-any-return]


# --- request logs and datasets -------------------------------------------------------------------


def log_body(text: str = "Hello!", answer: str = "Hi there!", **fields: Any) -> dict[str, Any]:
    """The OpenAPI document's `/log-request` example, with `fields` set."""
    return {
        "provider": "openai",
        "model": "gpt-4o",
        "api_type": "chat-completions",
        "input": {
            "type": "chat",
            "messages": [{"role": "user", "content": [{"type": "text", "text": text}]}],
        },
        "output": {
            "type": "chat",
            "messages": [{"role": "assistant", "content": [{"type": "text", "text": answer}]}],
        },
        "request_start_time": "2024-01-15T10:30:00Z",
        "request_end_time": "2024-01-15T10:30:05Z",
        "tags": ["production"],
        "metadata": {"session_id": "abc123"},
        **fields,
    }


def log(client: httpx.Client, text: str = "Hello!", **fields: Any) -> int:
    """Log a request (201); its id."""
    response = client.post("/log-request", json=log_body(text, **fields))
    assert response.status_code == 201, response.text
    return response.json()["id"]  # type: ignore[no-any-return]


def where(field: str, operator: str, value: Any = None, **extra: Any) -> dict[str, Any]:
    """One `StructuredFilter`."""
    return {"field": field, "operator": operator, "value": value, **extra}


def search(client: httpx.Client, *filters: dict[str, Any], **body: Any) -> Any:
    """Search with the filters AND-ed in a `filter_group`; the checked response."""
    if filters:
        body["filter_group"] = {"logic": "AND", "filters": list(filters)}
    response = client.post("/api/public/v2/requests/search", json=body)
    return conforms(response, "POST", "/api/public/v2/requests/search", 200)


def found(client: httpx.Client, *filters: dict[str, Any], **body: Any) -> list[int]:
    """The ids a search finds (one page of at most 25)."""
    return [item["id"] for item in search(client, *filters, per_page=25, **body)["items"]]


GROUPS = "/api/public/v2/dataset-groups"
FROM_FILE = "/api/public/v2/dataset-versions/from-file"
DATASETS = "/api/public/v2/datasets"
ROWS = "/api/public/v2/datasets/{dataset_id}/rows"


def upload(client: httpx.Client, group_id: int, file_name: str, content: str | bytes) -> Any:
    """`POST /api/public/v2/dataset-versions/from-file` with the file base64-encoded."""
    raw = content.encode() if isinstance(content, str) else content
    return client.post(
        "/api/public/v2/dataset-versions/from-file",
        json={
            "dataset_group_id": group_id,
            "file_name": file_name,
            "file_content_base64": base64.b64encode(raw).decode(),
        },
    )


def new_group(client: httpx.Client, name: str, **body: Any) -> Any:
    response = client.post("/api/public/v2/dataset-groups", json={"name": name, **body})
    assert response.status_code == 201, response.text
    return response.json()


def datasets(client: httpx.Client, **params: Any) -> Any:
    return conforms(client.get(DATASETS, params=params), "GET", DATASETS, 200)


def rows(client: httpx.Client, dataset_id: int, **params: Any) -> Any:
    response = client.get(f"/api/public/v2/datasets/{dataset_id}/rows", params=params)
    return conforms(response, "GET", ROWS, 200)


def values(page: dict[str, Any]) -> list[list[Any]]:
    return [[cell["value"] for cell in row] for row in page["rows"]]


def version(client: httpx.Client, group_id: int, file_name: str, content: str) -> int:
    """Upload a file (checked 201); the dataset id."""
    body = conforms(upload(client, group_id, file_name, content), "POST", FROM_FILE, 201)
    return body["dataset_id"]  # type: ignore[no-any-return]
