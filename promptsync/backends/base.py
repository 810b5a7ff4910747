"""What every registry backend offers, and the factory that opens the configured one.

A backend reads snapshots (environment → template → version), executes the plan's neutral
operations, and declares its capabilities. It owns its wire format: request bodies are built
from the plan's content at apply time, responses become `RemoteVersion`s. See
docs/architecture.md ("How to add a backend").
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Protocol

from promptsync.backends.http import BackendError
from promptsync.impact.traffic import CallSampler
from promptsync.kinds.datasets.changes import DatasetOperation
from promptsync.kinds.datasets.remote import RemoteDatasets
from promptsync.kinds.prompts.changes import CreateVersion, DeployVersion
from promptsync.kinds.prompts.remote import Capabilities, RemoteVersion, Snapshot
from promptsync.plan.models import BackendRef

if TYPE_CHECKING:
    from promptsync.repo.credentials import ApiKey
    from promptsync.repo.settings import Settings

__all__ = ["Backend", "BackendError", "CallSampler", "Connection", "call_sampler", "open_backend"]


class Backend(Protocol):
    """One registry workspace (a Freeplay project, a PromptLayer workspace)."""

    capabilities: Capabilities
    ref: BackendRef

    @property
    def duplicates(self) -> Sequence[str]:
        """Versions this client's retried creates made twice after all (the apply report)."""

    @property
    def known_datasets(self) -> Mapping[str, Counter[str]]:
        """Datasets this client created whose every write went through without a doubt and was
        answered with exactly what it sent: the hashes of the test cases they hold, known
        without listing them again (apply's verification compares them with the plan)."""

    @property
    def requests(self) -> int:
        """Requests sent so far, retries included."""

    def read(self, environments: Sequence[str]) -> dict[str, Snapshot]:
        """One snapshot per environment (`latest` included when asked), by list requests only."""

    def history(self, name: str, template_id: str) -> list[RemoteVersion]:
        """The template's versions, newest first (bounded), readable ones only: what a plan
        that would otherwise create a version looks through for an identical one."""

    # Datasets: True where a change is a new immutable version (PromptLayer), False where test
    # cases are added and deleted in place (Freeplay).
    dataset_versions: bool

    def read_datasets(self, names: Sequence[str] | None) -> RemoteDatasets:
        """The datasets named (None: all) and the names of the others: one list of datasets,
        then one test-case listing per dataset named, by pages."""

    def run_dataset(self, op: DatasetOperation, dataset_id: str | None) -> str | None:
        """One dataset operation (never a duplicate test case: an ambiguous failure is checked
        before anything is sent again); returns the dataset's id, known or made."""

    def preflight(self, environments: Sequence[str]) -> None:
        """Raise BackendError naming any environment the registry does not have (no request
        when there is none to check)."""

    def create_version(self, op: CreateVersion) -> RemoteVersion:
        """Create the version (deployed to `op.environments`) and return what the server holds.

        Never creates a duplicate: a failure that may have been committed is checked first.
        """

    def deploy(self, op: DeployVersion, template_id: str, version_id: str) -> None:
        """Point `op.environments` at the existing version."""

    def close(self) -> None: ...


def call_sampler(backend: Backend) -> CallSampler | None:
    """The backend as a `traffic.CallSampler` (an optional capability: a backend has it when
    it defines `sample_calls`), or None when its registry cannot search recorded calls."""
    return backend if isinstance(backend, CallSampler) else None


@dataclass(frozen=True)
class Connection:
    """How to reach the registry: the key and the request options."""

    api_key: ApiKey
    timeout: float = 30.0
    retry_delay: float = 5.0
    on_retry: Callable[[str], None] | None = None


def open_backend(settings: Settings, connection: Connection) -> Backend:
    """The backend `promptsync.yaml` names, connected."""
    if settings.config.backend == "promptlayer":
        from promptsync.backends.promptlayer.client import PromptLayerBackend

        return PromptLayerBackend(
            settings.api_url,
            connection.api_key,
            timeout=connection.timeout,
            retry_delay=connection.retry_delay,
            on_retry=connection.on_retry,
        )
    from promptsync.backends.freeplay.client import FreeplayBackend

    return FreeplayBackend(
        settings.api_url,
        settings.require_project_id(),
        connection.api_key,
        timeout=connection.timeout,
        retry_delay=connection.retry_delay,
        on_retry=connection.on_retry,
    )
