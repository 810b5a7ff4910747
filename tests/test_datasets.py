"""Datasets as code: the planner with literal inputs; files with located errors; plan, apply,
pull and saved plans against both emulators over a real socket; faults without duplicates; and
the official freeplay SDK's test run returning exactly the applied test cases."""

from __future__ import annotations

import json
import shutil
from collections import Counter
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from freeplay import Freeplay

from promptsync.backends.freeplay.datasets import FreeplayDatasets
from promptsync.backends.http import HttpSession
from promptsync.emulator import RunningEmulator, running_emulator
from promptsync.emulator.faults import FaultConfig
from promptsync.kinds.datasets.changes import AddTestCases, TestCaseData
from promptsync.kinds.datasets.desired import DatasetSource
from promptsync.kinds.datasets.identity import case_content, case_hash
from promptsync.kinds.datasets.planner import plan_datasets
from promptsync.kinds.datasets.remote import RemoteCase, RemoteDataset, RemoteDatasets
from tests.conftest import REPO, RunCli

# --- the planner, with literal inputs -----------------------------------------------------------


def source(*cases: dict[str, Any], name: str = "qa", declared: bool = True) -> DatasetSource:
    contents = tuple(case_content(**c) for c in cases)
    return DatasetSource(
        path=f"datasets/{name}.yaml",
        name=name,
        description=None,
        input_names=("q",),
        declared_inputs=declared,
        cases=contents,
        case_places=tuple(f"datasets/{name}.yaml:{i + 4}" for i in range(len(cases))),
    )


def remote(*cases: dict[str, Any], name: str = "qa") -> RemoteDataset:
    made = [case_content(**c) for c in cases]
    return RemoteDataset(
        name=name,
        dataset_id="d1",
        input_names=("q",),
        cases=tuple(RemoteCase(f"c{i}", m, case_hash(m)) for i, m in enumerate(made)),
    )


def test_a_new_dataset_is_created_with_its_cases() -> None:
    plan = plan_datasets([source({"inputs": {"q": "a"}})], RemoteDatasets(), versioned=False)
    [change] = plan.changes
    assert (change.action, change.cases.added) == ("create", 1)
    assert [op.op for op in change.operations] == ["create_dataset", "add_test_cases"]
    assert plan.summary.create == 1


def test_cases_are_added_removed_and_changed_by_content() -> None:
    file = source(
        {"inputs": {"q": "same"}},
        {"inputs": {"q": "edited"}, "output": "new"},
        {"inputs": {"q": "added"}},
    )
    there = remote(
        {"inputs": {"q": "same"}},
        {"inputs": {"q": "edited"}, "output": "old"},
        {"inputs": {"q": "gone"}},
    )
    plan = plan_datasets([file], RemoteDatasets({"qa": there}), versioned=False)
    [change] = plan.changes
    assert change.cases.model_dump() == {"added": 1, "removed": 1, "changed": 1, "unchanged": 1}
    [edited] = change.case_changes
    assert (edited.before.output, edited.after.output) == ("old", "new")
    ops = {op.op: op for op in change.operations}
    assert ops["delete_test_cases"].test_case_ids == ["c1", "c2"]  # type: ignore[union-attr]
    assert len(ops["add_test_cases"].cases) == 2  # type: ignore[union-attr]


def test_a_versioned_registry_publishes_the_whole_set() -> None:
    file = source({"inputs": {"q": "a"}}, {"inputs": {"q": "b"}})
    there = remote({"inputs": {"q": "a"}})
    plan = plan_datasets([file], RemoteDatasets({"qa": there}), versioned=True)
    [op] = plan.changes[0].operations
    assert op.op == "publish_dataset_version"
    assert len(op.cases) == 2


def test_no_change_and_orphans() -> None:
    file = source({"inputs": {"q": 1.0}})
    there = remote({"inputs": {"q": 1}})  # 1 == 1.0
    plan = plan_datasets([file], RemoteDatasets({"qa": there}, {"other": "d2"}), versioned=False)
    assert plan.changes == []
    assert [(o.name, o.dataset_id) for o in plan.orphans] == [("other", "d2")]
    assert plan.summary.no_op == 1


