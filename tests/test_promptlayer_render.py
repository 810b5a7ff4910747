"""`promptsync render` on PromptLayer equals what the official promptlayer SDK gets: the
server's rendering (`templates.get` with input variables) and the SDK's own local one (with
its cache on), case by case."""

from __future__ import annotations

import json
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from promptlayer import PromptLayer

from promptsync.emulator import running_emulator
from tests.conftest import RunCli
from tests.promptlayer import EXAMPLE, PL

CASES: list[tuple[str, str | None, dict[str, Any]]] = [
    ("album_bot", "prod", {"pop_star": "Prince & <The Revolution>"}),
    ("album_bot", "staging", {}),  # missing: empty
    ("support_agent", "prod", {"product": {"a": [1, 2]}, "knowledge_base": False, "question": 3}),
    ("weather_agent", "staging", {"city": "Lisbon"}),
    ("invoice_extractor", "prod", {"invoice_text": "Total: {12} EUR"}),
    ("release_notes", None, {"version": "2.4", "changes": ["Faster", "Dark mode"]}),
    ("release_notes", None, {"version": "2.4"}),  # undefined in a loop: nothing
]


@pytest.fixture(scope="module")
def applied(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Path, PL]]:
    root = tmp_path_factory.mktemp("render")
    shutil.copytree(EXAMPLE / "prompts", root / "prompts")
    with running_emulator(backend="promptlayer") as pl:
        (root / "promptsync.yaml").write_text(
            f"backend: promptlayer\napi_url: {pl.url}\nenvironments: [staging, prod]\n", "utf-8"
        )
        yield root, pl


def texts(template: dict[str, Any]) -> list[tuple[str, str]]:
    return [
        (m["role"], m["content"][0]["text"])
        for m in template["messages"]
        if m["role"] != "placeholder"
    ]


@pytest.mark.parametrize(("name", "env", "variables"), CASES)
def test_render_equals_the_sdk(
    applied: tuple[Path, PL],
    run_cli: RunCli,
    monkeypatch: pytest.MonkeyPatch,
    name: str,
    env: str | None,
    variables: dict[str, Any],
) -> None:
    root, pl = applied
    monkeypatch.chdir(root)
    monkeypatch.setenv("PROMPTLAYER_API_KEY", pl.api_key)
    if run_cli("plan", "--detailed-exitcode")[0] == 2:
        assert run_cli("apply", "--auto-approve")[0] == 0
    (root / "vars.json").write_text(json.dumps(variables), encoding="utf-8")
    args = ["render", name, "--vars-file", "vars.json", "--format", "json"]
    code, out, err = run_cli(*args, *(["--env", env] if env else []))
    assert code == 0, err
    ours = [(m["role"], m["content"]) for m in json.loads(out)["llm_prompt"]]
    params: dict[str, Any] = {"input_variables": variables}
    if env:
        params["label"] = env
    server = PromptLayer(api_key=pl.api_key, base_url=pl.url).templates.get(name, params)
    local = PromptLayer(api_key=pl.api_key, base_url=pl.url, cache_ttl_seconds=60)
    cached = local.templates.get(name, params)
    assert ours == texts(server["prompt_template"])
    if name != "support_agent":  # the SDK renders placeholder templates on the server only
        assert ours == texts(cached["prompt_template"])


def test_render_notes_and_errors(
    applied: tuple[Path, PL], run_cli: RunCli, monkeypatch: pytest.MonkeyPatch
) -> None:
    root, _pl = applied
    monkeypatch.chdir(root)
    code, out, err = run_cli("render", "support_agent", "--env", "prod", "--var", "product=X")
    assert code == 0
    assert out.startswith(
        "support_agent (prompts/support_agent.yaml; PromptLayer f-string; anthropic"
        " claude-sonnet-4-5)\n"
    )
    assert err == (
        "warning: variables not given, rendered as empty: knowledge_base, question\n"
        "note: history placeholder left out: no history is given\n"
    )
    code, _, err = run_cli("render", "album_bot", "--env", "prod", "--flavor", "openai_chat")
    assert code == 1
    assert err == (
        "error: --flavor openai_chat: flavors are Freeplay's; a PromptLayer template is"
        " rendered as PromptLayer stores it (f-string)\n"
    )
