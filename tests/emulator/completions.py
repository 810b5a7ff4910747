"""Helpers for the completion tests: templates to point at, recording and searching."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from typing import Any

from promptsync.emulator import RunningEmulator
from tests.emulator.openapi import check

RECORD = "/api/v2/projects/{project_id}/sessions/{session_id}/completions"
SEARCH = "/api/v2/projects/{project_id}/search/completions"


def epoch(text: str) -> float:
    return datetime.fromisoformat(text).replace(tzinfo=UTC).timestamp()


def create_template(fp: RunningEmulator, name: str, model: str, provider: str) -> dict[str, Any]:
    with fp.client() as client:
        response = client.post(
            f"/projects/{fp.project_id}/prompt-templates/name/{name}/versions",
            params={"create_template_if_not_exists": "true"},
            json={
                "template_messages": [{"role": "user", "content": "{{topic}}"}],
                "model": model,
                "provider": provider,
                "version_name": f"{name}-v1",
                "environments": ["prod", "staging", "dev"],
            },
        )
    assert response.status_code == 201
    return response.json()  # type: ignore[no-any-return]


def record(
    fp: RunningEmulator, payload: dict[str, Any], session: str | None = None
) -> dict[str, Any]:
    path = f"/projects/{fp.project_id}/sessions/{session or uuid.uuid4()}/completions"
    with fp.client() as client:
        return check(client.post(path, json=payload), "POST", RECORD, 201)  # type: ignore[no-any-return]


def search(fp: RunningEmulator, filters: Any, **params: Any) -> dict[str, Any]:
    path = f"/projects/{fp.project_id}/search/completions"
    with fp.client() as client:
        response = client.post(path, params=params, json={"filters": filters})
    return check(response, "POST", SEARCH, 200)  # type: ignore[no-any-return]


def turn(question: str, answer: str) -> list[dict[str, Any]]:
    return [{"role": "user", "content": question}, {"role": "assistant", "content": answer}]