def test_a_duplicate_remote_case_is_removed() -> None:
    file = source({"inputs": {"q": "a"}})
    there = remote({"inputs": {"q": "a"}}, {"inputs": {"q": "a"}})
    [change] = plan_datasets([file], RemoteDatasets({"qa": there}), versioned=False).changes
    assert change.cases.removed == 1
    assert change.operations[0].op == "delete_test_cases"


# --- files ---------------------------------------------------------------------------------------


@pytest.fixture
def fp() -> Iterator[RunningEmulator]:
    with running_emulator() as emulator:
        yield emulator


@pytest.fixture
def project(isolated: Path, fp: RunningEmulator, monkeypatch: pytest.MonkeyPatch) -> Path:
    shutil.copytree(REPO / "prompts", isolated / "prompts")
    shutil.copytree(REPO / "datasets", isolated / "datasets")
    (isolated / "promptsync.yaml").write_text(
        f"project_id: {fp.project_id}\napi_url: {fp.url}\nenvironments: [staging, prod]\n",
        encoding="utf-8",
    )
    monkeypatch.setenv("FREEPLAY_API_KEY", fp.api_key)
    return isolated


def test_every_problem_of_every_dataset_file_is_reported_at_once(
    project: Path, run_cli: RunCli
) -> None:
    (project / "datasets" / "broken.yaml").write_text(
        "name: broken\n"
        "input_names: [q]\n"
        "test_cases:\n"
        "  - inputs: {q: a}\n"
        "  - inputs: {q: a}\n"
        "  - inputs: {x: 1}\n",
        encoding="utf-8",
    )
    (project / "datasets" / "lines.yaml").write_text(
        "name: lines\ncases_file: lines.jsonl\n", encoding="utf-8"
    )
    (project / "datasets" / "lines.jsonl").write_text(
        '{"inputs": {"q": "a"}}\n{"inputs": {"q": "b"}, "outptu": "x"}\n{oops\n',
        encoding="utf-8",
    )
    (project / "datasets" / "neither.yaml").write_text("name: neither\n", encoding="utf-8")
    code, _, err = run_cli("validate")
    assert code == 1
    assert err.splitlines() == [
        "error: datasets/broken.yaml:5:1: duplicate test case: the same as datasets/broken.yaml:4",
        "error: datasets/broken.yaml:6:1: input 'x' is not in input_names: q",
        "error: datasets/lines.jsonl:2:24: unknown key 'outptu' (did you mean 'output'?)",
        "error: datasets/lines.jsonl:3:2: not valid JSON: Expecting property name enclosed in"
        " double quotes",
        "error: datasets/neither.yaml:1:1: a dataset needs test_cases (a list) or cases_file (a"
        " JSON Lines file)",
        "5 errors in 3 file(s).",
    ]


def test_oversized_dataset_and_eval_files_are_refused_unread(
    project: Path, run_cli: RunCli
) -> None:
    big = "name: big\ninput_names: [q]\ntest_cases:\n" + "  - inputs: {q: aaaaaaaaaa}\n" * 40_000
    (project / "datasets" / "big.yaml").write_text(big, encoding="utf-8")
    (project / "evals").mkdir(exist_ok=True)
    (project / "evals" / "big.yaml").write_text("#" * (1024 * 1024 + 1), encoding="utf-8")
    code, _, err = run_cli("validate")
    assert code == 1
    size = len(big.encode())
    assert (
        f"error: datasets/big.yaml:1:1: file is {size:,} bytes; the limit is 1 MiB (put the test"
        " cases in a cases_file)"
    ) in err
    assert "error: evals/big.yaml:1:1: file is 1,048,577 bytes; the limit is 1 MiB" in err


def test_validate_counts_datasets(project: Path, run_cli: RunCli) -> None:
    code, out, _ = run_cli("validate")
    assert code == 0
    assert out.splitlines()[-1] == "datasets: 1 dataset(s), 3 test case(s) valid."


# --- plan and apply on Freeplay ----------------------------------------------------------------


def _get(client: Any, path: str, params: dict[str, Any]) -> Any:
    """A read that outlasts the emulator's injected faults."""
    for _ in range(50):
        try:
            response = client.get(path, params=params)
        except Exception:
            continue
        if response.status_code == 200:
            return response.json()
    raise AssertionError(f"GET {path} kept failing")


