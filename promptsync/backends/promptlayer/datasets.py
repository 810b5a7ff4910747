"""PromptLayer's datasets: dataset groups with immutable, numbered versions.

A dataset file is a dataset group (by name); the plan compares it with the group's newest version
(`GET /api/public/v2/datasets`, by pages: every group's versions; then that version's rows,
`GET …/datasets/{id}/rows`, by pages). A change is a new version uploaded as a JSON file
(`POST /api/public/v2/dataset-versions/from-file`) whose columns are the input names, then
`output`, `metadata` and `history` when any test case has them. An upload that fails ambiguously
is checked before it is sent again: the group's newest version holding exactly the file's cases
means it was committed.
"""

from __future__ import annotations

import base64
import json
import time
from collections.abc import Sequence
from dataclasses import dataclass
from functools import partial
from typing import Any

from promptsync.backends.http import BackendError, HttpSession
from promptsync.backends.replies import ShapeError, kind
from promptsync.kinds.datasets.changes import PublishDatasetVersion, TestCaseData
from promptsync.kinds.datasets.identity import case_content, case_hash
from promptsync.kinds.datasets.remote import RemoteCase, RemoteDataset, RemoteDatasets
from promptsync.threads import in_parallel

GROUPS = "/api/public/v2/dataset-groups"
LIST = "/api/public/v2/datasets"
UPLOAD = "/api/public/v2/dataset-versions/from-file"
ROWS = "/api/public/v2/datasets/{id}/rows"
PAGE = 100
MAX_PAGES = 10_000
READS = 6  # reads are idempotent: as patient as the plan's other reads
RESERVED = ("output", "metadata", "history")
POLLS = 10  # the upload is processed asynchronously: its version is waited for this many times


@dataclass(frozen=True)
class _Version:
    dataset_id: str
    group_id: str
    name: str
    number: int


def read_version(item: Any) -> _Version | None:
    """One `Dataset` of the list; None for drafts and items without usable ids."""
    if not isinstance(item, dict):
        return None
    group = item.get("dataset_group")
    name = group.get("name") if isinstance(group, dict) else None
    number = item.get("version_number")
    dataset_id, group_id = item.get("id"), item.get("dataset_group_id")
    if not isinstance(name, str) or not isinstance(number, int) or number < 1:
        return None
    if not isinstance(dataset_id, int | str) or not isinstance(group_id, int | str):
        return None
    return _Version(str(dataset_id), str(group_id), name, number)


def _decoded(value: Any, field: str) -> Any:
    """A metadata or history cell: a JSON value, or JSON text (as a CSV upload would hold)."""
    if isinstance(value, str) and field != "output":
        try:
            return json.loads(value)
        except ValueError:
            raise ShapeError(f"the {field} column holds text that is not JSON") from None
    return value


def read_row(columns: Sequence[str], row: Any) -> RemoteCase:
    """One row of a version → a test case; a row promptsync cannot model is drift."""
    try:
        if not isinstance(row, list) or len(row) != len(columns):
            raise ShapeError("a row that does not match the columns")
        values = {
            column: cell.get("value") if isinstance(cell, dict) else cell
            for column, cell in zip(columns, row, strict=True)
        }
        output = values.get("output")
        if output is not None and not isinstance(output, str):
            raise ShapeError(f"output is {kind(output)}, not text")
        metadata = _decoded(values.get("metadata"), "metadata")
        history = _decoded(values.get("history"), "history")
        if metadata is not None and not isinstance(metadata, dict):
            raise ShapeError(f"metadata is {kind(metadata)}, not an object")
        if history is not None and not (
            isinstance(history, list)
            and all(isinstance(m, dict) and {"role", "content"} <= m.keys() for m in history)
        ):
            raise ShapeError("history is not a list of messages")
        inputs = {c: v for c, v in values.items() if c not in RESERVED}
        content = case_content(inputs, output, metadata, history)
    except ShapeError as exc:
        content = {"unreadable": str(exc), "row": row}
    return RemoteCase(None, content, case_hash(content))


def upload_rows(input_names: Sequence[str], cases: Sequence[TestCaseData]) -> list[dict[str, Any]]:
    """The JSON file's objects: one per test case, a column per input, then the case's own
    fields when any case has them (JSON keeps every value's type)."""
    extra = [f for f in RESERVED if any(getattr(c, f) for c in cases)]
    return [
        {
            **{name: case.inputs.get(name) for name in input_names},
            **{name: value for name, value in case.inputs.items() if name not in input_names},
            **{f: getattr(case, f) for f in extra},
        }
        for case in cases
    ]


