"""`promptsync init --backend promptlayer` scaffolds a project that works as it is written."""

from __future__ import annotations

from pathlib import Path

import pytest

from promptsync.emulator import running_emulator
from tests.conftest import RunCli


def test_init_scaffolds_a_working_promptlayer_project(
    isolated: Path, run_cli: RunCli, monkeypatch: pytest.MonkeyPatch
) -> None:
    code, out, _ = run_cli("init", "--backend", "promptlayer")
    assert code == 0
    assert out.splitlines() == [
        "created promptsync.yaml",
        "created prompts/example_assistant.yaml",
        "created .github/workflows/promptsync.yml",
        "Next: export PROMPTLAYER_API_KEY (and create the repository secret PROMPTLAYER_API_KEY"
        " for the workflow); then run `promptsync validate` and `promptsync plan`"
        " (docs/getting-started.md).",
    ]
    config = (isolated / "promptsync.yaml").read_text(encoding="utf-8")
    assert "backend: promptlayer\n" in config
    assert "project_id" not in config
    workflow = (isolated / ".github/workflows/promptsync.yml").read_text(encoding="utf-8")
    assert workflow.count("PROMPTLAYER_API_KEY: ${{ secrets.PROMPTLAYER_API_KEY }}") == 2
    assert "FREEPLAY" not in workflow
    assert run_cli("validate") == (0, "prompts: 1 file(s), 1 template(s) valid.\n", "")
    with running_emulator(backend="promptlayer") as pl:
        monkeypatch.setenv("PROMPTLAYER_API_URL", pl.url)
        monkeypatch.setenv("PROMPTLAYER_API_KEY", pl.api_key)
        code, out, err = run_cli("apply", "--auto-approve")
        assert code == 0, err
        assert out.endswith("Apply complete: 1 created, 0 updated, 0 promoted. Remote verified.\n")
        assert run_cli("plan", "--detailed-exitcode")[0] == 0
        rendered = run_cli("render", "example_assistant", "--env", "prod", "--use-examples")[1]
        assert "You are a concise assistant for Acme." in rendered
