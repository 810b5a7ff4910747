"""Each fault mode does what it says, reproducibly for a seed; stats count every request."""

from __future__ import annotations

import time
from pathlib import Path

import httpx
import pytest

from promptsync.emulator import FaultConfig, RunningEmulator, running_emulator

BODY = {
    "template_messages": [{"role": "user", "content": "hi"}],
    "provider": "openai",
    "model": "gpt-4o",
    "environments": ["prod"],
}


def _create(fp: RunningEmulator, client: httpx.Client, name: str = "t") -> httpx.Response:
    return client.post(
        f"/projects/{fp.project_id}/prompt-templates/name/{name}/versions",
        params={"create_template_if_not_exists": "true"},
        json=BODY,
    )


def _versions(fp: RunningEmulator) -> int:
    with fp.client() as client:
        listed = client.get(f"/projects/{fp.project_id}/prompt-templates/all/latest")
    return len(listed.json()["prompt_templates"])


def test_fail_rate_fails_before_any_write() -> None:
    with running_emulator(faults=FaultConfig(fail_rate=1.0, seed=1)) as fp, fp.client() as client:
        r = _create(fp, client)
        assert (r.status_code, r.json()) == (
            500,
            {"message": "Injected failure before processing the request"},
        )
        assert fp.store.all_in(fp.project_id, "latest") == []


def test_fail_after_commit_writes_then_fails() -> None:
    faults = FaultConfig(fail_after_commit_rate=1.0, seed=1)
    with running_emulator(faults=faults) as fp, fp.client() as client:
        r = _create(fp, client)
        assert r.status_code == 500
        assert r.json() == {"message": "Injected failure after processing the request"}
        assert [v.template.name for v in fp.store.all_in(fp.project_id, "prod")] == ["t"]


def test_drop_closes_connection_after_the_write() -> None:
    with running_emulator(faults=FaultConfig(drop_rate=1.0, seed=1)) as fp, fp.client() as client:
        with pytest.raises(httpx.RemoteProtocolError):
            _create(fp, client)
        assert [v.template.name for v in fp.store.all_in(fp.project_id, "prod")] == ["t"]
        assert fp.stats.snapshot()["outcomes"] == {
            "POST /api/v2/projects/{project_id}/prompt-templates/name/{template_name}/versions"
            " -> dropped": 1
        }


def test_latency() -> None:
    with running_emulator(faults=FaultConfig(latency_ms=150)) as fp, fp.client() as client:
        start = time.perf_counter()
        client.get(f"/projects/{fp.project_id}/prompt-templates/all/latest")
        assert time.perf_counter() - start >= 0.15


def _outcomes(seed: int) -> list[str]:
    faults = FaultConfig(fail_rate=0.25, fail_after_commit_rate=0.25, drop_rate=0.25, seed=seed)
    outcomes = []
    with running_emulator(faults=faults) as fp:
        for i in range(40):
            with fp.client() as client:  # a dropped connection is not reused
                try:
                    outcomes.append(str(_create(fp, client, f"t{i % 7}").status_code))
                except httpx.TransportError:
                    outcomes.append("dropped")
    return outcomes


def test_faults_are_reproducible_with_a_seed() -> None:
    first, second, other = _outcomes(42), _outcomes(42), _outcomes(43)
    assert first == second
    assert first != other
    assert set(first) == {"201", "500", "dropped"}


def test_faults_mix_matches_rates() -> None:
    faults = FaultConfig(fail_rate=0.2, fail_after_commit_rate=0.1, drop_rate=0.05, seed=7)
    from promptsync.emulator.faults import Faults

    decider = Faults(faults)
    decisions = [decider.decide("POST", f"/x/{i}", b"{}") for i in range(20_000)]
    share = {d: decisions.count(d) / len(decisions) for d in set(decisions)}
    assert share["fail"] == pytest.approx(0.2, abs=0.015)
    assert share["fail_after_commit"] == pytest.approx(0.1, abs=0.015)
    assert share["drop"] == pytest.approx(0.05, abs=0.01)


def test_stats_route_requires_key_and_counts(emulator: RunningEmulator) -> None:
    with emulator.client() as client:
        client.get(f"/projects/{emulator.project_id}/prompt-templates/all/latest")
        client.get(f"/projects/{emulator.project_id}/prompt-templates/all/prod")
        stats = httpx.get(
            f"{emulator.url}/_emulator/stats",
            headers={"Authorization": f"Bearer {emulator.api_key}"},
        ).json()
    label = "GET /api/v2/projects/{project_id}/prompt-templates/all/{environment}"
    assert stats["routes"] == {label: 2}
    assert stats["total"] == 2
    assert httpx.get(f"{emulator.url}/_emulator/stats").status_code == 401
    reset = httpx.post(
        f"{emulator.url}/_emulator/stats/reset",
        headers={"Authorization": f"Bearer {emulator.api_key}"},
    )
    assert reset.status_code == 200
    assert emulator.stats.snapshot()["total"] == 0


def test_bad_fault_config() -> None:
    with pytest.raises(ValueError, match="sum to at most 1"):
        FaultConfig(fail_rate=0.6, drop_rate=0.6)


def test_fail_after_commit_on_bulk_create_commits_the_rows(tmp_path: Path) -> None:
    from tests.emulator.datasets import BULK, C, D, path

    db = tmp_path / "emulator.sqlite"
    with running_emulator(db) as fp, fp.client() as client:
        dataset_id = client.post(path(fp, D), json={"name": "d"}).json()["id"]
    cases = {"data": [{"inputs": {"n": i}} for i in range(3)]}
    faults = FaultConfig(fail_after_commit_rate=1.0, seed=1)
    with running_emulator(db, faults=faults) as fp, fp.client() as client:
        response = client.post(path(fp, BULK, dataset_id=dataset_id), json=cases)
        assert (response.status_code, response.json()) == (
            500,
            {"message": "Injected failure after processing the request"},
        )
        assert fp.stats.snapshot()["outcomes"] == {f"POST {BULK} -> 500": 1}
    with running_emulator(db) as fp, fp.client() as client:
        listed = client.get(path(fp, C, dataset_id=dataset_id)).json()["data"]
    assert [{"inputs": c["inputs"]} for c in listed] == cases["data"]


def test_fail_before_bulk_create_writes_nothing(tmp_path: Path) -> None:
    from tests.emulator.datasets import BULK, C, D, path

    db = tmp_path / "emulator.sqlite"
    with running_emulator(db) as fp, fp.client() as client:
        dataset_id = client.post(path(fp, D), json={"name": "d"}).json()["id"]
    with running_emulator(db, faults=FaultConfig(fail_rate=1.0, seed=1)) as fp, fp.client() as c:
        response = c.post(path(fp, BULK, dataset_id=dataset_id), json={"data": [{"inputs": {}}]})
        assert response.status_code == 500
    with running_emulator(db) as fp, fp.client() as client:
        assert client.get(path(fp, C, dataset_id=dataset_id)).json()["data"] == []
