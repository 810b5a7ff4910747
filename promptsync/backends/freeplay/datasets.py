"""Freeplay's prompt datasets: reading them (one list of datasets by pages, then one test-case
listing per managed dataset by pages) and writing them without duplicates.

Test cases are created in bulk, at most 100 a request (`POST …/test-cases/bulk`). Freeplay does
not deduplicate test cases, so a bulk create is sent once per attempt; after a failure that may
have been committed, the dataset's test cases are listed again and only the cases still missing
are sent. Deletes are by id (`DELETE …/test-cases/bulk`) and may be repeated: an id already gone
is left out of the next attempt.

A dataset this apply created, whose every write went through without a doubt (no failure that
may have been committed, so no re-read and no resend) and whose bulk creates were each answered
with exactly the cases of their chunk, has its test cases `known` from those answers: apply's
verification compares them with the plan and lists the dataset again only when they differ
(10,000 new cases: 100 writes, no 100 reads after them).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from functools import partial
from typing import Any
from urllib.parse import quote

from promptsync.backends.http import BackendError, HttpSession
from promptsync.backends.replies import ShapeError, kind
from promptsync.kinds.datasets.changes import (
    AddTestCases,
    CreateDataset,
    DeleteTestCases,
    TestCaseData,
    UpdateDataset,
)
from promptsync.kinds.datasets.identity import case_content, case_hash
from promptsync.kinds.datasets.remote import RemoteCase, RemoteDataset, RemoteDatasets
from promptsync.threads import in_parallel

PAGE = 100
BULK = 100  # Freeplay's most test cases in one bulk request
MAX_PAGES = 10_000
READS = 6  # reads are idempotent: as patient as the plan's other reads


@dataclass(frozen=True)
class _Listed:
    dataset_id: str
    name: str
    input_names: tuple[str, ...]
    description: str | None
    support_history: bool


def _page(payload: Any) -> tuple[list[Any], bool]:
    data = payload.get("data") if isinstance(payload, dict) else None
    if not isinstance(data, list):
        raise ShapeError("unexpected response shape: no list 'data'")
    pagination = payload.get("pagination")
    more = isinstance(pagination, dict) and pagination.get("has_next") is True
    return data, more


def read_dataset_item(item: Any) -> _Listed | None:
    """One `PromptDatasetResponse`; None when it has no usable id or name."""
    if not isinstance(item, dict):
        return None
    dataset_id, name = item.get("id"), item.get("name")
    if not isinstance(dataset_id, str) or not isinstance(name, str):
        return None
    names = item.get("input_names")
    inputs = tuple(n for n in names if isinstance(n, str)) if isinstance(names, list) else ()
    description = item.get("description")
    return _Listed(
        dataset_id,
        name,
        inputs,
        description if isinstance(description, str) else None,
        item.get("support_history") is True,
    )


def _text(block: Any) -> str | None:
    """A history message's content: text, or a list of text blocks joined (as Freeplay may
    answer with `…MessageInfo` shapes); None when it holds anything but text."""
    if isinstance(block, str):
        return block
    if isinstance(block, list) and all(
        isinstance(b, dict) and b.get("type", "text") == "text" and isinstance(b.get("text"), str)
        for b in block
    ):
        return "".join(b["text"] for b in block)
    return None


def read_case(item: Any) -> RemoteCase:
    """One `PromptTestCaseResponse` → a remote test case. A case promptsync cannot model (media
    inputs, history with images or tool calls, a non-text output) keeps its id and gets a
    content no file can have: the plan removes it and adds the file's cases (drift)."""
    case_id = item.get("id") if isinstance(item, dict) else None
    try:
        if not isinstance(item, dict):
            raise ShapeError(f"a test case is {kind(item)}, not an object")
        inputs = item.get("inputs")
        if not isinstance(inputs, dict):
            raise ShapeError(f"inputs is {kind(inputs)}, not an object")
        if item.get("media_inputs"):
            raise ShapeError("it has media inputs, which dataset files cannot express")
        output = item.get("output")
        if output is not None and not isinstance(output, str):
            raise ShapeError(f"output is {kind(output)}, not text")
        metadata = item.get("metadata")
        if metadata is not None and not isinstance(metadata, dict):
            raise ShapeError(f"metadata is {kind(metadata)}, not an object")
        history = []
        for message in item.get("history") or []:
            role = message.get("role") if isinstance(message, dict) else None
            text = _text(message.get("content")) if isinstance(message, dict) else None
            if role not in ("system", "user", "assistant") or text is None:
                raise ShapeError("its history holds a message that is not text")
            history.append({"role": role, "content": text})
        content = case_content(inputs, output, metadata, history)
    except ShapeError as exc:
        content = {"unreadable": str(exc), "id": case_id}
    return RemoteCase(case_id if isinstance(case_id, str) else None, content, case_hash(content))


