"""Recording completions and searching them (the observability part of Freeplay's API)."""

from __future__ import annotations

import time
import uuid

from starlette.responses import Response

from promptsync.emulator.calls import (
    Call,
    bool_query,
    json_body,
    null_path,
    ok,
    page_query,
    paginated,
    parse,
    path_uuid,
)
from promptsync.emulator.completion_store import NewCompletion
from promptsync.emulator.completion_view import facts, search_info
from promptsync.emulator.record_models import RecordPayload
from promptsync.emulator.search import FilterError, compile_filter
from promptsync.emulator.store import StoreError


async def record_completion(call: Call) -> Response:
    session_id = str(uuid.UUID(path_uuid(call, "session_id")))
    payload = await parse(call, RecordPayload)
    null = null_path(payload.inputs or {}, "inputs")
    if null:
        raise StoreError(400, f"Invalid field {null}: must not be null")
    prompt, call_info = payload.prompt_info, payload.call_info
    model = provider = None
    if prompt is not None:
        model, provider = call.api.completions.version_model(
            call.project_id, prompt.prompt_template_version_id
        )
    if payload.test_run_info is not None:
        # Test runs are never deleted, so the link stays valid once checked.
        link = payload.test_run_info
        call.api.test_runs.check_link(call.project_id, link.test_run_id, link.test_case_id)
    now = time.time()
    start = call_info.start_time if call_info and call_info.start_time is not None else now
    end = call_info.end_time if call_info else None
    if end is not None and end < start:
        raise StoreError(400, "Invalid field call_info.end_time: before call_info.start_time")
    completion_id = payload.completion_id or str(uuid.uuid4())
    call.api.completions.add(
        NewCompletion(
            id=completion_id,
            project_id=call.project_id,
            session_id=session_id,
            start_time=start,
            end_time=end,
            recorded_at=now,
            version_id=prompt.prompt_template_version_id if prompt else None,
            environment=prompt.environment if prompt else None,
            # What the call says it used, else what its prompt template version names.
            model=(call_info.model if call_info else None) or model,
            provider=(call_info.provider if call_info else None) or provider,
            record=payload.model_dump(mode="json", exclude_none=True),
        )
    )
    return ok({"completion_id": completion_id}, 201)


async def search_completions(call: Call) -> Response:
    page, size = page_query(call)
    include_children = bool_query(call, "include_children")
    body = await json_body(call)
    if not isinstance(body, dict):
        raise StoreError(400, "Request body must be a JSON object")
    if "filters" not in body:
        raise StoreError(400, "Invalid field filters: Field required")
    try:
        matches = compile_filter(body["filters"])
    except FilterError as exc:
        raise StoreError(400, f"Invalid filter {exc}") from None
    skip, found = (page - 1) * size, []
    for completion in call.api.completions.newest_first(call.project_id):
        if not matches(facts(completion)):
            continue
        if skip:
            skip -= 1
            continue
        found.append(search_info(completion, include_children))
        if len(found) > size:
            break
    return paginated(found, page, size)