def cases_of(fp: RunningEmulator, name: str) -> list[dict[str, Any]]:
    base = f"/projects/{fp.project_id}/prompt-datasets"
    with fp.client() as client:
        dataset = _get(client, base, {"name": name})["data"][0]
        found: list[dict[str, Any]] = []
        page = 1
        while True:
            body = _get(
                client, f"{base}/{dataset['id']}/test-cases", {"page": page, "page_size": 100}
            )
            found += body["data"]
            if not body["pagination"]["has_next"]:
                return found
            page += 1


def test_plan_apply_edit_and_the_sdk_test_run(
    project: Path, fp: RunningEmulator, run_cli: RunCli
) -> None:
    code, out, _ = run_cli("plan", "--detailed-exitcode")
    assert code == 2
    assert "+ dataset support_cases   [create]" in out
    assert "Datasets: 1 to create, 0 to update (test cases: +3 -0 ~0)." in out
    code, out, err = run_cli("apply", "--auto-approve", "--retry-delay", "0")
    assert code == 0, err
    assert "datasets: 1 created, 0 updated. Remote verified." in out
    assert run_cli("plan", "--detailed-exitcode")[0] == 0
    # The official SDK creates a test run from the dataset: exactly the file's test cases.
    sdk = Freeplay(freeplay_api_key=fp.api_key, api_base=f"{fp.url}/api")
    run = sdk.test_runs.create(fp.project_id, testlist="support_cases", include_outputs=True)
    got = sorted((c.variables["question"], c.output) for c in run.test_cases)
    assert got == [
        ("Can I get a refund?", "Yes: refunds are possible within 14 days of purchase."),
        (
            "Can I pay by invoice?",
            "That is not in the knowledge base; I can open a ticket for you.",
        ),
        ("Do plans renew every year?", "No, plans renew monthly."),
    ]
    path = project / "datasets" / "support_cases.yaml"
    path.write_text(
        path.read_text(encoding="utf-8").replace("No, plans renew monthly.", "Monthly."),
        encoding="utf-8",
    )
    code, out, _ = run_cli("plan", "--format", "json")
    [change] = [c for c in json.loads(out)["changes"] if c["kind"] == "dataset"]
    assert change["cases"] == {"added": 0, "removed": 0, "changed": 1, "unchanged": 2}
    assert change["case_changes"][0]["after"]["output"] == "Monthly."
    fp.stats.reset()
    code, _, err = run_cli("apply", "--auto-approve")
    assert code == 0, err
    assert run_cli("plan", "--detailed-exitcode")[0] == 0
    assert len(cases_of(fp, "support_cases")) == 3


def test_plan_requests_one_listing_per_dataset(
    project: Path, fp: RunningEmulator, run_cli: RunCli
) -> None:
    assert run_cli("apply", "--auto-approve")[0] == 0
    fp.stats.reset()
    assert run_cli("plan")[0] == 0
    routes = fp.stats.routes
    assert routes["GET /api/v2/projects/{project_id}/prompt-datasets"] == 1
    assert routes["GET /api/v2/projects/{project_id}/prompt-datasets/{dataset_id}/test-cases"] == 1


def test_a_thousand_new_cases_take_eleven_requests(
    project: Path, fp: RunningEmulator, run_cli: RunCli
) -> None:
    lines = "".join(json.dumps({"inputs": {"n": i}}) + "\n" for i in range(1000))
    (project / "datasets" / "big.jsonl").write_text(lines, encoding="utf-8")
    (project / "datasets" / "big.yaml").write_text(
        "name: big\ncases_file: big.jsonl\n", encoding="utf-8"
    )
    assert run_cli("apply", "--auto-approve")[0] == 0
    bulk = "POST /api/v2/projects/{project_id}/prompt-datasets/{dataset_id}/test-cases/bulk"
    assert fp.stats.routes[bulk] == 10 + 1  # big: ten bulks of 100; support_cases: one
    listing = "GET /api/v2/projects/{project_id}/prompt-datasets/{dataset_id}/test-cases"
    assert fp.stats.routes.get(listing, 0) == 0  # new datasets, verified from the answers
    assert len(cases_of(fp, "big")) == 1000


