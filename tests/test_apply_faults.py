"""Apply under injected faults: converges within two runs, never duplicates a version."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from promptsync.emulator import FaultConfig, RunningEmulator, running_emulator
from tests.conftest import RunCli

N = 200
ENVS = ["dev", "staging", "prod"]


def write_project(root: Path, fp: RunningEmulator) -> int:
    """N templates over 3 environments; every 4th has a separate prod version. Returns the
    number of versions the files need."""
    (root / "promptsync.yaml").write_text(
        f"project_id: {fp.project_id}\napi_url: {fp.url}\nenvironments: {ENVS}\n", "utf-8"
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
                head + f"messages: [{{role: user, content: 'Template {i} {{{{x}}}}'}}]\n"
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


def stored_versions(fp: RunningEmulator) -> dict[str, int]:
    templates = fp.store.list_templates(fp.project_id, 0, 10_000)
    return {
        t.name: len(fp.store.list_versions(fp.project_id, t.id, 0, 10_000, None))
        for t, _latest in templates
    }


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_converges_without_duplicates(
    isolated: Path, run_cli: RunCli, monkeypatch: pytest.MonkeyPatch, seed: int
) -> None:
    faults = FaultConfig(fail_rate=0.2, fail_after_commit_rate=0.1, drop_rate=0.05, seed=seed)
    with running_emulator(faults=faults) as fp:
        monkeypatch.setenv("FREEPLAY_API_KEY", fp.api_key)
        needed = write_project(isolated, fp)
        outcomes = []
        for _run in range(2):
            code, out, err = run_cli(
                "apply", "--auto-approve", "--retry-delay", "0.01", "--format", "json"
            )
            # Every failure the user saw is one line: progress, or a single error line.
            for line in err.splitlines():
                assert (
                    line.startswith(
                        (
                            "[",
                            "error: ",
                            "Symbols:",
                            "    ",
                            "~ ",
                            "+ ",
                            "> ",
                            "Plan: ",
                            "Orphans",
                            "  ? ",
                            "Unclaimed",
                        )
                    )
                    or not line
                )
            assert "Traceback" not in err
            result = json.loads(out)
            if "error" in result:  # failed before any operation (the plan's reads): one line
                [message] = result["error"]["messages"]
                assert message.startswith("error: ")
                assert "\n" not in message
                assert len([ln for ln in err.splitlines() if ln.startswith("error: ")]) == 1
                outcomes.append(message)
            else:
                assert all("\n" not in (op["error"] or "") for op in result["operations"])
                assert "\n" not in (result["verify_error"] or "")
                outcomes.append(result["status"])
            if code == 0:
                break
        assert outcomes[-1] in ("applied", "no_changes"), outcomes
        seen = " ".join(fp.stats.outcomes)  # the faults really happened
        assert "-> 500" in seen
        assert "-> dropped" in seen
        counts = stored_versions(fp)
        assert len(counts) == N
        assert sum(counts.values()) == needed, "a version was duplicated or lost"
        for env in ENVS:
            assert len(fp.store.all_in(fp.project_id, env)) == N
