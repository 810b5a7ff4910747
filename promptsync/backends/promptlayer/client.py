"""The PromptLayer backend: one workspace over HTTP (`X-API-KEY`), release labels as
environments, read by the paginated list endpoint only.

PromptLayer does not deduplicate: a publish retried after it was committed makes a second
version. So a publish is sent once per attempt (`retry=False`), and after an ambiguous failure
(a timeout, a dropped connection, a 5xx) the template is re-read and compared with what was
sent before anything is sent again: each publish carries a token of its own in its metadata, so
its version is found however many others were published meanwhile. See docs/promptlayer.md
("Retries without duplicates").
"""

from __future__ import annotations

import json
import secrets
import threading
from collections import Counter
from collections.abc import Callable, Sequence
from datetime import datetime
from functools import partial
from typing import Any

from promptsync.backends.http import BackendError, HttpSession, path_segment
from promptsync.backends.promptlayer import search
from promptsync.backends.promptlayer.datasets import PromptLayerDatasets
from promptsync.backends.promptlayer.wire import (
    Label,
    Page,
    Unpublishable,
    marker_of,
    parse_version_ref,
    publish_body,
    read_answer,
    read_labels,
    read_page,
)
from promptsync.backends.replies import ShapeError
from promptsync.impact.traffic import CallSample
from promptsync.kinds.datasets.changes import DatasetOperation, PublishDatasetVersion
from promptsync.kinds.datasets.remote import RemoteDatasets
from promptsync.kinds.prompts.changes import CreateVersion, DeployVersion
from promptsync.kinds.prompts.dialect import COMMIT_MESSAGE_LIMIT
from promptsync.kinds.prompts.remote import (
    LATEST,
    Capabilities,
    RemoteVersion,
    Snapshot,
    Unreadable,
)
from promptsync.plan.models import BackendRef
from promptsync.repo.credentials import ApiKey
from promptsync.threads import in_parallel

# Every publish is a new version, which becomes the latest; it can set release labels too.
CAPABILITIES = Capabilities(
    latest_follows_newest=True,
    create_deploys=True,
    deduplicates=False,
    description_limit=COMMIT_MESSAGE_LIMIT,
)
PER_PAGE = 100  # the list endpoint's page size promptsync asks for
# Reads are idempotent, and a plan is one request per page of every list (not one per
# environment): each read gets more patience than a write, so that a large workspace does not
# make a transient failure of some page likelier to end the plan.
READ_RETRIES = 6
MAX_PAGES = 10_000
RECHECK = 200  # versions re-read (newest first) after an unanswered publish, at the most
HISTORY = 10  # older versions read for a template the plan would update (a rollback's target)
PUBLISH = "/rest/prompt-templates"


def _hint(key_source: str, status: int, message: str) -> str:
    if status == 401:
        return f" (check {key_source})"
    if status == 403:
        return " (the API key's workspace may not use this)"
    return ""


def _same(op: CreateVersion, version: RemoteVersion) -> bool:
    """The version holds exactly what `op` publishes (content and commit message)."""
    return (
        version.name == op.name
        and version.hash == op.hash
        and version.version_description == op.content.version_description
    )


