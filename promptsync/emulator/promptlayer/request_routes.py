"""Request logging, scores and search: `/log-request`, `/rest/track-score` and the public v2
request routes, shaped as PromptLayer's OpenAPI document says.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Annotated, Any

from pydantic import BaseModel, Field
from starlette.responses import Response

from promptsync.emulator.promptlayer import log_models as lm
from promptsync.emulator.promptlayer.http import Call, body, ok, validate
from promptsync.emulator.promptlayer.request_filters import (
    Facts,
    FilterError,
    Predicate,
    compile_group,
    facts,
    matches_query,
)
from promptsync.emulator.promptlayer.request_store import RequestLog
from promptsync.emulator.promptlayer.store import StoreError, stamp

SEARCH_PER_PAGE = 10  # SearchRequestLogsRequest.per_page: "Defaults to 10, maximum 25."


class _RequestPath(BaseModel):
    request_id: Annotated[int, Field(ge=1)]


async def log_request(call: Call) -> Response:
    req = await body(call, lm.LogRequest)
    if req.error_type is not None and req.status not in lm.ERROR_STATUSES[req.error_type]:
        raise StoreError(
            400, f"error_type {req.error_type} is not allowed with status {req.status}"
        )
    link = None
    if req.prompt_id is not None or req.prompt_name is not None:
        link = call.logs.link(
            call.workspace, req.prompt_id, req.prompt_name, req.prompt_version_number
        )
    record = req.model_dump(mode="json", exclude={"score", "score_name"})
    record["request_start_time"] = stamp(req.request_start_time)
    record["request_end_time"] = stamp(req.request_end_time)
    # The SDK always sends `score: 0`: only a score that says something is recorded.
    score = (req.score_name or "default", req.score) if req.score or req.score_name else None
    request_id = call.logs.add(call.workspace, record, link, req.prompt_version_number, score)
    return ok(
        {
            "id": request_id,
            "prompt_version": link.prompt_version() if link else None,
            "status": req.status,
            "error_type": req.error_type,
            "error_message": req.error_message,
        },
        201,
    )


async def track_score(call: Call) -> Response:
    return _track(call, await body(call, lm.TrackScore))


async def library_track_score(call: Call) -> Response:
    """The SDK's `track.score` (not in the OpenAPI document); the app read the key already."""
    return _track(call, await body(call, lm.LibraryTrackScore))


def _track(call: Call, req: lm.TrackScore) -> Response:
    # The document lists no 404 for this route: an unknown request is a bad request.
    if not call.logs.track_score(call.workspace, req.request_id, req.name or "default", req.score):
        raise StoreError(400, f"Request {req.request_id} not found")
    return ok({"success": True, "message": "Score tracked successfully"})


# --- reading ------------------------------------------------------------------------------------


def _time(stored: str) -> datetime:
    return datetime.fromisoformat(stored)


def _latency_ms(record: dict[str, Any]) -> float:
    elapsed = _time(record["request_end_time"]) - _time(record["request_start_time"])
    return elapsed.total_seconds() * 1000


def _scores(log: RequestLog) -> list[dict[str, Any]]:
    return [{"name": name, "score": score} for name, score in log.scores.items()]


def _prompt_fields(log: RequestLog) -> dict[str, Any]:
    """Beyond the documented properties (both response schemas allow more)."""
    return {
        "prompt_id": log.prompt_id,
        "prompt_version_id": log.prompt_version_id,
        "prompt_version_number": log.prompt_version_number,
        "prompt_input_variables": log.record["prompt_input_variables"],
        "status": log.record["status"],
    }


def _item(log: RequestLog, include_prompt_name: bool) -> dict[str, Any]:
    record = log.record
    item = {
        "id": log.id,
        "engine": record["model"],
        "provider_type": record["provider"],
        "input_tokens": record["input_tokens"],
        "output_tokens": record["output_tokens"],
        "price": record["price"],
        "request_start_time": record["request_start_time"],
        "request_end_time": record["request_end_time"],
        "latency": _latency_ms(record) / 1000,
        "tags_array": record["tags"],
        "metadata": [{key: value} for key, value in record["metadata"].items()],
        "scores": _scores(log),
        **_prompt_fields(log),
    }
    if include_prompt_name:
        item["prompt_name"] = log.prompt_name
    return item


async def get_request(call: Call) -> Response:
    path = validate(_RequestPath, {"request_id": call.params["request_id"]}, "path")
    log = call.logs.get(call.workspace, path.request_id)
    record = log.record
    return ok(
        {
            "success": True,
            "prompt_blueprint": {
                "prompt_template": record["input"],
                "metadata": {
                    "model": {
                        "provider": record["provider"],
                        "name": record["model"],
                        "parameters": record["parameters"],
                    }
                },
                "inference_client_name": None,
            },
            "request_id": log.id,
            "provider": record["provider"],
            "model": record["model"],
            "input_tokens": record["input_tokens"],
            "output_tokens": record["output_tokens"],
            "tokens": record["input_tokens"] + record["output_tokens"],
            "price": record["price"],
            "request_start_time": record["request_start_time"],
            "request_end_time": record["request_end_time"],
            "latency_ms": _latency_ms(record),
            "trace_id": None,
            **_prompt_fields(log),
            "prompt_name": log.prompt_name,
            "output": record["output"],
            "tags": record["tags"],
            "metadata": record["metadata"],
            "scores": _scores(log),
            "error_type": record["error_type"],
            "error_message": record["error_message"],
        }
    )


def _predicate(req: lm.SearchRequestLogs) -> Predicate:
    groups = []
    if req.filter_group is not None:
        groups.append(compile_group(req.filter_group, "filter_group"))
    if req.filters:
        flat = lm.StructuredFilterGroup(logic="AND", filters=req.filters)
        groups.append(compile_group(flat, "filters"))
    return lambda f: all(g(f) for g in groups)


def _sort_key(sort_by: str) -> Callable[[tuple[RequestLog, Facts]], tuple[Any, int]]:
    """Facts has a field for each `sort_by`; ties go by id, in the same direction."""
    return lambda pair: (getattr(pair[1], sort_by), pair[1].pl_id)


async def search_requests(call: Call) -> Response:
    req = await body(call, lm.SearchRequestLogs)
    if req.sort_order is not None and req.sort_by is None:
        raise StoreError(400, "sort_order must be provided together with sort_by")
    try:
        keep = _predicate(req)
    except FilterError as exc:
        raise StoreError(400, str(exc)) from None
    found: list[tuple[RequestLog, Facts]] = []
    for log in call.logs.all(call.workspace):
        seen = facts(log)
        if keep(seen) and (not req.q or matches_query(seen, req.q)):
            found.append((log, seen))
    found.sort(key=_sort_key(req.sort_by or "request_start_time"), reverse=req.sort_order != "asc")
    page, per_page = req.page or 1, req.per_page or SEARCH_PER_PAGE
    total = len(found)
    pages = -(-total // per_page)
    has_next, has_prev = page < pages, page > 1
    shown = found[(page - 1) * per_page : page * per_page]
    return ok(
        {
            "success": True,
            "items": [_item(log, bool(req.include_prompt_name)) for log, _ in shown],
            "page": page,
            "pages": pages,
            "per_page": per_page,
            "total": total,
            "has_next": has_next,
            "has_prev": has_prev,
            "next_num": page + 1 if has_next else None,
            "prev_num": page - 1 if has_prev else None,
        }
    )