class FreeplayDatasets:
    """The dataset calls of one Freeplay project (used by FreeplayBackend)."""

    def __init__(self, http: HttpSession, project_path: str) -> None:
        self.http = http
        self.base = f"{project_path}/prompt-datasets"
        # Datasets created by this client whose writes' answers show what they hold (hashes);
        # one a doubtful write touched is left out (its verification lists it).
        self.known: dict[str, Counter[str]] = {}
        self._doubted: set[str] = set()

    def _pages(self, path: str, read: Callable[[Any], Any]) -> list[Any]:
        found: list[Any] = []
        for page in range(1, MAX_PAGES + 1):
            payload = self.http.json(
                "GET", path, params={"page": page, "page_size": PAGE}, retries=READS
            )
            try:
                items, more = _page(payload)
            except ShapeError as exc:
                raise BackendError(f"{self.http.shown('GET', path)}: {exc}") from None
            found += [read(item) for item in items]
            if not more or not items:
                break
        return found

    def _cases(self, dataset_id: str) -> list[RemoteCase]:
        return self._pages(f"{self.base}/{quote(dataset_id, safe='')}/test-cases", read_case)

    def read(self, names: Sequence[str] | None) -> RemoteDatasets:
        listed = [d for d in self._pages(self.base, read_dataset_item) if d is not None]
        wanted = {d.name: d for d in listed if names is None or d.name in set(names)}
        ordered = sorted(wanted)
        cases = in_parallel([partial(self._cases, wanted[n].dataset_id) for n in ordered])
        datasets = {
            name: RemoteDataset(
                name=name,
                dataset_id=wanted[name].dataset_id,
                input_names=wanted[name].input_names,
                description=wanted[name].description,
                cases=tuple(found),
                support_history=wanted[name].support_history,
            )
            for name, found in zip(ordered, cases, strict=True)
        }
        others = {d.name: d.dataset_id for d in listed if d.name not in wanted}
        return RemoteDatasets(datasets, others)

    def _find(self, name: str) -> str | None:
        payload = self.http.json(
            "GET", self.base, params={"name": name, "page_size": PAGE}, retries=READS
        )
        try:
            items, _ = _page(payload)
        except ShapeError as exc:
            raise BackendError(f"{self.http.shown('GET', self.base)}: {exc}") from None
        found = [d for d in map(read_dataset_item, items) if d is not None and d.name == name]
        return found[0].dataset_id if found else None

    def create(self, op: CreateDataset) -> str:
        body = {
            "name": op.name,
            "description": op.description,
            "input_names": op.input_names,
            "support_history": op.support_history,
        }

        def remaining() -> dict[str, Any] | None:
            self._doubted.add(op.name)  # perhaps made twice: its verification lists it
            return None if self._find(op.name) else body

        response = self.http.write("POST", self.base, body, remaining)
        if response is None:
            found = self._find(op.name)
            if found is None:  # pragma: no cover - _find just said it was there
                raise BackendError(f"{op.name}: the dataset was created, then not found")
            return found
        item = read_dataset_item(_json(response))
        if item is None:
            raise BackendError(f"{self.http.shown('POST', self.base)}: no dataset id in the answer")
        return item.dataset_id

    def update(self, op: UpdateDataset) -> None:
        path = f"{self.base}/{quote(op.dataset_id, safe='')}"
        body = {
            "description": op.description,
            "input_names": op.input_names,
            "support_history": op.support_history,
        }
        self.http.send("PATCH", path, body)  # idempotent: retried as it is

    def add(self, op: AddTestCases, dataset_id: str, fresh: bool) -> None:
        """Add the cases in bulk. `fresh`: the dataset was just created (so it is empty and need
        not be listed: a bulk of new cases costs one request a hundred)."""
        path = f"{self.base}/{quote(dataset_id, safe='')}/test-cases/bulk"
        before: Counter[str] | None = Counter() if fresh else None
        echoed: Counter[str] | None = Counter() if fresh else None
        for start in range(0, len(op.cases), BULK):
            chunk = op.cases[start : start + BULK]
            if before is None:  # what was there before the first chunk: what arrives is ours
                before = Counter(c.hash for c in self._cases(dataset_id))
            missing = partial(self._missing, op.name, dataset_id, chunk, before.copy())
            answer = _echoed(self.http.write("POST", path, _bulk(chunk), missing), chunk)
            echoed = None if echoed is None or answer is None else echoed + answer
            before.update(_hash(c) for c in chunk)
        if echoed is not None and op.name not in self._doubted:
            self.known[op.name] = self.known.get(op.name, Counter()) + echoed
        else:
            self._doubted.add(op.name)
            self.known.pop(op.name, None)

    def _missing(
        self, name: str, dataset_id: str, chunk: Sequence[TestCaseData], before: Counter[str]
    ) -> Any | None:
        """After an unanswered bulk create: the body of the chunk's cases that did not arrive
        (None: all did). The dataset is then verified by listing it."""
        self._doubted.add(name)
        arrived = Counter(c.hash for c in self._cases(dataset_id)) - before
        missing = []
        for case in chunk:
            digest = _hash(case)
            if arrived[digest]:
                arrived[digest] -= 1
            else:
                missing.append(case)
        return _bulk(missing) if missing else None

    def delete(self, op: DeleteTestCases) -> None:
        path = f"{self.base}/{quote(op.dataset_id, safe='')}/test-cases/bulk"
        for start in range(0, len(op.test_case_ids), BULK):
            ids = op.test_case_ids[start : start + BULK]
            try:
                self.http.send("DELETE", path, {"test_case_ids": ids})
            except BackendError as exc:
                if exc.status != 404:
                    raise
                # A retry after a delete that was done, or cases someone else deleted: delete
                # what is still there.
                present = {c.case_id for c in self._cases(op.dataset_id)}
                left = [i for i in ids if i in present]
                if left:
                    self.http.send("DELETE", path, {"test_case_ids": left})


def _echoed(response: Any, chunk: Sequence[TestCaseData]) -> Counter[str] | None:
    """The hashes of the cases a bulk create's answer holds, as the registry stores them, when
    they are exactly the chunk's; None otherwise (or when a re-read, not an answer, ended it)."""
    if response is None:
        return None
    payload = _json(response)
    data = payload.get("data") if isinstance(payload, dict) else None
    if not isinstance(data, list) or len(data) != len(chunk):
        return None
    found = Counter(read_case(item).hash for item in data)
    return found if found == Counter(_hash(c) for c in chunk) else None


def _hash(case: TestCaseData) -> str:
    return case_hash(case.model_dump())


def _bulk(cases: Sequence[TestCaseData]) -> dict[str, Any]:
    return {"data": [_case_body(c) for c in cases]}


def _case_body(case: TestCaseData) -> dict[str, Any]:
    body: dict[str, Any] = {"inputs": case.inputs}
    if case.output is not None:
        body["output"] = case.output
    if case.metadata:
        body["metadata"] = case.metadata
    if case.history:
        body["history"] = case.history
    return body


def _json(response: Any) -> Any:
    try:
        return response.json()
    except ValueError:
        return None