class PromptLayerDatasets:
    """The dataset calls of one PromptLayer workspace (used by PromptLayerBackend)."""

    def __init__(self, http: HttpSession) -> None:
        self.http = http

    def _versions(self, params: dict[str, Any] | None = None) -> list[_Version]:
        found: list[_Version] = []
        for page in range(1, MAX_PAGES + 1):
            payload = self.http.json(
                "GET", LIST, params={**(params or {}), "page": page, "per_page": PAGE}
            )
            items = payload.get("datasets") if isinstance(payload, dict) else None
            if not isinstance(items, list):
                raise BackendError(f"{self.http.shown('GET', LIST)}: no list 'datasets'")
            found += [v for v in map(read_version, items) if v is not None]
            pages = payload.get("pages")
            if not items or not isinstance(pages, int) or page >= pages:
                break
        return found

    def _rows(self, dataset_id: str) -> tuple[tuple[str, ...], list[RemoteCase]]:
        path = ROWS.format(id=dataset_id)
        columns: tuple[str, ...] = ()
        cases: list[RemoteCase] = []
        for page in range(1, MAX_PAGES + 1):
            payload = self.http.json(
                "GET", path, params={"page": page, "per_page": PAGE}, retries=READS
            )
            names = payload.get("columns") if isinstance(payload, dict) else None
            rows = payload.get("rows") if isinstance(payload, dict) else None
            if not isinstance(names, list) or not isinstance(rows, list):
                raise BackendError(f"{self.http.shown('GET', path)}: no lists 'columns', 'rows'")
            columns = tuple(str(n) for n in names)
            cases += [read_row(columns, row) for row in rows]
            pages = payload.get("pages")
            if not rows or not isinstance(pages, int) or page >= pages:
                break
        return columns, cases

    @staticmethod
    def _newest(versions: Sequence[_Version]) -> dict[str, _Version]:
        newest: dict[str, _Version] = {}
        for v in versions:
            if v.name not in newest or v.number > newest[v.name].number:
                newest[v.name] = v
        return newest

    def read(self, names: Sequence[str] | None) -> RemoteDatasets:
        newest = self._newest(self._versions())
        wanted = sorted(n for n in newest if names is None or n in set(names))
        rows = in_parallel([partial(self._rows, newest[n].dataset_id) for n in wanted])
        datasets = {
            name: RemoteDataset(
                name=name,
                dataset_id=newest[name].group_id,
                input_names=tuple(c for c in columns if c not in RESERVED),
                cases=tuple(cases),
                version=newest[name].number,
                support_history=True,
            )
            for name, (columns, cases) in zip(wanted, rows, strict=True)
        }
        others = {n: v.group_id for n, v in newest.items() if n not in datasets}
        return RemoteDatasets(datasets, others)

    def _group(self, name: str) -> str:
        """The dataset group's id, created when it does not exist yet."""

        def found() -> str | None:
            payload = self.http.json(
                "GET", LIST, params={"name": name, "per_page": PAGE}, retries=READS
            )
            items = payload.get("datasets") if isinstance(payload, dict) else None
            for item in items if isinstance(items, list) else []:
                group = item.get("dataset_group") if isinstance(item, dict) else None
                if isinstance(group, dict) and group.get("name") == name:
                    return str(item.get("dataset_group_id"))
            return None

        existing = found()
        if existing is not None:
            return existing
        body = {"name": name}
        response = self.http.write("POST", GROUPS, body, lambda: None if found() else body)
        made = found() if response is None else _group_id(response)
        if made is None:
            raise BackendError(f"{self.http.shown('POST', GROUPS)}: no dataset group id")
        return made

    def publish(self, op: PublishDatasetVersion) -> str:
        """Upload a new version holding the op's cases; returns the group's id."""
        group = op.dataset_id or self._group(op.name)
        rows = upload_rows(op.input_names, op.cases)
        content = base64.b64encode(json.dumps(rows, ensure_ascii=False).encode()).decode()
        body = {
            "dataset_group_id": int(group) if group.isdigit() else group,
            "file_name": f"{op.name}.json"[-120:],
            "file_content_base64": content,
        }
        wanted = sorted(case_hash(dict(c.model_dump())) for c in op.cases)
        before = max((v.number for v in self._versions({"dataset_group_id": group})), default=0)

        def remaining() -> Any | None:
            newer = [v for v in self._versions({"dataset_group_id": group}) if v.number > before]
            for version in newer:
                if sorted(c.hash for c in self._rows(version.dataset_id)[1]) == wanted:
                    return None
            return body

        self.http.write("POST", UPLOAD, body, remaining)
        for _ in range(POLLS):  # processed asynchronously: wait for the version to be listed
            if any(v.number > before for v in self._versions({"dataset_group_id": group})):
                return group
            time.sleep(0.5)
        raise BackendError(
            f"{op.name}: the uploaded version was not listed after {POLLS * 0.5:g} s; run plan"
            " again to see whether it arrived"
        )


def _group_id(response: Any) -> str | None:
    try:
        payload = response.json()
    except ValueError:
        return None
    group = payload.get("dataset_group") if isinstance(payload, dict) else None
    value = group.get("id") if isinstance(group, dict) else None
    return str(value) if isinstance(value, int | str) else None