def _bulk_server(
    answer: Callable[[list[Any]], list[Any]], time_out_first: bool = False
) -> FreeplayDatasets:
    """A Freeplay whose bulk create answers with `answer(sent cases)` (the first one, with
    `time_out_first`, times out uncommitted) and whose datasets list no test cases."""
    posts: list[int] = []

    def handler(request: httpx.Request) -> httpx.Response:
        if request.method == "GET":
            return httpx.Response(200, json={"data": [], "pagination": {"has_next": False}})
        posts.append(1)
        if time_out_first and len(posts) == 1:
            raise httpx.ReadTimeout("timed out", request=request)
        sent = json.loads(request.content)["data"]
        return httpx.Response(201, json={"data": answer(sent)})

    session = HttpSession(
        "http://fp.test/api/v2", {}, transport=httpx.MockTransport(handler), retry_delay=0
    )
    return FreeplayDatasets(session, "/projects/p")


def test_a_new_dataset_is_known_only_when_every_answer_echoes_its_cases() -> None:
    cases = [TestCaseData(inputs={"n": i}, metadata={"k": "v"}) for i in range(150)]
    op = AddTestCases(name="d", dataset_id=None, cases=cases)
    echo = lambda sent: [{"id": f"c{i}", **c} for i, c in enumerate(sent)]  # noqa: E731
    echoing = _bulk_server(echo)
    echoing.add(op, "ds1", fresh=True)
    assert echoing.known == {"d": Counter(case_hash(c.model_dump()) for c in cases)}
    # A registry that stores less than it was sent (here: drops metadata), an answer without
    # the cases, or a bulk that timed out and was sent again after a re-read (the first might
    # still land): apply's verification lists the dataset again, and sees any difference.
    lossy = _bulk_server(lambda sent: [{"id": "x", "inputs": c["inputs"]} for c in sent])
    lossy.add(op, "ds1", fresh=True)
    silent = _bulk_server(lambda _sent: [])
    silent.add(op, "ds1", fresh=True)
    resent = _bulk_server(echo, time_out_first=True)
    resent.add(op, "ds1", fresh=True)
    assert lossy.known == silent.known == resent.known == {}


def test_apply_lists_a_known_dataset_again_when_it_differs_from_the_plan(
    project: Path, fp: RunningEmulator, run_cli: RunCli
) -> None:
    """The answers say what the dataset holds; apply compares that with the plan's test cases
    (a saved plan whose adds were cut short is caught by the verification, not trusted)."""
    assert run_cli("plan", "--out", "plan.json")[0] == 0
    saved = json.loads((project / "plan.json").read_text(encoding="utf-8"))
    [change] = [c for c in saved["changes"] if c["kind"] == "dataset"]
    [add] = [o for o in change["operations"] if o["op"] == "add_test_cases"]
    add["cases"] = add["cases"][:-1]
    (project / "plan.json").write_text(json.dumps(saved), encoding="utf-8")
    fp.stats.reset()
    code, out, err = run_cli("apply", "plan.json")
    listing = "GET /api/v2/projects/{project_id}/prompt-datasets/{dataset_id}/test-cases"
    assert fp.stats.routes.get(listing, 0) == 1, (out, err)
    assert code == 1
    assert (
        "Remote does not match the plan: support_cases in dataset: holds 2 test case(s),"
        " expected 3 (1 missing, 0 not in the file)"
    ) in out


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_faults_never_duplicate_a_test_case(
    isolated: Path, run_cli: RunCli, monkeypatch: pytest.MonkeyPatch, seed: int
) -> None:
    faults = FaultConfig(fail_rate=0.2, fail_after_commit_rate=0.1, drop_rate=0.05, seed=seed)
    with running_emulator(faults=faults) as fp:
        (isolated / "promptsync.yaml").write_text(
            f"project_id: {fp.project_id}\napi_url: {fp.url}\nenvironments: [staging, prod]\n",
            encoding="utf-8",
        )
        (isolated / "prompts").mkdir()
        (isolated / "datasets").mkdir()
        for n in range(3):
            lines = "".join(json.dumps({"inputs": {"n": i}}) + "\n" for i in range(250))
            (isolated / "datasets" / f"d{n}.jsonl").write_text(lines, encoding="utf-8")
            (isolated / "datasets" / f"d{n}.yaml").write_text(
                f"name: d{n}\ncases_file: d{n}.jsonl\n", encoding="utf-8"
            )
        monkeypatch.setenv("FREEPLAY_API_KEY", fp.api_key)
        for _ in range(2):  # converged within two applies
            if run_cli("apply", "--auto-approve", "--retry-delay", "0")[0] == 0:
                break
        code, out, err = run_cli("plan", "--detailed-exitcode", "--retry-delay", "0")
        assert code == 0, out + err
        for n in range(3):
            counts = Counter(json.dumps(c["inputs"]) for c in cases_of(fp, f"d{n}"))
            assert len(counts) == 250
            assert max(counts.values()) == 1


