"""Datasets and test cases as each route sends them, and test cases as they are stored.

One stored test case has three shapes on the wire: `PromptTestCaseResponse` (prompt-datasets
routes: `inputs`), the legacy `TestCaseInfo` (datasets routes: `values`), and a test run's test
case, which carries the documented `TestCaseInfo` keys and the ones the official SDK and the
API reference's samples read (`test_case_id`, `variables`, `custom_metadata`,
`media_variables`).
"""

from __future__ import annotations

from typing import Any

from promptsync.emulator.dataset_models import (
    PromptTestCase,
    TestCaseUploadWithMedia,
    UpdatePromptTestCaseRequest,
)
from promptsync.emulator.dataset_store import Case, Dataset
from promptsync.emulator.record_models import MediaInputUrl
from promptsync.emulator.store import StoreError

CASE_FIELDS = ("inputs", "output", "output_message", "metadata", "history", "media_inputs")


def dataset(d: Dataset) -> dict[str, Any]:
    """`PromptDatasetResponse`."""
    return {
        "id": d.id,
        "name": d.name,
        "description": d.description,
        "input_names": d.input_names,
        "media_input_names": d.media_input_names,
        "support_history": d.support_history,
    }


def legacy_dataset(d: Dataset) -> dict[str, Any]:
    """`TestListInfo`: its description is a required string."""
    return {"id": d.id, "name": d.name, "description": d.description or ""}


def case(c: Case) -> dict[str, Any]:
    """`PromptTestCaseResponse`."""
    return {"id": c.id, **{name: c.body.get(name) for name in CASE_FIELDS}}


def legacy_case(c: Case) -> dict[str, Any]:
    """`TestCaseInfo`."""
    body = c.body
    return {
        "id": c.id,
        "values": body["inputs"],
        "output": body.get("output"),
        "output_message": body.get("output_message"),
        "history": body.get("history"),
        "metadata": body.get("metadata"),
    }


def run_case(c: Case, include_outputs: bool) -> dict[str, Any]:
    """A test run's test case: `TestCaseInfo` plus the keys the SDK reads."""
    info = legacy_case(c)
    if not include_outputs:
        info["output"] = info["output_message"] = None
    return {
        **info,
        "test_case_id": c.id,
        "variables": info["values"],
        "custom_metadata": info["metadata"],
        "media_variables": c.body.get("media_inputs"),
    }


def stored_case(
    d: Dataset,
    given: PromptTestCase | TestCaseUploadWithMedia | UpdatePromptTestCaseRequest,
    path: str = "",
) -> dict[str, Any]:
    """The fields `given` sets (null or left out: not set), checked against the dataset.

    `path` is where `given` is in the request body, for error messages ("" for the body).

    What the dataset cannot hold is refused, not dropped: history where it does not support
    history, and media inputs it has no name for. Media given by URL are refused too: the
    emulator fetches nothing, and a test case answers its media as base64 only.
    """
    fields = given.model_dump(mode="json", exclude_none=True)
    at = f"Invalid field {path}." if path else "Invalid field "
    if fields.get("history") and not d.support_history:
        raise StoreError(400, f"{at}history: dataset '{d.name}' does not support history")
    for name, media in (given.media_inputs or {}).items():
        where = f"{at}media_inputs.{name}"
        if isinstance(media, MediaInputUrl):
            raise StoreError(400, f"{where}: the emulator stores base64 media only, not URLs")
        if name not in d.media_input_names:
            raise StoreError(400, f"{where}: not one of the dataset's media_input_names")
    return fields
