"""Request bodies of request logging, scoring and search, written from PromptLayer's OpenAPI
document (`LogRequest`, the track-score body, `SearchRequestLogsRequest` and its filters).

Validated as the prompt-registry bodies are (api_models): lax types, unknown keys dropped,
defaults filled in.
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any, Literal

from pydantic import BaseModel, Discriminator, Field, Tag

from promptsync.emulator.promptlayer.api_models import PromptTemplate

Status = Literal["SUCCESS", "WARNING", "ERROR"]
ErrorType = Literal[
    "PROVIDER_TIMEOUT",
    "PROVIDER_QUOTA_LIMIT",
    "PROVIDER_RATE_LIMIT",
    "PROVIDER_PARTIAL_RESPONSE",
    "PROVIDER_AUTH_ERROR",
    "PROVIDER_ERROR",
    "TEMPLATE_RENDER_ERROR",
    "VARIABLE_MISSING_OR_EMPTY",
    "UNKNOWN_ERROR",
]
# LogRequest.error_type's description: the statuses each error type may come with.
ERROR_STATUSES: dict[str, tuple[str, ...]] = {
    "PROVIDER_RATE_LIMIT": ("WARNING", "ERROR"),
    "PROVIDER_QUOTA_LIMIT": ("WARNING", "ERROR"),
    "PROVIDER_PARTIAL_RESPONSE": ("WARNING",),
    "VARIABLE_MISSING_OR_EMPTY": ("WARNING",),
    "PROVIDER_TIMEOUT": ("ERROR",),
    "PROVIDER_AUTH_ERROR": ("ERROR",),
    "PROVIDER_ERROR": ("ERROR",),
    "TEMPLATE_RENDER_ERROR": ("ERROR",),
    "UNKNOWN_ERROR": ("WARNING", "ERROR"),
}


class LogRequest(BaseModel):
    """`POST /log-request`. The SDK sends the times as epoch seconds: pydantic takes both."""

    provider: str
    model: str
    input: PromptTemplate
    output: PromptTemplate
    request_start_time: datetime
    request_end_time: datetime
    parameters: dict[str, Any] = {}
    tags: list[Annotated[str, Field(max_length=512)]] = []
    metadata: dict[Annotated[str, Field(max_length=1024)], str] = {}
    prompt_name: str | None = None
    prompt_id: int | None = None
    prompt_version_number: Annotated[int, Field(gt=0)] | None = None
    prompt_input_variables: dict[str, Any] = {}
    input_tokens: Annotated[int, Field(ge=0)] = 0
    output_tokens: Annotated[int, Field(ge=0)] = 0
    price: Annotated[float, Field(ge=0)] = 0
    function_name: str = ""
    score: Annotated[int, Field(ge=0, le=100)] = 0
    api_type: str | None = None
    status: Status = "SUCCESS"
    error_type: ErrorType | None = None
    error_message: Annotated[str, Field(max_length=1024)] | None = None
    # Not in the OpenAPI document: the SDK's log_request sends it beside `score`.
    score_name: str | None = None


class TrackScore(BaseModel):
    """`POST /rest/track-score`."""

    request_id: int
    score: Annotated[int, Field(ge=0, le=100)]
    name: str | None = None


class LibraryTrackScore(TrackScore):
    """`POST /library-track-score`, the SDK's `track.score`: the key is in the body."""

    api_key: str


# --- search -------------------------------------------------------------------------------------

FilterField = Literal[
    "pl_id",
    "prompt_id",
    "engine",
    "provider_type",
    "input_text",
    "output_text",
    "prompt_version_number",
    "input_tokens",
    "output_tokens",
    "cost",
    "latency_ms",
    "request_start_time",
    "request_end_time",
    "status",
    "is_json",
    "is_tool_call",
    "is_plain_text",
    "tags",
    "metadata_keys",
    "metadata",
    "tool_names",
    "output",
    "output_keys",
    "input_variables",
    "input_variable_keys",
    "user_intent",
    "agent_intent",
]
Operator = Literal[
    "is",
    "is_not",
    "in",
    "not_in",
    "contains",
    "not_contains",
    "starts_with",
    "ends_with",
    "eq",
    "neq",
    "gt",
    "gte",
    "lt",
    "lte",
    "between",
    "before",
    "after",
    "is_true",
    "is_false",
    "is_empty",
    "is_not_empty",
    "is_null",
    "is_not_null",
    "key_equals",
    "key_not_equals",
    "key_contains",
]
SortBy = Literal[
    "request_start_time", "input_tokens", "output_tokens", "cost", "latency_ms", "status"
]


class StructuredFilter(BaseModel):
    field: FilterField
    operator: Operator
    value: Any = None  # its type depends on the field and operator: checked by request_filters
    nested_key: str | None = None


class StructuredFilterGroup(BaseModel):
    logic: Literal["AND", "OR"] = "AND"
    filters: list[FilterItem]


def _kind(value: Any) -> str:
    """A filter group has `filters` and no `field`; anything else is read as one filter."""
    if isinstance(value, StructuredFilterGroup):
        return "group"
    if isinstance(value, dict) and "filters" in value and "field" not in value:
        return "group"
    return "filter"


FilterItem = Annotated[
    Annotated[StructuredFilter, Tag("filter")] | Annotated[StructuredFilterGroup, Tag("group")],
    Discriminator(_kind),
]
StructuredFilterGroup.model_rebuild()


class SearchRequestLogs(BaseModel):
    """`POST /api/public/v2/requests/search`."""

    filter_group: StructuredFilterGroup | None = None
    # Not in the OpenAPI document; PromptLayer's reference page documents a flat `filters` list,
    # combined with AND (here also with filter_group).
    filters: list[FilterItem] | None = None
    q: str | None = None
    sort_by: SortBy | None = None
    sort_order: Literal["asc", "desc"] | None = None
    metadata_cost_breakdown_key: str | None = None
    page: Annotated[int, Field(ge=1)] | None = None
    per_page: Annotated[int, Field(ge=1, le=25)] | None = None
    include_prompt_name: bool | None = None
