"""Each fault mode on the PromptLayer routes, reproducibly for a seed; stats count requests."""

from __future__ import annotations

import time

import httpx
import pytest

from promptsync.emulator import FaultConfig, RunningEmulator, running_emulator
from promptsync.emulator.promptlayer.dataset_store import DatasetFilter, DatasetStore
from promptsync.emulator.promptlayer.request_store import RequestStore
from promptsync.emulator.promptlayer.store import ListFilter, Store
from tests.emulator.promptlayer.wire import log_body, publish_body, upload

PUBLISH = "POST /rest/prompt-templates"


def _publish(client: httpx.Client, name: str = "t") -> httpx.Response:
    return client.post("/rest/prompt-templates", json=publish_body(name, labels=["prod"]))


def _versions(pl: RunningEmulator[Store]) -> int:
    _total, versions = pl.store.list_versions(1, ListFilter(), 0, 100)
    return sum(v.number for v in versions)


def test_fail_rate_fails_before_any_write() -> None:
    faults = FaultConfig(fail_rate=1.0, seed=1)
    with running_emulator(backend="promptlayer", faults=faults) as pl, pl.client() as client:
        r = _publish(client)
        assert (r.status_code, r.json()) == (
            500,
            {"success": False, "message": "Injected failure before processing the request"},
        )
        assert _versions(pl) == 0


def test_fail_after_commit_writes_then_fails() -> None:
    faults = FaultConfig(fail_after_commit_rate=1.0, seed=1)
    with running_emulator(backend="promptlayer", faults=faults) as pl, pl.client() as client:
        r = _publish(client)
        assert r.status_code == 500
        assert r.json()["message"] == "Injected failure after processing the request"
        assert _versions(pl) == 1
        # A blind retry makes a duplicate: PromptLayer does not deduplicate.
        _publish(client)
        assert _versions(pl) == 2


def test_drop_closes_the_connection_after_the_write() -> None:
    faults = FaultConfig(drop_rate=1.0, seed=1)
    with running_emulator(backend="promptlayer", faults=faults) as pl, pl.client() as client:
        with pytest.raises(httpx.RemoteProtocolError):
            _publish(client)
        assert _versions(pl) == 1
        assert pl.stats.snapshot()["outcomes"] == {f"{PUBLISH} -> dropped": 1}


def test_latency() -> None:
    faults = FaultConfig(latency_ms=150)
    with running_emulator(backend="promptlayer", faults=faults) as pl, pl.client() as client:
        start = time.perf_counter()
        client.get("/prompt-templates")
        assert time.perf_counter() - start >= 0.15


def _outcomes(seed: int) -> list[str]:
    faults = FaultConfig(fail_rate=0.25, fail_after_commit_rate=0.25, drop_rate=0.25, seed=seed)
    outcomes = []
    with running_emulator(backend="promptlayer", faults=faults) as pl:
        for i in range(40):
            with pl.client() as client:  # a dropped connection is not reused
                try:
                    outcomes.append(str(_publish(client, f"t{i % 7}").status_code))
                except httpx.TransportError:
                    outcomes.append("dropped")
    return outcomes


def test_faults_are_reproducible_with_a_seed() -> None:
    first, second, other = _outcomes(42), _outcomes(42), _outcomes(43)
    assert first == second
    assert first != other
    assert set(first) == {"200", "500", "dropped"}


def test_stats_route_requires_the_key_and_counts(pl: RunningEmulator[Store]) -> None:
    with pl.client() as client:
        _publish(client)
        client.get("/prompt-templates", params={"label": "prod"})
        client.get("/prompt-templates/t/labels")
        client.get("/prompt-templates/nope/labels")
        stats = client.get("/_emulator/stats").json()
        assert stats["routes"] == {
            PUBLISH: 1,
            "GET /prompt-templates": 1,
            "GET /prompt-templates/{identifier}/labels": 2,
        }
        assert stats["outcomes"]["GET /prompt-templates/{identifier}/labels -> 404"] == 1
        assert isinstance(stats["fault_seed"], int)
        assert httpx.get(f"{pl.url}/_emulator/stats").status_code == 401
        assert client.post("/_emulator/stats/reset").json() == {}
        assert pl.stats.snapshot()["total"] == 0
        assert pl.stats.count("POST") == 0


def test_faults_apply_to_request_logging() -> None:
    after_commit = FaultConfig(fail_after_commit_rate=1.0, seed=1)
    with running_emulator(backend="promptlayer", faults=after_commit) as pl, pl.client() as client:
        r = client.post("/log-request", json=log_body())
        assert (r.status_code, r.json()["success"]) == (500, False)
        assert (
            len(RequestStore(pl.store).all(1)) == 1
        )  # logged, then failed: a blind retry logs twice
        assert pl.stats.snapshot()["outcomes"] == {"POST /log-request -> 500": 1}
    with running_emulator(backend="promptlayer", faults=FaultConfig(fail_rate=1.0)) as pl:
        with pl.client() as client:
            assert client.post("/log-request", json=log_body()).status_code == 500
        assert RequestStore(pl.store).all(1) == []


def test_fail_after_commit_on_from_file_still_makes_the_version() -> None:
    faults = FaultConfig(fail_after_commit_rate=1.0, seed=1)
    with running_emulator(backend="promptlayer", faults=faults) as pl, pl.client() as client:
        created = client.post("/api/public/v2/dataset-groups", json={"name": "g"})
        assert created.status_code == 500  # the group exists all the same
        first, again = (upload(client, 1, "g.csv", "a\n1\n") for _ in range(2))
        assert (first.status_code, again.status_code) == (500, 500)
        _total, versions = DatasetStore(pl.store).list_datasets(1, DatasetFilter(), 0, 100)
    # A blind retry of an upload whose answer was lost makes a second version.
    assert sorted(d.version_number for d in versions) == [1, 2]
