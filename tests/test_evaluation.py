"""Evaluation: the checks and the gate with literal inputs; rendering; and `plan --eval` /
`promptsync eval` end to end against the emulator's model endpoints over a real socket, through
the official anthropic and openai SDKs."""

from __future__ import annotations

import json
import shutil
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from promptsync.emulator import RunningEmulator, running_emulator
from promptsync.emulator.faults import FaultConfig
from promptsync.emulator.models_api import ModelSettings
from promptsync.evaluate.cache import ResponseCache
from promptsync.evaluate.calls import ModelClients
from promptsync.evaluate.checks import Answer, score
from promptsync.evaluate.models import EvalFile
from promptsync.evaluate.render import render
from promptsync.evaluate.run import EvalOptions, EvalTarget, evaluate, sample
from promptsync.interrupts import Interrupted
from promptsync.kinds.datasets.desired import DatasetSource
from promptsync.kinds.datasets.identity import case_content
from tests.conftest import REPO, RunCli

KEY = "sk-ant-EVAL-KEY-MARKER"

# --- pure parts ---------------------------------------------------------------------------------


def spec(*checks: dict[str, Any], gate: dict[str, Any] | None = None) -> EvalFile:
    data: dict[str, Any] = {"template": "t", "dataset": "d", "checks": list(checks)}
    if gate:
        data["gate"] = gate
    return EvalFile.model_validate(data)


CASE = case_content({"product": "Acme", "n": 2}, output="  Hello   Acme ")


@pytest.mark.parametrize(
    ("check", "text", "passed"),
    [
        ({"contains": "{{product}}"}, "We are Acme.", True),
        ({"contains": "{{product}}"}, "We are Foo.", False),
        ({"not_contains": "as an AI"}, "as an AI model", False),
        ({"regex": "^[A-Z]"}, "Yes", True),
        ({"regex": "^[A-Z]"}, "yes", False),
        ({"max_chars": 5}, "123456", False),
        ({"equals_expected": True}, "Hello Acme", True),
        ({"json_schema": {"type": "object", "required": ["a"]}}, '{"a": 1}', True),
        ({"json_schema": {"type": "object", "required": ["a"]}}, '{"b": 1}', False),
        ({"json_schema": "output_schema"}, "not json", False),
        ({"tool_called": "lookup"}, "", False),
    ],
)
def test_each_check(check: dict[str, Any], text: str, passed: bool) -> None:
    result = score(spec(check).checks, Answer(text), CASE, None, [])
    assert result.passed is passed


def test_tool_called_and_the_judge() -> None:
    checks = spec(
        {"tool_called": "lookup"}, {"judge": {"rubric": "r", "model": "m", "provider": "openai"}}
    ).checks
    assert score(checks, Answer("", ("lookup",)), CASE, None, [True]).passed
    failed = score(checks, Answer("", ("lookup",)), CASE, None, [False])
    assert failed.failed_checks == ("judge: r",)


def test_sampling_is_deterministic() -> None:
    cases = [case_content({"i": i}) for i in range(10)]
    assert sample(cases, 3) == sample(list(reversed(cases)), 3)
    assert len(sample(cases, None)) == 10


def test_rendering_binds_as_the_registry_does_and_places_history() -> None:
    content: dict[str, Any] = {
        "messages": [
            {"role": "system", "content": "Help with {{product}}."},
            {"kind": "history"},
            {"role": "user", "content": "{{q}}"},
        ],
        "provider": "anthropic",
        "model": "m",
        "llm_parameters": {"temperature": 0},
        "tool_schema": None,
        "output_schema": None,
    }
    case = case_content(
        {"product": "Acme", "q": {"a": 1}}, history=[{"role": "user", "content": "hi"}]
    )
    request = render(content, case)
    assert request.messages == (
        {"role": "system", "content": "Help with Acme."},
        {"role": "user", "content": "hi"},
        {"role": "user", "content": '{"a":1}'},  # mustache as Freeplay's SDK: compact JSON
    )
    fstring = render(
        {
            **content,
            "template_format": "f-string",
            "messages": [{"role": "user", "content": "{q}!"}],
        },
        case_content({"q": "x"}),
    )
    assert fstring.messages == ({"role": "user", "content": "x!"},)


# --- end to end against the emulator ------------------------------------------------------------


@pytest.fixture
def fp() -> Iterator[RunningEmulator]:
    with running_emulator() as emulator:
        yield emulator


