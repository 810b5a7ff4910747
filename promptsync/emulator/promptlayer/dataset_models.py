"""Request bodies and query strings of the dataset routes, written from PromptLayer's OpenAPI
document (`CreateDatasetGroupRequest`, `CreateDatasetVersionFromFileRequest`, the parameters of
`listDatasets` and `getDatasetRows`).
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Literal

from pydantic import BaseModel, Field

from promptsync.emulator.promptlayer.api_models import ExternalId

Positive = Annotated[int, Field(ge=1)]
PerPage = Annotated[int, Field(ge=1, le=100)]


class CreateDatasetGroup(BaseModel):
    name: str
    workspace_id: int | None = None
    folder_id: int | None = None
    external_ids: list[ExternalId] = []


class CreateDatasetVersionFromFile(BaseModel):
    dataset_group_id: Positive
    file_name: Annotated[str, Field(min_length=1, max_length=255)]
    file_content_base64: Annotated[str, Field(min_length=1)]


class ListDatasetsQuery(BaseModel):
    dataset_group_id: Positive | None = None
    prompt_id: Positive | None = None
    prompt_version_id: Positive | None = None
    prompt_label_id: Positive | None = None
    workspace_id: Positive | None = None
    report_id: Positive | None = None
    name: str | None = None
    status: Literal["active", "deleted", "all"] = "active"
    page: Positive = 1
    per_page: PerPage = 10
    created_by_email: str | None = None
    created_after: datetime | None = None
    created_before: datetime | None = None
    updated_after: datetime | None = None
    updated_before: datetime | None = None
    external_source: str | None = None
    external_id: str | None = None
    sort_by: Literal["created_at", "updated_at", "name", "id"] | None = None
    sort_order: Literal["asc", "desc"] = "desc"


class DatasetRowsQuery(BaseModel):
    workspace_id: Positive | None = None
    page: Positive = 1
    per_page: PerPage = 10
    q: str | None = None
