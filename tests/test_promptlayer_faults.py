"""Apply to PromptLayer under injected faults: PromptLayer does not deduplicate, so a publish
retried after it was committed would be a second version. Converges within two runs, with
zero duplicate versions, under the rates of
`promptsync emulator --backend promptlayer --fail-rate 0.2 --fail-after-commit-rate 0.15
--drop-rate 0.05`."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from promptsync.emulator import FaultConfig, running_emulator
from tests.conftest import RunCli
from tests.promptlayer import PL, served, version_counts

N = 120
LABELS = ["dev", "staging", "prod"]
FAULTS = {"fail_rate": 0.2, "fail_after_commit_rate": 0.15, "drop_rate": 0.05}


def write_project(root: Path, pl: PL) -> int:
    """N templates over 3 labels; every 4th has a separate prod version. Returns the number
    of versions the files need."""
    (root / "promptsync.yaml").write_text(
        f"backend: promptlayer\napi_url: {pl.url}\nenvironments: {LABELS}\n", "utf-8"
    )
    prompts = root / "prompts"
    prompts.mkdir()
    needed = 0
    for i in range(N):
        head = (
            f"name: t{i:03d}\nprovider: openai\nmodel: gpt-4o\n"
            f"llm_parameters: {{temperature: 0.{i % 10}}}\n"
        )
        if i % 4:
            (prompts / f"t{i:03d}.yaml").write_text(
                head + f"messages: [{{role: user, content: 'Template {i} {{x}}'}}]\n"
                "environments: [dev, staging, prod]\n",
                "utf-8",
            )
            needed += 1
        else:
            (prompts / f"t{i:03d}.yaml").write_text(
                head + f"messages: [{{role: user, content: 'Next {i}'}}]\n"
                "environments: [dev, staging]\n",
                "utf-8",
            )
            (prompts / f"t{i:03d}.prod.yaml").write_text(
                head + f"messages: [{{role: user, content: 'Stable {i}'}}]\nenvironments: [prod]\n",
                "utf-8",
            )
            needed += 2
    return needed


@pytest.mark.parametrize("seed", [1, 2, 3, 4, 5, 6])
def test_converges_without_duplicate_versions(
    isolated: Path, run_cli: RunCli, monkeypatch: pytest.MonkeyPatch, seed: int
) -> None:
    with running_emulator(backend="promptlayer", faults=FaultConfig(**FAULTS, seed=seed)) as pl:
        monkeypatch.setenv("PROMPTLAYER_API_KEY", pl.api_key)
        needed = write_project(isolated, pl)
        outcomes = []
        for _run in range(2):
            code, out, err = run_cli(
                "apply", "--auto-approve", "--retry-delay", "0.01", "--format", "json"
            )
            assert "Traceback" not in err
            result = json.loads(out)
            if "error" in result:  # failed before any operation (the plan's reads): one line
                [message] = result["error"]["messages"]
                assert message.startswith("error: ")
                assert len([ln for ln in err.splitlines() if ln.startswith("error: ")]) == 1
                outcomes.append(message)
            else:
                assert all("\n" not in (op["error"] or "") for op in result["operations"])
                outcomes.append(result["status"])
            if code == 0:
                break
        seen = " ".join(pl.stats.outcomes)  # the faults really happened, to publishes too
        assert "POST /rest/prompt-templates -> 500" in seen
        assert "POST /rest/prompt-templates -> dropped" in seen
        pl.emulator.faults.config = FaultConfig()  # read the result back without faults
        counts = version_counts(pl)
        assert len(counts) == N
        assert sum(counts.values()) == needed, "a version was duplicated or lost"
        for label in LABELS:
            assert len(served(pl, label)) == N
        assert outcomes[-1] in ("applied", "no_changes"), outcomes
