"""PromptLayer's request-log search, as `plan --impact` uses it.

The calls a release label serves are those logged with the version it points at: one
`POST /api/public/v2/requests/search` per template and label (pages of at most 25 until the
sample is full), filtered by the template's id, that version's number and the start time, newest
first. A result that lacks the call's input variables (the documented result has no field for
them) is completed by `GET /api/public/v2/requests/{id}`, at most once per sampled call.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import UTC, datetime
from typing import Any

from promptsync.backends.http import BackendError, HttpSession
from promptsync.backends.replies import ShapeError, load_json
from promptsync.impact.traffic import CallSample, SampledCall

SEARCH = "/api/public/v2/requests/search"
DETAIL = "/api/public/v2/requests/{id}"
PER_PAGE = 25  # the search's largest page
INPUT_KEYS = ("prompt_input_variables", "input_variables")  # where a result may carry them


def search_body(template_id: str, number: int, since: datetime, page: int) -> dict[str, Any]:
    """One page of the calls logged with one version since a time (UTC), newest first."""
    moment = since.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    return {
        "filter_group": {
            "logic": "AND",
            "filters": [
                {"field": "prompt_id", "operator": "is", "value": int(template_id)},
                {"field": "prompt_version_number", "operator": "is", "value": number},
                {"field": "request_start_time", "operator": "after", "value": moment},
            ],
        },
        "sort_by": "request_start_time",
        "sort_order": "desc",
        "page": page,
        "per_page": PER_PAGE,
    }


def inputs_of(item: Mapping[str, Any]) -> dict[str, Any] | None:
    """A logged call's input variables, when the result carries them."""
    for key in INPUT_KEYS:
        value = item.get(key)
        if isinstance(value, dict):
            return value
    return None


def read_page(payload: Any) -> tuple[list[Mapping[str, Any]], bool]:
    """A search response → its results, and whether another page follows."""
    items = payload.get("items") if isinstance(payload, dict) else None
    if not isinstance(items, list):
        raise ShapeError("unexpected response shape: no list 'items'")
    for i, item in enumerate(items):
        if not isinstance(item, dict):
            raise ShapeError(f"unexpected response shape at items.{i}: not an object")
    has_next = payload.get("has_next")
    if not isinstance(has_next, bool):  # without it: a full page may have a next one
        has_next = len(items) >= PER_PAGE
    return items, has_next


def sample_calls(
    http: HttpSession,
    template_id: str,
    number: int,
    since: datetime,
    limit: int,
    detail: Callable[[str], dict[str, Any]] | None = None,
) -> CallSample:
    """The newest calls logged with version `number` of a template since `since`."""
    found: list[Mapping[str, Any]] = []
    more = False
    page = 1
    while len(found) < limit:
        try:
            payload = http.json("POST", SEARCH, search_body(template_id, number, since, page))
            items, more = read_page(payload)
        except ShapeError as exc:
            raise BackendError(f"{http.shown('POST', SEARCH)}: {exc}") from None
        except BackendError as exc:
            if exc.status in (401, 403):
                raise BackendError(f"{exc} (this API key may not search request logs)") from None
            raise
        found += items
        if not more or not items:
            break
        page += 1
    more = more or len(found) > limit
    read_detail = detail or (lambda request_id: _detail(http, request_id))
    calls = []
    for item in found[:limit]:
        request_id = item.get("id")
        inputs = inputs_of(item)
        if inputs is None and isinstance(request_id, int | str):
            inputs = inputs_of(read_detail(str(request_id))) or {}
        calls.append(SampledCall(inputs or {}, str(request_id) if request_id else None))
    return CallSample(tuple(calls), more)


def _detail(http: HttpSession, request_id: str) -> dict[str, Any]:
    path = DETAIL.format(id=request_id)
    response = http.send("GET", path)
    try:
        payload = load_json(response.content)
    except ShapeError as exc:
        raise BackendError(f"{http.shown('GET', path)}: {exc}") from None
    return payload if isinstance(payload, dict) else {}
