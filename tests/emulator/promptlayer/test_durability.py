"""Concurrent publishers never lose or duplicate a version; state survives a restart."""

from __future__ import annotations

from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from contextlib import ExitStack
from pathlib import Path

import httpx

from promptsync.emulator import emulator_subprocess, running_emulator
from promptsync.emulator.promptlayer.store import Store
from tests.emulator.promptlayer.wire import (
    chat,
    found,
    get,
    labels,
    listing,
    log,
    new_group,
    publish_body,
    text_of,
    upload,
    where,
)

TEMPLATES = 4
PER_THREAD = 15
THREADS = 8


def test_concurrent_publishes_from_two_processes_make_exactly_n_versions(tmp_path: Path) -> None:
    db = tmp_path / "state.sqlite"
    with ExitStack() as stack:
        # Two emulators on one database file, one in this process and one in its own: writers
        # that only SQLite's locking keeps apart.
        here = stack.enter_context(running_emulator(db, backend="promptlayer"))
        _proc, there = stack.enter_context(
            emulator_subprocess("--db", str(db), backend="promptlayer")
        )
        headers = {"X-API-KEY": here.api_key}
        clients = [
            stack.enter_context(here.client(timeout=30)),
            stack.enter_context(httpx.Client(base_url=there, headers=headers, timeout=30)),
        ]

        def worker(thread: int) -> list[tuple[int, str, int, int]]:
            results = []
            for i in range(PER_THREAD):
                name = f"t{(thread + i) % TEMPLATES}"
                body = publish_body(name, chat(f"{thread}/{i}"), labels=["prod"])
                r = clients[(thread + i) % 2].post("/rest/prompt-templates", json=body)
                data = r.json()
                results.append((r.status_code, name, data["version_number"], data["id"]))
            return results

        with ThreadPoolExecutor(THREADS) as pool:
            results = [r for batch in pool.map(worker, range(THREADS)) for r in batch]

    n = THREADS * PER_THREAD
    assert Counter(status for status, *_ in results) == {200: n}
    numbers: dict[str, list[int]] = {}
    for _status, name, number, _tid in results:
        numbers.setdefault(name, []).append(number)
    per_template = Counter(name for _s, name, _n, _t in results)
    for name, got in numbers.items():
        assert sorted(got) == list(range(1, per_template[name] + 1)), name  # no gap, no repeat
    assert len({(name, tid) for _s, name, _n, tid in results}) == TEMPLATES  # one id per name

    with running_emulator(db, backend="promptlayer") as again, again.client() as client:
        listed = listing(client, per_page=100)
        assert listed["total"] == TEMPLATES
        assert sum(item["version"] for item in listed["items"]) == n
        for item in listed["items"]:
            # Every publish moved prod: it ends on the template's newest version.
            assert labels(client, item["prompt_name"]) == {"prod": item["version"]}


def test_state_survives_restart(tmp_path: Path) -> None:
    db = tmp_path / "emulator.sqlite"
    keys = ["first-key", "second-key"]
    with running_emulator(db, backend="promptlayer", api_keys=keys) as pl, pl.client() as client:
        client.post(
            "/rest/prompt-templates", json=publish_body("keep", chat("v1"), labels=["prod"])
        )
        client.post("/rest/prompt-templates", json=publish_body("keep", chat("v2"), tags=["t"]))
        before = client.get("/prompt-templates/keep").json()
    # Keys in another order: each keeps its own workspace.
    with running_emulator(db, backend="promptlayer", api_keys=keys[::-1]) as pl:
        client = httpx.Client(base_url=pl.url, headers={"X-API-KEY": "first-key"})
        after = client.get("/prompt-templates/keep").json()
        assert after == before
        assert text_of(get(client, "keep", label="prod")["prompt_template"]) == "v1"
        assert labels(client, "keep") == {"prod": 1}
        other = httpx.get(f"{pl.url}/prompt-templates", headers={"X-API-KEY": "second-key"})
        assert other.json()["total"] == 0
        client.close()


