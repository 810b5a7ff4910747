"""The Freeplay backend: one project over HTTP (bearer auth), reads by `/all/<env>` only."""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Callable, Mapping, Sequence
from datetime import datetime
from functools import partial
from typing import TYPE_CHECKING
from urllib.parse import quote

from promptsync.backends.freeplay import search, testruns
from promptsync.backends.freeplay.datasets import FreeplayDatasets
from promptsync.backends.freeplay.wire import (
    create_body,
    environments_page,
    read_all,
    read_created,
    versions_page,
)
from promptsync.backends.http import BackendError, HttpSession
from promptsync.backends.replies import ShapeError
from promptsync.impact.traffic import CallSample
from promptsync.kinds.datasets.changes import (
    AddTestCases,
    CreateDataset,
    DatasetOperation,
    DeleteTestCases,
    UpdateDataset,
)
from promptsync.kinds.datasets.remote import RemoteDatasets
from promptsync.kinds.prompts.changes import CreateVersion, DeployVersion
from promptsync.kinds.prompts.remote import LATEST, Capabilities, RemoteVersion, Snapshot
from promptsync.plan.models import BackendRef
from promptsync.repo.credentials import ApiKey
from promptsync.threads import in_parallel

if TYPE_CHECKING:  # evaluation only when a plan runs one
    from promptsync.evaluate.run import CaseResult

# Freeplay reuses an identical version instead of creating one, without comparing `provider`.
CAPABILITIES = Capabilities(
    latest_follows_newest=True,
    create_deploys=True,
    deduplicates=True,
    dedup_ignores=frozenset({"provider"}),
)
_PROJECT_URL = re.compile(r"/api/v2/projects/([^/]+)/?$")


def api_base(api_url: str, project_id: str | None = None) -> str:
    """Accept the instance root, `…/api`, `…/api/v2` or `…/api/v2/projects/<id>`; return
    `<root>/api/v2`. A project id in the URL must be the configured one."""
    root = api_url.rstrip("/")
    match = _PROJECT_URL.search(root)
    if match:
        if project_id is not None and match.group(1) != project_id:
            raise BackendError(
                f"api_url ends in /api/v2/projects/{match.group(1)} but project_id is"
                f" {project_id}; set api_url to the instance root (e.g. https://app.freeplay.ai)"
            )
        root = root[: match.start()]
    for suffix in ("/api/v2", "/api"):
        if root.endswith(suffix):
            root = root[: -len(suffix)]
            break
    return f"{root}/api/v2"


def quote_name(name: str) -> str:
    """A template name as one path segment: `/` is %2F, and dots are encoded so that `.` or
    `..` are never removed by URL normalization."""
    return quote(name, safe="").replace(".", "%2E")


def _hint(key_source: str, status: int, message: str) -> str:
    if status == 401:
        return f" (check {key_source})"
    if status == 404 and "project" in message.lower():
        return " (check project_id)"
    return ""


def _missing(*environments: str) -> str:
    return (
        f"environment(s) {', '.join(environments)} do not exist in this Freeplay project;"
        " create them in Freeplay (or remove them from promptsync.yaml)"
    )


HISTORY_PAGES = 3


