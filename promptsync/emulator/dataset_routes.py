"""Prompt datasets and their test cases: the `prompt-datasets` routes and the older `datasets` ones.

Both families share one store: a dataset made with either is served by both.
"""

from __future__ import annotations

import uuid

from starlette.responses import Response

from promptsync.emulator import dataset_view as view
from promptsync.emulator.calls import (
    Call,
    int_query,
    null_path,
    ok,
    page_query,
    paginated,
    parse,
    path_uuid,
)
from promptsync.emulator.dataset_models import (
    MAX_PER_REQUEST,
    BulkDeletePromptTestCasesRequest,
    CreatePromptDatasetRequest,
    CreatePromptTestCasesRequest,
    TestCasesUploadRequest,
    UpdatePromptDatasetRequest,
    UpdatePromptTestCaseRequest,
)
from promptsync.emulator.dataset_store import Dataset
from promptsync.emulator.store import StoreError
from promptsync.emulator.template_routes import check_name


def _id(call: Call, name: str) -> str:
    """A UUID path parameter in the form ids are stored in (any case is accepted)."""
    return str(uuid.UUID(path_uuid(call, name)))


def _dataset(call: Call) -> Dataset:
    return call.api.datasets.dataset(call.project_id, _id(call, "dataset_id"))


def _at_most(count: int, field: str) -> None:
    if count > MAX_PER_REQUEST:
        raise StoreError(
            400,
            f"Invalid field {field}: at most {MAX_PER_REQUEST} test cases per request"
            f" (got {count})",
        )


# --- datasets ------------------------------------------------------------------------------------


async def create_dataset(call: Call) -> Response:
    body = await parse(call, CreatePromptDatasetRequest)
    check_name(body.name)
    created = call.api.datasets.create(
        call.project_id,
        {
            "name": body.name,
            "description": body.description,
            "input_names": body.input_names or [],
            "media_input_names": body.media_input_names or [],
            "support_history": body.support_history,
        },
    )
    return ok(view.dataset(created), 201)


async def list_datasets(call: Call) -> Response:
    page, size = page_query(call)
    dataset_id = call.query("id")
    if dataset_id is not None:
        call.params["id"] = dataset_id
        dataset_id = _id(call, "id")
    found = call.api.datasets.datasets(
        call.project_id, (page - 1) * size, size + 1, call.query("name"), dataset_id
    )
    return paginated([view.dataset(d) for d in found], page, size)


async def get_dataset(call: Call) -> Response:
    return ok(view.dataset(_dataset(call)))


async def update_dataset(call: Call) -> Response:
    body = await parse(call, UpdatePromptDatasetRequest)
    changes = body.model_dump(exclude_none=True)
    if "name" in changes:
        check_name(changes["name"])
    updated = call.api.datasets.update(call.project_id, _id(call, "dataset_id"), changes)
    return ok(view.dataset(updated))


async def delete_dataset(call: Call) -> Response:
    call.api.datasets.archive(call.project_id, _id(call, "dataset_id"))
    return ok({})


# --- test cases ----------------------------------------------------------------------------------


async def list_cases(call: Call) -> Response:
    page, size = page_query(call)
    cases = call.api.datasets.cases(
        call.project_id, _id(call, "dataset_id"), (page - 1) * size, size + 1
    )
    return paginated([view.case(c) for c in cases], page, size)


async def bulk_create_cases(call: Call) -> Response:
    body = await parse(call, CreatePromptTestCasesRequest)
    _at_most(len(body.data), "data")
    dataset = _dataset(call)
    stored = [view.stored_case(dataset, c, f"data.{i}") for i, c in enumerate(body.data)]
    cases = call.api.datasets.add_cases(call.project_id, dataset.id, stored)
    return ok({"data": [view.case(c) for c in cases]}, 201)


async def bulk_delete_cases(call: Call) -> Response:
    body = await parse(call, BulkDeletePromptTestCasesRequest)
    _at_most(len(body.test_case_ids), "test_case_ids")
    call.api.datasets.delete_cases(call.project_id, _id(call, "dataset_id"), body.test_case_ids)
    return ok({})


async def get_case(call: Call) -> Response:
    case = call.api.datasets.case(
        call.project_id, _id(call, "dataset_id"), _id(call, "test_case_id")
    )
    return ok(view.case(case))


async def update_case(call: Call) -> Response:
    body = await parse(call, UpdatePromptTestCaseRequest)
    dataset = _dataset(call)
    changes = view.stored_case(dataset, body)
    case = call.api.datasets.update_case(
        call.project_id, dataset.id, _id(call, "test_case_id"), changes
    )
    return ok(view.case(case))


async def delete_case(call: Call) -> Response:
    call.api.datasets.delete_cases(
        call.project_id, _id(call, "dataset_id"), [_id(call, "test_case_id")]
    )
    return ok({})


# --- the older datasets routes ---------------------------------------------------------------


async def legacy_by_id(call: Call) -> Response:
    return ok(view.legacy_dataset(_dataset(call)))


async def legacy_by_name(call: Call) -> Response:
    return ok(view.legacy_dataset(_by_name(call)))


def _by_name(call: Call) -> Dataset:
    return call.api.datasets.by_name(call.project_id, call.params["dataset_name"])


def _legacy_cases(call: Call, dataset: Dataset) -> Response:
    """A plain list: every test case, or one page when `page` or `page_size` is given."""
    offset, limit = 0, -1
    if call.query("page") is not None or call.query("page_size") is not None:
        page = int_query(call, "page", 1, 1, None)
        limit = int_query(call, "page_size", 30, 1, 100)
        offset = (page - 1) * limit
    cases = call.api.datasets.cases(call.project_id, dataset.id, offset, limit)
    return ok([view.legacy_case(c) for c in cases])


async def legacy_cases_by_id(call: Call) -> Response:
    return _legacy_cases(call, _dataset(call))


async def legacy_cases_by_name(call: Call) -> Response:
    return _legacy_cases(call, _by_name(call))


async def legacy_upload(call: Call) -> Response:
    body = await parse(call, TestCasesUploadRequest)
    _at_most(len(body.examples), "examples")
    dataset = _dataset(call)
    stored = []
    for i, example in enumerate(body.examples):
        null = null_path(example.inputs, f"examples.{i}.inputs")
        if null:
            raise StoreError(400, f"Invalid field {null}: must not be null")
        stored.append(view.stored_case(dataset, example, f"examples.{i}"))
    cases = call.api.datasets.add_cases(call.project_id, dataset.id, stored)
    return ok({"message": f"Added {len(cases)} test cases"}, 201)
