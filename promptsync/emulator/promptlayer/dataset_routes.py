"""Datasets: groups, versions made from an uploaded file, the list of versions and their rows,
shaped as PromptLayer's OpenAPI document says.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from starlette.responses import Response

from promptsync.emulator.promptlayer import dataset_models as dm
from promptsync.emulator.promptlayer.dataset_files import read_upload
from promptsync.emulator.promptlayer.dataset_store import Dataset, DatasetFilter, Group
from promptsync.emulator.promptlayer.http import Call, body, ok, path_int, query
from promptsync.emulator.promptlayer.store import StoreError, stamp


def _check_workspace(call: Call, workspace_id: int | None) -> None:
    # The dataset routes document 400 "Invalid workspace_id" (the template routes answer 403).
    if workspace_id is not None and workspace_id != call.workspace:
        raise StoreError(400, f"Invalid workspace_id {workspace_id}")


def _group(group: Group) -> dict[str, Any]:
    return {
        "id": group.id,
        "name": group.name,
        "workspace_id": group.workspace_id,
        "is_deleted": False,
    }


def _dataset(dataset: Dataset, external_ids: list[dict[str, str]]) -> dict[str, Any]:
    return {
        "id": dataset.id,
        "dataset_group_id": dataset.group.id,
        "version_number": dataset.version_number,
        "column_names": dataset.column_names,
        "filter_params": None,
        "is_deleted": False,
        "user_id": dataset.group.workspace_id,  # no users here: a key is one workspace
        "dataset_group": _group(dataset.group),
        "external_ids": external_ids,
    }


def _pages(total: int, per_page: int) -> int:
    return -(-total // per_page)


def _stamp(value: datetime | None) -> str | None:
    return None if value is None else stamp(value)


async def create_group(call: Call) -> Response:
    req = await body(call, dm.CreateDatasetGroup)
    _check_workspace(call, req.workspace_id)
    if req.folder_id is not None:
        raise StoreError(400, f"Folder {req.folder_id} not found")
    if not req.name.strip():
        raise StoreError(400, "Invalid name: a dataset group name must not be empty")
    external = [(e.source, e.external_id) for e in req.external_ids]
    draft = call.datasets.create_group(call.workspace, req.name, external)
    external_ids = call.datasets.external_ids([draft.group.id])[draft.group.id]
    return ok(
        {
            "success": True,
            "message": "Dataset group created successfully",
            "dataset_group": _group(draft.group),
            "dataset": _dataset(draft, external_ids),
            "external_ids": external_ids,
        },
        201,
    )


async def version_from_file(call: Call) -> Response:
    req = await body(call, dm.CreateDatasetVersionFromFile)
    table = read_upload(req.file_name, req.file_content_base64)
    dataset = call.datasets.add_version(call.workspace, req.dataset_group_id, req.file_name, table)
    return ok(
        {
            "success": True,
            "message": "Dataset version creation job queued",
            "dataset_id": dataset.id,
        },
        201,
    )


async def list_datasets(call: Call) -> Response:
    q = query(call, dm.ListDatasetsQuery)
    _check_workspace(call, q.workspace_id)
    if (q.external_source is None) != (q.external_id is None):
        raise StoreError(400, "external_source and external_id must be given together")
    where = DatasetFilter(
        group_id=q.dataset_group_id,
        name=q.name,
        external=(q.external_source, q.external_id)
        if q.external_source and q.external_id
        else None,
        created_after=_stamp(q.created_after),
        created_before=_stamp(q.created_before),
        updated_after=_stamp(q.updated_after),
        updated_before=_stamp(q.updated_before),
        # Nothing here is deleted, tied to a prompt, label or report, or has a creator's email.
        nothing=q.status == "deleted"
        or any(
            v is not None
            for v in (
                q.prompt_id,
                q.prompt_version_id,
                q.prompt_label_id,
                q.report_id,
                q.created_by_email,
            )
        ),
        sort_by=q.sort_by or "created_at",
        descending=q.sort_order == "desc",
    )
    total, found = call.datasets.list_datasets(
        call.workspace, where, (q.page - 1) * q.per_page, q.per_page
    )
    external = call.datasets.external_ids(sorted({d.group.id for d in found}))
    return ok(
        {
            "success": True,
            "message": "success",
            "datasets": [_dataset(d, external[d.group.id]) for d in found],
            "page": q.page,
            "per_page": q.per_page,
            "total": total,
            "pages": _pages(total, q.per_page),
        }
    )


async def dataset_rows(call: Call) -> Response:
    dataset_id = path_int(call, "dataset_id")
    q = query(call, dm.DatasetRowsQuery)
    _check_workspace(call, q.workspace_id)
    dataset = call.datasets.dataset(call.workspace, dataset_id)
    total, rows = call.datasets.rows(dataset.id, q.q, (q.page - 1) * q.per_page, q.per_page)
    return ok(
        {
            "success": True,
            "message": "success",
            "columns": dataset.column_names,
            "rows": [[{"type": "dataset", "value": value} for value in row] for row in rows],
            "page": q.page,
            "per_page": q.per_page,
            "pages": _pages(total, q.per_page),
            "total": total,
        }
    )