class FreeplayBackend:
    """One Freeplay project. Thread-safe: snapshots are read concurrently."""

    capabilities = CAPABILITIES
    duplicates: tuple[str, ...] = ()  # Freeplay deduplicates: a retried create makes none

    def __init__(
        self,
        api_url: str,
        project_id: str,
        api_key: ApiKey,
        *,
        timeout: float = 30.0,
        retry_delay: float = 5.0,
        on_retry: Callable[[str], None] | None = None,
        session: HttpSession | None = None,
    ) -> None:
        self.project_id = project_id
        self.ref = BackendRef(kind="freeplay", api_url=api_url, project_id=project_id)
        self.http = session or HttpSession(
            api_base(api_url, project_id),
            {"Authorization": f"Bearer {api_key.reveal()}"},
            secrets=(api_key.reveal(),),
            hint=partial(_hint, api_key.source),
            timeout=timeout,
            retry_delay=retry_delay,
            on_retry=on_retry,
        )
        self._datasets = FreeplayDatasets(self.http, f"/projects/{quote(project_id, safe='')}")

    @property
    def requests(self) -> int:
        return self.http.requests

    def record_test_run(self, dataset: str, name: str, results: Sequence[CaseResult]) -> str:
        """An evaluation as a Freeplay test run of `dataset` (see freeplay/testruns.py)."""
        return testruns.record_test_run(self.http, self.project_id, dataset, name, results)

    # --- datasets ------------------------------------------------------------------------------

    dataset_versions = False  # a dataset's test cases are edited in place

    @property
    def known_datasets(self) -> Mapping[str, Counter[str]]:
        return self._datasets.known

    def read_datasets(self, names: Sequence[str] | None) -> RemoteDatasets:
        return self._datasets.read(names)

    def run_dataset(self, op: DatasetOperation, dataset_id: str | None) -> str | None:
        """One dataset operation; returns the dataset's id (made by a create)."""
        if isinstance(op, CreateDataset):
            return self._datasets.create(op)
        if isinstance(op, UpdateDataset):
            self._datasets.update(op)
        elif isinstance(op, AddTestCases):
            target = op.dataset_id or dataset_id
            if target is None:
                raise BackendError(f"{op.name}: the dataset to add test cases to was not created")
            self._datasets.add(op, target, fresh=op.dataset_id is None)
        elif isinstance(op, DeleteTestCases):
            self._datasets.delete(op)
        else:
            raise BackendError(f"{op.name}: Freeplay datasets have no versions to publish")
        return dataset_id

    def close(self) -> None:
        self.http.close()

    def __enter__(self) -> FreeplayBackend:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    @property
    def _templates(self) -> str:
        return f"/projects/{quote(self.project_id, safe='')}/prompt-templates"

    def _read_one(self, environment: str, cache: dict[str, RemoteVersion]) -> Snapshot:
        path = f"{self._templates}/all/{quote(environment, safe='')}"
        try:
            response = self.http.send("GET", path)
        except BackendError as exc:
            if exc.status in (400, 404) and "environment" in str(exc).lower():
                # Deleted in the registry: it serves nothing; the plan says so, and only the
                # work that needs it is refused (apply's preflight).
                return Snapshot(missing=True)
            raise
        try:
            return read_all(response.content, cache)
        except ShapeError as exc:
            raise BackendError(
                f"{self.http.shown('GET', path)}: {response.status_code} {exc}"
            ) from None

    def read(self, environments: Sequence[str]) -> dict[str, Snapshot]:
        """One request per environment, concurrently; shared versions are parsed once."""
        cache: dict[str, RemoteVersion] = {}
        results = in_parallel([partial(self._read_one, env, cache) for env in environments])
        return dict(zip(environments, results, strict=True))

    def history(self, name: str, template_id: str) -> list[RemoteVersion]:
        """The template's versions, newest first, readable ones only (one request per page of
        100, at most HISTORY_PAGES): where a rollback's target is."""
        path = f"{self._templates}/id/{quote(template_id, safe='')}/versions"
        found: list[RemoteVersion] = []
        for page in range(1, HISTORY_PAGES + 1):
            payload = self.http.json("GET", path, params={"page": page, "page_size": 100})
            try:
                versions, more = versions_page(payload)
            except ShapeError as exc:
                raise BackendError(f"{self.http.shown('GET', path)}: {exc}") from None
            found += [v for v in versions if v.name == name]
            if not more:
                break
        return found

    def preflight(self, environments: Sequence[str]) -> None:
        if not [e for e in environments if e != LATEST]:  # nothing to move (datasets only)
            return
        known: set[str] = set()
        page = 1
        while True:
            payload = self.http.json(
                "GET", "/environments", params={"page": page, "page_size": 100}
            )
            try:
                names, more = environments_page(payload)
            except ShapeError as exc:
                raise BackendError(f"{self.http.shown('GET', '/environments')}: {exc}") from None
            known.update(names)
            if not more or page >= 100:
                break
            page += 1
        missing = [e for e in environments if e not in known and e != LATEST]
        if missing:
            raise BackendError(f"{_missing(*missing)} — nothing was changed")

    def create_version(self, op: CreateVersion) -> RemoteVersion:
        # A retried create is safe: the request is byte-identical (provenance included) and
        # Freeplay reuses an identical version deployed in a target environment.
        path = (
            f"{self._templates}/name/{quote_name(op.name)}/versions"
            "?create_template_if_not_exists=true"
        )
        payload = self.http.json("POST", path, create_body(op))
        try:
            return read_created(payload)
        except ShapeError as exc:
            raise BackendError(f"{self.http.shown('POST', path)}: {exc}") from None

    def deploy(self, op: DeployVersion, template_id: str, version_id: str) -> None:
        path = (
            f"{self._templates}/id/{quote(template_id, safe='')}/versions/"
            f"{quote(version_id, safe='')}/environments"
        )
        # Any 2xx is success, an empty 200 or a 204 included.
        self.http.send("POST", path, {"environments": list(op.environments)})

    def sample_calls(
        self, template: str, environment: str, since: datetime, limit: int
    ) -> CallSample:
        """The newest recorded calls of a template in an environment (the search API)."""
        return search.sample_calls(self.http, self.project_id, template, environment, since, limit)