class PromptLayerBackend:
    """One PromptLayer workspace. Thread-safe: lists and pages are read concurrently."""

    capabilities = CAPABILITIES

    def __init__(
        self,
        api_url: str,
        api_key: ApiKey,
        *,
        timeout: float = 30.0,
        retry_delay: float = 5.0,
        on_retry: Callable[[str], None] | None = None,
        session: HttpSession | None = None,
        per_page: int = PER_PAGE,
    ) -> None:
        self.ref = BackendRef(kind="promptlayer", api_url=api_url, project_id=None)
        self.http = session or HttpSession(
            api_url,
            {"X-API-KEY": api_key.reveal()},
            secrets=(api_key.reveal(),),
            hint=partial(_hint, api_key.source),
            timeout=timeout,
            retry_delay=retry_delay,
            on_retry=on_retry,
        )
        self.per_page = per_page
        self._latest: dict[str, RemoteVersion] = {}  # the newest versions the last read saw
        self._lock = threading.Lock()
        self.duplicates: list[str] = []  # versions a retried publish made twice (reported)
        # A dataset version is always verified by reading it.
        self.known_datasets: dict[str, Counter[str]] = {}
        self._served: dict[str, dict[str, RemoteVersion]] = {}  # label → what the last read saw
        self._datasets = PromptLayerDatasets(self.http)

    @property
    def requests(self) -> int:
        return self.http.requests

    def close(self) -> None:
        self.http.close()

    def __enter__(self) -> PromptLayerBackend:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # --- reading -------------------------------------------------------------------------------

    def _page(self, label: str | None, page: int, cache: dict[str, RemoteVersion]) -> Page:
        # Oldest first by id: templates created while the pages are read join the end.
        params: dict[str, Any] = {
            "page": page,
            "per_page": self.per_page,
            "sort_by": "id",
            "sort_order": "asc",
        }
        if label is not None:
            params["label"] = label
        response = self.http.send("GET", "/prompt-templates", params=params, retries=READ_RETRIES)
        try:
            return read_page(response.content, cache)
        except ShapeError as exc:
            where = self.http.shown("GET", "/prompt-templates")
            raise BackendError(f"{where}?page={page}: {response.status_code} {exc}") from None

    def _read_list(self, environment: str, cache: dict[str, RemoteVersion]) -> Snapshot:
        """Every page of one list: a release label's, or (for latest) the unlabelled one."""
        label = None if environment == LATEST else environment
        first = self._page(label, 1, cache)
        pages = [first]
        if first.has_next and first.pages:
            rest = range(2, min(first.pages, MAX_PAGES) + 1)
            pages += in_parallel([partial(self._page, label, n, cache) for n in rest], limit=8)
        number = len(pages)
        while pages[-1].has_next and (pages[-1].versions or pages[-1].unreadable):
            if number >= MAX_PAGES:  # a server that never stops saying "more"
                raise BackendError(f"GET /prompt-templates: more than {MAX_PAGES} pages")
            number += 1
            pages.append(self._page(label, number, cache))
        versions: dict[str, RemoteVersion] = {}
        unreadable: dict[str, Unreadable] = {}
        for page in pages:
            versions.update(page.versions)
            unreadable.update(page.unreadable)
        for name in versions:
            unreadable.pop(name, None)
        return Snapshot(versions, unreadable)

    def read(self, environments: Sequence[str]) -> dict[str, Snapshot]:
        """Each list, concurrently; requests are pages, never one per template."""
        cache: dict[str, RemoteVersion] = {}
        results = in_parallel([partial(self._read_list, env, cache) for env in environments])
        snapshots = dict(zip(environments, results, strict=True))
        with self._lock:
            if LATEST in snapshots:
                self._latest = dict(snapshots[LATEST].versions)
            for env, snapshot in snapshots.items():
                self._served[env] = dict(snapshot.versions)
        return snapshots

    # --- datasets ------------------------------------------------------------------------------

    dataset_versions = True  # a change is a new, immutable version of the dataset group

    def read_datasets(self, names: Sequence[str] | None) -> RemoteDatasets:
        return self._datasets.read(names)

    def run_dataset(self, op: DatasetOperation, dataset_id: str | None) -> str | None:
        """One dataset operation; returns the dataset group's id."""
        if not isinstance(op, PublishDatasetVersion):
            raise BackendError(f"{op.name}: a PromptLayer dataset changes only by a new version")
        return self._datasets.publish(op)

    def sample_calls(
        self, template: str, environment: str, since: datetime, limit: int
    ) -> CallSample:
        """The newest calls logged with the version `environment` (a release label) serves:
        one request-log search (see backends/promptlayer/search.py)."""
        with self._lock:
            version = self._served.get(environment, {}).get(template)
        if version is None or version.number is None:
            return CallSample()
        return search.sample_calls(self.http, version.template_id, version.number, since, limit)

    def preflight(self, environments: Sequence[str]) -> None:
        """Nothing to check: a release label comes into being when a version is published
        with it, or labelled."""

    # --- writing -------------------------------------------------------------------------------

    def _get_raw(self, identifier: str, number: int | None) -> dict[str, Any] | None:
        """A template's version as sent (its newest when `number` is None); None: none."""
        path = f"/prompt-templates/{path_segment(identifier)}"
        params: dict[str, Any] = {"resolve_snippets": "false"}
        if number is not None:
            params["version"] = number
        try:
            payload = self.http.json("GET", path, params=params, retries=READ_RETRIES)
        except BackendError as exc:
            if exc.status == 404:
                return None
            raise
        if not isinstance(payload, dict):
            raise BackendError(f"{self.http.shown('GET', path)}: not an object")
        return payload

    def _read(self, payload: dict[str, Any]) -> RemoteVersion | None:
        """The version a get answered with; None when promptsync cannot model it."""
        try:
            return read_answer(payload)
        except ShapeError:
            return None

    def history(self, name: str, template_id: str) -> list[RemoteVersion]:
        """The versions before the newest, newest first (at most HISTORY, one request each:
        PromptLayer lists no versions), readable ones only: where a rollback's target is."""
        with self._lock:
            known = self._latest.get(name)
        if known is None or known.number is None:
            return []
        numbers = range(known.number - 1, max(known.number - 1 - HISTORY, 0), -1)
        found = []
        for number in numbers:
            raw = self._get_raw(template_id, number)
            version = self._read(raw) if raw is not None else None
            if version is not None and version.name == name:
                found.append(version)
        return found

    def _committed(self, op: CreateVersion, marker: str) -> RemoteVersion | None:
        """After an unanswered publish: the version it made (carrying `marker`) or, failing
        that, a version identical to `op` that someone made since the plan's read."""
        with self._lock:
            known = self._latest.get(op.name)
        identifier = known.template_id if known is not None else op.name
        newest_raw = self._get_raw(identifier, None)
        newest = self._read(newest_raw) if newest_raw is not None else None
        if newest_raw is None or newest is None:
            return None
        if newest.name != op.name:
            raise BackendError(
                f"{op.name}: re-reading it after an unanswered publish returned template"
                f" {newest.name!r}; check in PromptLayer whether the version was created"
            )
        floor = (known.number or 0) if known is not None else 0
        same = newest if _same(op, newest) else None
        if marker_of(newest_raw) == marker:
            return newest
        numbers = list(range((newest.number or 1) - 1, floor, -1))[:RECHECK]
        for number in numbers:
            raw = self._get_raw(newest.template_id, number)
            version = self._read(raw) if raw is not None else None
            if raw is not None and marker_of(raw) == marker and version is not None:
                return version
            if same is None and version is not None and _same(op, version):
                same = version
        return same

    def _report_twice(self, op: CreateVersion, marker: str, made: RemoteVersion) -> None:
        """After a publish that followed an unanswered one: if the first was committed after
        all (beyond what the re-read saw), say so — the apply report lists it."""
        with self._lock:
            known = self._latest.get(op.name)
        floor = (known.number or 0) if known is not None else 0
        for number in list(range((made.number or 1) - 1, floor, -1))[:RECHECK]:
            raw = self._get_raw(made.template_id, number)
            if raw is not None and marker_of(raw) == marker:
                self.duplicates.append(
                    f"{op.name}: version {number} and version {made.number} were both made by"
                    " one publish (the first was committed though unanswered); both hold the"
                    " file's content"
                )
                return

    def create_version(self, op: CreateVersion) -> RemoteVersion:
        marker = secrets.token_hex(8)
        try:
            body = publish_body(op, marker)
        except Unpublishable as exc:
            raise BackendError(f"{op.name}: cannot be published to PromptLayer: {exc}") from None
        attempts = self.http.retries + 1
        unanswered = False
        for attempt in range(attempts):
            try:
                response = self.http.send("POST", PUBLISH, body, retry=False)
            except BackendError as exc:
                if not exc.transient:
                    raise
                if exc.ambiguous:
                    unanswered = True
                    self.http.note(f"{op.name}: {exc}; checking whether it made a version")
                    try:
                        found = self._committed(op, marker)
                    except BackendError as check:
                        raise BackendError(
                            f"{exc}; whether it created a version could not be checked"
                            f" ({check}); run apply again: it re-reads before it publishes"
                        ) from None
                    if found is not None:
                        # Its release labels came with it: one request sets both. (Were a
                        # server to apply them apart, verification would say so, and the
                        # next apply would move them.)
                        return found
                if attempt + 1 == attempts:
                    raise BackendError(f"{exc} (after {attempts} attempts)", exc.status) from None
                delay = max(self.http.retry_delay * 2**attempt, exc.retry_after or 0.0)
                self.http.wait(delay, f"{exc}; no version was created")
                continue
            made = self._answer(response.content)
            if unanswered:
                self._report_twice(op, marker, made)
            return made
        raise AssertionError("unreachable")  # pragma: no cover

    def _answer(self, raw: bytes) -> RemoteVersion:
        try:
            return read_answer(json.loads(raw), "version_number")
        except (ValueError, ShapeError) as exc:
            reason = exc if isinstance(exc, ShapeError) else "response is not valid JSON"
            raise BackendError(f"{self.http.shown('POST', PUBLISH)}: {reason}") from None

    def _labels(self, template_id: str) -> dict[str, Label]:
        path = f"/prompt-templates/{path_segment(template_id)}/labels"
        try:
            return read_labels(self.http.json("GET", path, retries=READ_RETRIES))
        except ShapeError as exc:
            raise BackendError(f"{self.http.shown('GET', path)}: {exc}") from None

    def _move(self, label: Label, number: int) -> None:
        path = f"/prompt-labels/{label.id}"
        # Idempotent: as patient as a read.
        self.http.send("PATCH", path, {"prompt_version_number": number}, retries=READ_RETRIES)

    def _point(self, template_id: str, number: int, environments: Sequence[str]) -> None:
        """Make each release label point at version `number`: move it, or create it."""
        if not environments:
            return
        current = self._labels(template_id)
        for env in environments:
            label = current.get(env)
            if label is not None:
                if label.number != number:
                    self._move(label, number)
                continue
            path = f"/prompts/{path_segment(template_id)}/label"
            try:
                self.http.send("POST", path, {"prompt_version_number": number, "name": env})
            except BackendError as exc:
                # A retry after a create that was committed but not answered: it exists now.
                if exc.status != 400:
                    raise
                made = self._labels(template_id).get(env)
                if made is None:
                    raise
                if made.number != number:
                    self._move(made, number)

    def deploy(self, op: DeployVersion, template_id: str, version_id: str) -> None:
        try:
            number = parse_version_ref(version_id)
        except ShapeError as exc:
            raise BackendError(f"{op.name}: {exc}") from None
        self._point(template_id, number, op.environments)