@pytest.fixture
def project(
    isolated: Path, fp: RunningEmulator, monkeypatch: pytest.MonkeyPatch, run_cli: RunCli
) -> Path:
    for folder in ("prompts", "datasets", "evals"):
        shutil.copytree(REPO / folder, isolated / folder)
    (isolated / "promptsync.yaml").write_text(
        f"project_id: {fp.project_id}\napi_url: {fp.url}\nenvironments: [staging, prod]\n",
        encoding="utf-8",
    )
    monkeypatch.setenv("FREEPLAY_API_KEY", fp.api_key)
    monkeypatch.setenv("ANTHROPIC_API_KEY", KEY)
    monkeypatch.setenv("ANTHROPIC_BASE_URL", fp.anthropic_base_url)
    monkeypatch.setenv("OPENAI_API_KEY", KEY)
    monkeypatch.setenv("OPENAI_BASE_URL", fp.openai_base_url)
    assert run_cli("apply", "--auto-approve")[0] == 0
    return isolated


def make_longer(project: Path) -> None:
    path = project / "prompts" / "support_agent.yaml"
    text = path.read_text(encoding="utf-8")
    path.write_text(
        text.replace(
            'content: "{{question}}"',
            'content: "{{question}} Please answer in detail, with examples."',
        ),
        encoding="utf-8",
    )


def test_plan_eval_finds_the_regression_and_fails_the_gate(
    project: Path, fp: RunningEmulator, run_cli: RunCli
) -> None:
    assert run_cli("plan")[0] == 0
    assert fp.model_calls == 0  # never a call without --eval
    make_longer(project)
    code, out, err = run_cli("plan", "--eval", "--format", "json")
    assert code == 3, err
    assert "error: evaluation gate failed for support_agent: pass rate 0% is below 90%" in err
    [row] = json.loads(out)["evaluation"]["templates"]
    assert (row["cases"], row["regressed"], row["improved"]) == (3, 3, 0)
    assert (row["before"]["passed"], row["after"]["passed"]) == (3, 0)
    assert row["calls"] == 6
    assert row["test_run"]  # recorded in Freeplay
    assert KEY not in out + err
    calls = fp.model_calls
    # The same plan again: everything from the cache.
    code, out, err = run_cli("plan", "--eval", "--eval-no-gate", "--format", "markdown")
    assert code == 0, err
    assert fp.model_calls == calls
    assert "| `support_agent` | `support_cases` | 3 | 100% | 0% | -100 pp regressed |" in out
    assert KEY not in out + err
    assert run_cli("plan", "--eval", "--no-cache", "--eval-no-gate")[0] == 0
    assert fp.model_calls == calls + 6
    # The cache holds answers only, never a key.
    for entry in (project / ".promptsync" / "cache").rglob("*.json"):
        assert KEY not in entry.read_text(encoding="utf-8")


def test_without_the_eval_extra_plan_eval_says_how_to_install_it(
    project: Path, run_cli: RunCli, monkeypatch: pytest.MonkeyPatch
) -> None:
    import importlib.util

    real = importlib.util.find_spec
    monkeypatch.setattr(
        importlib.util,
        "find_spec",
        lambda name, *a: None if name == "anthropic" else real(name, *a),
    )
    make_longer(project)
    code, _, err = run_cli("plan", "--eval")
    assert (code, err) == (
        1,
        "error: plan --eval needs the eval extra: pip install 'promptsync[eval]'\n",
    )


def test_promptsync_eval_runs_the_files_as_they_are(project: Path, run_cli: RunCli) -> None:
    code, out, err = run_cli("eval")
    assert code == 0, err
    assert "support_agent on support_cases vs prod: 3 case(s), pass rate 100% -> 100%" in out
    code, out, _ = run_cli("eval", "--template", "nothing*")
    assert code == 1


def test_a_failing_provider_is_counted_never_cached(
    isolated: Path, run_cli: RunCli, monkeypatch: pytest.MonkeyPatch
) -> None:
    with running_emulator() as good, running_emulator(faults=FaultConfig(fail_rate=1.0)) as bad:
        for folder in ("prompts", "datasets", "evals"):
            shutil.copytree(REPO / folder, isolated / folder)
        (isolated / "promptsync.yaml").write_text(
            f"project_id: {good.project_id}\napi_url: {good.url}\nenvironments: [staging, prod]\n",
            encoding="utf-8",
        )
        monkeypatch.setenv("FREEPLAY_API_KEY", good.api_key)
        monkeypatch.setenv("ANTHROPIC_API_KEY", KEY)
        monkeypatch.setenv("ANTHROPIC_BASE_URL", bad.anthropic_base_url)
        assert run_cli("apply", "--auto-approve")[0] == 0
        make_longer(isolated)
        code, out, err = run_cli("plan", "--eval", "--eval-timeout", "5", "--format", "json")
        assert code == 3, err  # no case scored: the gate cannot pass
        [row] = json.loads(out)["evaluation"]["templates"]
        assert (row["after"]["errors"], row["before"]["errors"]) == (3, 3)
        assert not list((isolated / ".promptsync" / "cache" / "responses").rglob("*.json"))
        assert KEY not in out + err


