"""Concurrent writers never lose or duplicate a version; state survives a restart."""

from __future__ import annotations

import random
import uuid
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from contextlib import ExitStack
from pathlib import Path

import httpx
import pytest

from promptsync.emulator import emulator_subprocess, running_emulator

TEMPLATES = 10
VARIANTS = 5
THREADS = 8
ENVS = [f"env{j}" for j in range(VARIANTS)]


def _body(template: int, variant: int) -> dict[str, object]:
    # Variant j only ever targets env j, so Freeplay's dedup ("identical version in a target
    # environment") must find every repeat: exactly TEMPLATES * VARIANTS versions may exist.
    return {
        "template_messages": [{"role": "user", "content": f"t{template} v{variant}"}],
        "provider": "openai",
        "model": "gpt-4o",
        "environments": [ENVS[variant]],
    }


def test_concurrent_create_version_no_loss_no_duplicates(tmp_path: Path) -> None:
    db = tmp_path / "state.sqlite"
    combos = [(t, v) for t in range(TEMPLATES) for v in range(VARIANTS)]
    with ExitStack() as stack:
        # Two emulators on one database file, one in this process and one in its own: writers
        # that only SQLite's locking keeps apart.
        here = stack.enter_context(running_emulator(db, environments=ENVS))
        env_flags = [flag for env in ENVS for flag in ("--environment", env)]
        _proc, there = stack.enter_context(emulator_subprocess("--db", str(db), *env_flags))
        headers = {"Authorization": f"Bearer {here.api_key}"}
        clients = [
            stack.enter_context(here.client(timeout=30)),
            stack.enter_context(
                httpx.Client(base_url=f"{there}/api/v2", headers=headers, timeout=30)
            ),
        ]
        project = here.project_id

        def worker(seed: int) -> list[tuple[int, str, str]]:
            order = combos[:]
            random.Random(seed).shuffle(order)
            results = []
            for i, (t, v) in enumerate(order):
                client = clients[(seed + i) % 2]
                r = client.post(
                    f"/projects/{project}/prompt-templates/name/t{t}/versions",
                    params={"create_template_if_not_exists": "true"},
                    json=_body(t, v),
                )
                results.append(
                    (r.status_code, f"t{t}/v{v}", r.json()["prompt_template_version_id"])
                )
            return results

        with ThreadPoolExecutor(THREADS) as pool:
            results = [r for batch in pool.map(worker, range(THREADS)) for r in batch]

    assert len(results) == THREADS * len(combos) == 400
    assert Counter(status for status, _, _ in results) == {201: 400}
    ids_per_combo: dict[str, set[str]] = {}
    for _, combo, version_id in results:
        ids_per_combo.setdefault(combo, set()).add(version_id)
    assert all(len(ids) == 1 for ids in ids_per_combo.values()), "a version was duplicated"
    assert len({next(iter(ids)) for ids in ids_per_combo.values()}) == TEMPLATES * VARIANTS

    with running_emulator(db, environments=ENVS) as again, again.client() as client:
        base = f"/projects/{again.project_id}/prompt-templates"
        templates = client.get(base, params={"page_size": 100}).json()["data"]
        assert sorted(t["name"] for t in templates) == sorted(f"t{t}" for t in range(TEMPLATES))
        total = 0
        for template in templates:
            versions = client.get(
                f"{base}/id/{template['id']}/versions", params={"page_size": 100}
            ).json()["data"]
            total += len(versions)
        assert total == TEMPLATES * VARIANTS
        for v, env in enumerate(ENVS):
            deployed = client.get(f"{base}/all/{env}").json()["prompt_templates"]
            assert {d["prompt_template_version_id"] for d in deployed} == {
                next(iter(ids_per_combo[f"t{t}/v{v}"])) for t in range(TEMPLATES)
            }


def test_state_survives_restart(tmp_path: Path) -> None:
    db = tmp_path / "emulator.sqlite"
    body = {
        "template_messages": [{"role": "user", "content": "hi"}],
        "provider": "openai",
        "model": "gpt-4o",
        "environments": ["prod"],
    }
    with running_emulator(db, environments=["qa"]) as fp, fp.client() as client:
        created = client.post(
            f"/projects/{fp.project_id}/prompt-templates/name/keep/versions",
            params={"create_template_if_not_exists": "true"},
            json=body,
        ).json()
        before = client.get(f"/projects/{fp.project_id}/prompt-templates/all/prod").json()
    with running_emulator(db) as fp, fp.client() as client:
        after = client.get(f"/projects/{fp.project_id}/prompt-templates/all/prod").json()
        envs = [e["name"] for e in client.get("/environments").json()["data"]]
    assert after == before
    assert (
        after["prompt_templates"][0]["prompt_template_version_id"]
        == (created["prompt_template_version_id"])
    )
    assert envs == ["latest", "dev", "staging", "prod", "qa"]