def test_a_saved_plan_is_stale_when_the_dataset_changed(
    project: Path, fp: RunningEmulator, run_cli: RunCli
) -> None:
    assert run_cli("plan", "--out", "plan.json")[0] == 0
    assert run_cli("apply", "plan.json")[0] == 0
    assert run_cli("apply", "plan.json")[1].startswith("The saved plan is already applied")
    path = project / "datasets" / "support_cases.yaml"
    path.write_text(path.read_text(encoding="utf-8").replace("Monthly", "M"), encoding="utf-8")
    path.write_text(
        path.read_text(encoding="utf-8").replace("No, plans renew monthly.", "Monthly."),
        encoding="utf-8",
    )
    assert run_cli("plan", "--out", "plan.json")[0] == 0
    [case] = [c for c in cases_of(fp, "support_cases") if c["output"] == "No, plans renew monthly."]
    base = f"/projects/{fp.project_id}/prompt-datasets"
    with fp.client() as client:  # someone deletes that test case in the UI meanwhile
        dataset = client.get(base, params={"name": "support_cases"}).json()["data"][0]
        client.request(
            "DELETE",
            f"{base}/{dataset['id']}/test-cases/bulk",
            json={"test_case_ids": [case["id"]]},
        )
    code, _, err = run_cli("apply", "plan.json")
    assert code == 1
    assert err.startswith("error: Saved plan is stale: dataset(s) support_cases changed")


def test_pull_writes_datasets_and_plan_says_no_changes(
    project: Path, fp: RunningEmulator, run_cli: RunCli
) -> None:
    assert run_cli("apply", "--auto-approve")[0] == 0
    shutil.rmtree(project / "datasets")
    code, out, err = run_cli("pull", "--force")
    assert code == 0, err
    assert "  + datasets/support_cases.yaml" in out
    assert run_cli("validate")[0] == 0
    assert run_cli("plan", "--detailed-exitcode")[0] == 0


# --- PromptLayer ---------------------------------------------------------------------------------


def test_promptlayer_datasets_are_versions(
    isolated: Path, run_cli: RunCli, monkeypatch: pytest.MonkeyPatch
) -> None:
    with running_emulator(backend="promptlayer") as pl:
        shutil.copytree(REPO / "examples" / "promptlayer" / "prompts", isolated / "prompts")
        shutil.copytree(REPO / "examples" / "promptlayer" / "datasets", isolated / "datasets")
        (isolated / "promptsync.yaml").write_text(
            f"backend: promptlayer\napi_url: {pl.url}\nenvironments: [staging, prod]\n",
            encoding="utf-8",
        )
        monkeypatch.setenv("PROMPTLAYER_API_KEY", pl.api_key)
        assert run_cli("apply", "--auto-approve")[0] == 0
        assert run_cli("plan", "--detailed-exitcode")[0] == 0
        path = isolated / "datasets" / "support_cases.yaml"
        path.write_text(
            path.read_text(encoding="utf-8").replace("No, plans renew monthly.", "Monthly."),
            encoding="utf-8",
        )
        out = run_cli("plan")[1]
        assert "compared with version 1" in out
        assert run_cli("apply", "--auto-approve")[0] == 0
        with pl.client() as client:
            versions = client.get("/api/public/v2/datasets", params={"per_page": 100}).json()
        numbers = sorted(
            d["version_number"] for d in versions["datasets"] if d["version_number"] > 0
        )
        assert numbers == [1, 2]  # a new version, the first kept
        assert run_cli("plan", "--detailed-exitcode")[0] == 0
        shutil.rmtree(isolated / "datasets")
        assert run_cli("pull", "--force")[0] == 0
        assert run_cli("plan", "--detailed-exitcode")[0] == 0