def test_in_memory_database_keeps_nothing() -> None:
    for _ in range(2):
        with running_emulator(":memory:", backend="promptlayer") as pl, pl.client() as client:
            assert listing(client)["total"] == 0
            client.post("/rest/prompt-templates", json=publish_body("x"))
            assert listing(client)["total"] == 1


def test_stores_sharing_a_file_never_number_twice(tmp_path: Path) -> None:
    # One connection per thread, as separate processes would have: only the transaction keeps
    # two publishers from both reading "highest is 5" and both writing 6.
    db = str(tmp_path / "shared.sqlite")
    stores = [Store(db) for _ in range(THREADS)]
    workspace = stores[0].workspace("k")
    template = chat("same")

    def worker(store: Store) -> list[int]:
        content = {"prompt_template": template, "metadata": None, "commit_message": None}
        return [
            store.publish(workspace, "hot", None, content, ["prod"], []).number
            for _ in range(PER_THREAD * 2)
        ]

    try:
        with ThreadPoolExecutor(THREADS) as pool:
            numbers = [n for batch in pool.map(worker, stores) for n in batch]
    finally:
        for store in stores:
            store.close()
    assert sorted(numbers) == list(range(1, THREADS * PER_THREAD * 2 + 1))


def test_request_logs_and_scores_survive_restart(tmp_path: Path) -> None:
    db = tmp_path / "emulator.sqlite"
    with running_emulator(db, backend="promptlayer") as pl, pl.client() as client:
        client.post("/rest/prompt-templates", json=publish_body("keep", chat("v1")))
        first = log(client, prompt_name="keep", prompt_input_variables={"q": "?"})
        client.post("/rest/track-score", json={"request_id": first, "score": 60})
        before = client.get(f"/api/public/v2/requests/{first}").json()
    with running_emulator(db, backend="promptlayer") as pl, pl.client() as client:
        assert client.get(f"/api/public/v2/requests/{first}").json() == before
        assert found(client, where("prompt_version_number", "is", 1)) == [first]
        assert log(client) == first + 1  # ids go on from where they were


def test_dataset_versions_survive_restart_and_concurrent_uploads_never_share_a_number(
    tmp_path: Path,
) -> None:
    db = tmp_path / "emulator.sqlite"
    with ExitStack() as stack:
        here = stack.enter_context(running_emulator(db, backend="promptlayer"))
        _proc, there = stack.enter_context(
            emulator_subprocess("--db", str(db), backend="promptlayer")
        )
        clients = [
            stack.enter_context(here.client(timeout=30)),
            stack.enter_context(
                httpx.Client(base_url=there, headers={"X-API-KEY": here.api_key}, timeout=30)
            ),
        ]
        group = new_group(clients[0], "cases")["dataset_group"]["id"]

        def worker(thread: int) -> list[int]:
            return [
                upload(clients[(thread + i) % 2], group, "c.csv", f"n\n{thread}-{i}\n").json()[
                    "dataset_id"
                ]
                for i in range(3)
            ]

        with ThreadPoolExecutor(4) as pool:
            ids = [i for batch in pool.map(worker, range(4)) for i in batch]
        before = clients[0].get("/api/public/v2/datasets", params={"per_page": 100}).json()
    with running_emulator(db, backend="promptlayer") as pl, pl.client() as client:
        after = client.get("/api/public/v2/datasets", params={"per_page": 100}).json()
        cells = {
            client.get(f"/api/public/v2/datasets/{i}/rows").json()["rows"][0][0]["value"]
            for i in ids
        }
    assert after == before
    assert sorted(d["version_number"] for d in after["datasets"]) == list(range(1, 13))
    assert sorted(d["id"] for d in after["datasets"]) == sorted(ids)  # the draft was filled
    assert len(cells) == 12  # each version holds its own upload