def test_in_memory_database_is_allowed() -> None:
    with running_emulator(":memory:") as fp:
        r = httpx.get(
            f"{fp.url}/api/v2/projects/all", headers={"Authorization": f"Bearer {fp.api_key}"}
        )
        assert r.status_code == 200


def test_database_problem_in_process(tmp_path: Path) -> None:
    from promptsync.emulator import DatabaseProblem

    (tmp_path / "text.db").write_text("plain text", encoding="utf-8")
    with pytest.raises(DatabaseProblem) as caught, running_emulator(tmp_path / "text.db"):
        pass
    assert (caught.value.path, caught.value.problem) == (
        str(tmp_path / "text.db"),
        "not an SQLite database",
    )


def test_completions_survive_restart(tmp_path: Path) -> None:
    db = tmp_path / "emulator.sqlite"
    session = "85d7d393-4e85-4664-8598-5dd91dc75b5b"
    record = {
        "messages": [{"role": "user", "content": "q"}, {"role": "assistant", "content": "a"}],
        "inputs": {"topic": "weather"},
        "call_info": {"start_time": 1_720_190_000.721, "end_time": 1_720_190_002.5},
    }
    search = {"filters": {"field": "completion_inputs.topic", "op": "contains", "value": "weath"}}
    with running_emulator(db) as fp, fp.client() as client:
        recorded = client.post(
            f"/projects/{fp.project_id}/sessions/{session}/completions", json=record
        )
        before = client.post(f"/projects/{fp.project_id}/search/completions", json=search).json()
    with running_emulator(db) as fp, fp.client() as client:
        after = client.post(f"/projects/{fp.project_id}/search/completions", json=search).json()
    assert after == before
    assert [c["completion_id"] for c in after["data"]] == [recorded.json()["completion_id"]]
    assert after["data"][0]["completion_metadata"]["start_time"] == "2024-07-05T14:33:20.721000"


def test_datasets_and_test_runs_survive_restart(tmp_path: Path) -> None:
    from tests.emulator.datasets import RUN, RUNS, C, D, path, support_dataset

    db = tmp_path / "emulator.sqlite"
    with running_emulator(db) as fp, fp.client() as client:
        dataset_id, created = support_dataset(fp)
        run = client.post(path(fp, RUNS), json={"dataset_name": "support_cases"}).json()
        before = [
            client.get(path(fp, D)).json(),
            client.get(path(fp, C, dataset_id=dataset_id)).json(),
            client.get(path(fp, RUNS)).json(),
            client.get(path(fp, RUN, test_run_id=run["test_run_id"])).json(),
        ]
    with running_emulator(db) as fp, fp.client() as client:
        after = [
            client.get(path(fp, D)).json(),
            client.get(path(fp, C, dataset_id=dataset_id)).json(),
            client.get(path(fp, RUNS)).json(),
            client.get(path(fp, RUN, test_run_id=run["test_run_id"])).json(),
        ]
        # The run's test cases are still the run's: a completion may name them.
        recorded = client.post(
            f"/projects/{fp.project_id}/sessions/{uuid.uuid4()}/completions",
            json={
                "messages": [{"role": "user", "content": "q"}],
                "test_run_info": {
                    "test_run_id": run["test_run_id"],
                    "test_case_id": created[0]["id"],
                },
            },
        )
    assert after == before
    assert [c["id"] for c in after[1]["data"]] == [c["id"] for c in created]
    assert recorded.status_code == 201


def test_concurrent_dataset_creates_make_one(tmp_path: Path) -> None:
    from tests.emulator.datasets import D, path

    with running_emulator(tmp_path / "state.sqlite") as fp:

        def create(_: int) -> int:
            with fp.client(timeout=30) as client:
                return client.post(path(fp, D), json={"name": "same"}).status_code

        with ThreadPoolExecutor(THREADS) as pool:
            statuses = Counter(pool.map(create, range(THREADS)))
        with fp.client() as client:
            listed = client.get(path(fp, D)).json()["data"]
    assert statuses == {201: 1, 400: THREADS - 1}
    assert [d["name"] for d in listed] == ["same"]