def test_without_eval_files_or_cases(project: Path, run_cli: RunCli) -> None:
    shutil.rmtree(project / "evals")
    make_longer(project)
    code, out, _ = run_cli("plan", "--eval")
    assert code == 0
    assert "no evaluation files (evals/)" in out
    (project / "evals").mkdir()
    (project / "evals" / "bad.yaml").write_text(
        "template: support_agent\ndataset: nothing\nchecks: [{containz: x}]\n", encoding="utf-8"
    )
    code, _, err = run_cli("plan", "--eval")
    assert code == 1
    assert "evals/bad.yaml:3:" in err
    assert "a check is one of: contains" in err


def test_an_interrupt_stops_cleanly_and_leaves_no_partial_entry(tmp_path: Path) -> None:
    cases = tuple(case_content({"question": f"q{i}"}) for i in range(20))
    dataset = DatasetSource("d.yaml", "d", None, ("question",), True, cases, ("d.yaml:1",) * 20)
    content: dict[str, Any] = {
        "messages": [{"role": "user", "content": "{{question}}"}],
        "provider": "openai",
        "model": "gpt-4o",
        "llm_parameters": {},
        "tool_schema": None,
        "output_schema": None,
    }
    target = EvalTarget(spec({"max_chars": 100}), "e.yaml", content, dataset)
    stop = threading.Event()
    with running_emulator(faults=FaultConfig(latency_ms=50)) as fp:
        clients = ModelClients(
            {}, {"OPENAI_API_KEY": KEY, "OPENAI_BASE_URL": fp.openai_base_url}, timeout=10
        )
        seen: list[str] = []

        def progress(line: str) -> None:
            seen.append(line)
            stop.set()  # Ctrl-C after the first progress line

        cache = ResponseCache(tmp_path / "cache")
        with pytest.raises(Interrupted):
            evaluate(
                [target], clients, cache, EvalOptions(concurrency=2), progress=progress, stop=stop
            )
        assert fp.model_calls < 20
    assert not [p for p in (tmp_path / "cache").rglob("*") if p.name.endswith(".partial")]
    for entry in (tmp_path / "cache").rglob("*.json"):
        assert json.loads(entry.read_text())["text"].startswith("echo: q")


def test_the_openai_path_with_tools_and_429s(tmp_path: Path) -> None:
    cases = tuple(case_content({"city": c}) for c in ("Lisbon", "Oslo", "Paris", "Rome"))
    dataset = DatasetSource("d.yaml", "d", None, ("city",), True, cases, ("d.yaml:1",) * 4)
    content: dict[str, Any] = {
        "messages": [
            {"role": "system", "content": '[[call: weather {"location": "x"}]]'},
            {"role": "user", "content": "Weather in {{city}}?"},
        ],
        "provider": "openai",
        "model": "gpt-4o-mini",
        "llm_parameters": {"temperature": 0},
        "tool_schema": [{"name": "weather", "description": "d", "parameters": {"type": "object"}}],
        "output_schema": None,
    }
    target = EvalTarget(spec({"tool_called": "weather"}), "e.yaml", content, dataset)
    with running_emulator(models=ModelSettings(rate_limit_every=3, retry_after=0.05)) as fp:
        clients = ModelClients({}, {"OPENAI_API_KEY": KEY, "OPENAI_BASE_URL": fp.openai_base_url})
        result = evaluate(
            [target],
            clients,
            ResponseCache(None),
            EvalOptions(concurrency=2),
            progress=lambda _line: None,
            stop=threading.Event(),
        )
    [row] = result.templates
    assert (row.after.passed, row.after.errors) == (4, 0)  # the 429s were retried by the SDK


def test_an_installed_but_broken_sdk_is_an_error_in_its_row(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    import sys

    from promptsync.evaluate.calls import ModelError
    from promptsync.evaluate.render import ModelRequest

    monkeypatch.setitem(sys.modules, "anthropic", None)  # `import anthropic` raises ImportError
    clients = ModelClients({}, {"ANTHROPIC_API_KEY": KEY})
    request = ModelRequest("anthropic", "claude-x", ({"role": "user", "content": "hi"},))
    with pytest.raises(
        ModelError,
        match=r"^the anthropic SDK cannot be used \((ModuleNotFound|Import)Error: .*"
        r"reinstall it: pip install 'promptsync\[eval\]'$",
    ):
        clients.call(request)
