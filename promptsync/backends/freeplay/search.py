"""Freeplay's search API for recorded completions, as `plan --impact` uses it.

One `POST /api/v2/projects/<p>/search/completions?page=1&page_size=<limit>` per template and
environment, filtered by the template's name, the environment and the start time; the newest
calls come first. The reader is tolerant: unknown fields are ignored, a call recorded without
inputs has none; a body that is not the documented shape is a `ShapeError` naming the place.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any
from urllib.parse import quote

from promptsync.backends.http import BackendError, HttpSession
from promptsync.backends.replies import ShapeError
from promptsync.impact.traffic import CallSample, SampledCall


def search_filters(template: str, environment: str, since: datetime) -> dict[str, Any]:
    """The filter of one template's calls in one environment since a time (UTC)."""
    moment = since.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S")
    return {
        "and": [
            {"field": "prompt_template", "op": "eq", "value": template},
            {"field": "environment", "op": "eq", "value": environment},
            {"field": "start_time", "op": "gte", "value": moment},
        ]
    }


def read_sample(raw: bytes, limit: int) -> CallSample:
    """A search response → at most `limit` calls, and whether the registry has more."""
    try:
        payload = json.loads(raw)
    except (ValueError, UnicodeDecodeError):
        raise ShapeError("response is not valid JSON") from None
    data = payload.get("data") if isinstance(payload, dict) else None
    if not isinstance(data, list):
        raise ShapeError("unexpected response shape: no list 'data'")
    calls = []
    for i, item in enumerate(data):
        if not isinstance(item, dict):
            raise ShapeError(f"unexpected response shape at data.{i}: not an object")
        inputs = item.get("input_variables")
        if inputs is None:
            inputs = {}
        if not isinstance(inputs, dict):
            raise ShapeError(
                f"unexpected response shape at data.{i}.input_variables: not an object"
            )
        completion_id = item.get("completion_id")
        calls.append(SampledCall(inputs, completion_id if isinstance(completion_id, str) else None))
    pagination = payload.get("pagination")
    has_next = pagination.get("has_next") if isinstance(pagination, dict) else None
    # Without a readable has_next, a full page is taken to mean there may be more.
    more = has_next if isinstance(has_next, bool) else len(calls) >= limit
    return CallSample(tuple(calls[:limit]), more or len(calls) > limit)


def sample_calls(
    http: HttpSession,
    project_id: str,
    template: str,
    environment: str,
    since: datetime,
    limit: int,
) -> CallSample:
    path = f"/projects/{quote(project_id, safe='')}/search/completions"
    try:
        response = http.send(
            "POST",
            path,
            {"filters": search_filters(template, environment, since)},
            params={"page": 1, "page_size": limit},
        )
    except BackendError as exc:
        if exc.status == 403:  # a key that may read prompts but not observability data
            raise BackendError(f"{exc} (this API key may not search completions)", 403) from None
        raise
    try:
        return read_sample(response.content, limit)
    except ShapeError as exc:
        raise BackendError(
            f"{http.shown('POST', path)}: {response.status_code} {exc}", response.status_code
        ) from None
