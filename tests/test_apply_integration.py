"""`promptsync apply` against the real emulator: every action, idempotence, safety rails."""

from __future__ import annotations

import json
import os
import pty
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import git
import pytest

from promptsync.emulator import RunningEmulator
from tests.conftest import RunCli
from tests.test_plan_integration import make_project, plan_json


def writes(fp: RunningEmulator) -> int:
    return fp.stats.count("POST") + fp.stats.count("PATCH") + fp.stats.count("DELETE")


def versions_by_template(fp: RunningEmulator) -> dict[str, int]:
    base = f"/projects/{fp.project_id}/prompt-templates"
    counts: dict[str, int] = {}
    with fp.client() as client:
        templates = client.get(base, params={"page_size": 100}).json()["data"]
        page = 2
        while len(templates) % 100 == 0 and templates:
            more = client.get(base, params={"page_size": 100, "page": page}).json()["data"]
            if not more:
                break
            templates += more
            page += 1
        for t in templates:
            versions = client.get(f"{base}/id/{t['id']}/versions", params={"page_size": 100})
            counts[t["name"]] = len(versions.json()["data"])
    return counts


@pytest.fixture
def project(isolated: Path, emulator: RunningEmulator, monkeypatch: pytest.MonkeyPatch) -> Path:
    return make_project(isolated, emulator, monkeypatch)


def edit(path: Path, old: str, new: str) -> None:
    text = path.read_text(encoding="utf-8")
    assert old in text
    path.write_text(text.replace(old, new), encoding="utf-8")


def test_create_then_second_apply_has_no_writes(
    project: Path, emulator: RunningEmulator, run_cli: RunCli
) -> None:
    code, out, err = run_cli("apply", "--auto-approve")
    assert code == 0, err
    assert out.endswith("Apply complete: 6 created, 0 updated, 0 promoted. Remote verified.\n")
    assert "[7/7] " in err
    assert versions_by_template(emulator) == {
        "album_bot": 2,
        "invoice_extractor": 1,
        "photo_tutor": 1,
        "release_notes": 1,
        "support_agent": 1,
        "weather_agent": 1,
    }
    emulator.stats.reset()
    code, out, _ = run_cli("apply", "--auto-approve")
    assert (code, out) == (0, "No changes. Your prompts match the remote.\n")
    assert writes(emulator) == 0
    assert emulator.stats.count("GET") == 3


def test_update_promote_and_mixed(
    project: Path, emulator: RunningEmulator, run_cli: RunCli
) -> None:
    assert run_cli("apply", "--auto-approve")[0] == 0
    # update: weather changes; promote: album_bot prod takes staging's content;
    # mixed: album_bot staging gets a new version at the same time.
    edit(project / "prompts/weather_agent.yaml", "temperature: 0", "temperature: 0.1")
    shutil.copy(project / "prompts/album_bot/staging.yaml", project / "prompts/album_bot/prod.yaml")
    edit(project / "prompts/album_bot/prod.yaml", "environments: [staging]", "environments: [prod]")
    edit(project / "prompts/album_bot/staging.yaml", "temperature: 0.4", "temperature: 0.5")
    edit(project / "prompts/album_bot/staging.yaml", "v1.1.0", "v1.2.0")
    plan = plan_json(run_cli)
    assert {c["name"]: c["actions"] for c in plan["changes"]} == {
        "album_bot": ["update", "promote"],
        "weather_agent": ["update"],
    }
    code, out, err = run_cli("apply", "--auto-approve")
    assert code == 0, err
    assert out.endswith("Apply complete: 0 created, 2 updated, 1 promoted. Remote verified.\n")
    counts = versions_by_template(emulator)
    assert (counts["album_bot"], counts["weather_agent"]) == (3, 2)
    assert run_cli("plan", "--detailed-exitcode")[0] == 0


def test_saved_plan_applies_without_prompt(
    project: Path, emulator: RunningEmulator, run_cli: RunCli
) -> None:
    assert run_cli("plan", "--out", "plan.json")[0] == 0
    code, out, _ = run_cli("apply", "plan.json")
    assert code == 0
    assert out.endswith("Remote verified.\n")
    # Applying it again (a re-run deploy job) is not "stale": it is done, and says so.
    emulator.stats.reset()
    assert run_cli("apply", "plan.json") == (
        0,
        "The saved plan is already applied: the remote serves what it planned.\n",
        "",
    )
    assert writes(emulator) == 0


def test_stale_saved_plan_changes_nothing(
    project: Path, emulator: RunningEmulator, run_cli: RunCli
) -> None:
    assert run_cli("apply", "--auto-approve")[0] == 0
    edit(project / "prompts/weather_agent.yaml", "temperature: 0", "temperature: 0.1")
    assert run_cli("plan", "--out", "plan.json")[0] == 0
    base = f"/projects/{emulator.project_id}/prompt-templates"
    with emulator.client() as client:  # someone deploys to staging meanwhile
        prod = client.get(f"{base}/all/prod").json()["prompt_templates"][0]
        client.post(
            f"{base}/id/{prod['prompt_template_id']}/versions/"
            f"{prod['prompt_template_version_id']}/environments",
            json={"environments": ["staging"]},
        )
    emulator.stats.reset()
    code, _out, err = run_cli("apply", "plan.json")
    assert code == 1
    assert err == (
        "error: Saved plan is stale: staging changed since the plan was made. Run plan again.\n"
    )
    assert writes(emulator) == 0


def test_saved_plan_errors(
    project: Path, emulator: RunningEmulator, run_cli: RunCli, monkeypatch: pytest.MonkeyPatch
) -> None:
    assert run_cli("plan", "--out", "plan.json")[0] == 0
    (project / "broken.json").write_text("{nope", encoding="utf-8")
    (project / "other.json").write_text('{"format_version": "9"}', encoding="utf-8")
    (project / "old.json").write_text('{"format_version": "1", "changes": []}', encoding="utf-8")
    cases = {
        (
            "apply",
            "missing.json",
        ): "error: cannot read plan missing.json: No such file or directory",
        ("apply", "broken.json"): "error: broken.json: not a promptsync plan (invalid JSON)",
        ("apply", "other.json"): "error: other.json: plan format_version '9' is not supported"
        " (this promptsync reads '2')",
        ("apply", "old.json"): "error: old.json: plan format_version '1' is not supported"
        " (this promptsync reads '2') — it was made by an older promptsync: run plan again",
        ("apply", "plan.json", "--env", "prod"): "error: --env and --template cannot be combined"
        " with a saved plan; pass them to `plan` instead",
    }
    for args, message in cases.items():
        assert run_cli(*args)[1:] == ("", message + "\n")
    monkeypatch.setenv("FREEPLAY_PROJECT_ID", "00000000-0000-4000-8000-000000000000")
    code, _, err = run_cli("apply", "plan.json")
    assert code == 1
    assert err.startswith("error: the saved plan is for project 8f93dd00")
    assert writes(emulator) == 0


def test_refuses_without_tty_or_auto_approve(
    project: Path, emulator: RunningEmulator, run_cli: RunCli
) -> None:
    code, out, err = run_cli("apply")
    assert code == 1
    assert "Plan: 6 to create" in out
    assert err == (
        "error: refusing to apply without confirmation: no terminal to ask on;"
        " pass --auto-approve (or apply a reviewed plan file)\n"
    )
    assert writes(emulator) == 0


def _apply_on_tty(project: Path, fp: RunningEmulator, answer: bytes) -> tuple[int, str]:
    env = {**os.environ, "FREEPLAY_API_KEY": fp.api_key}
    main, replica = pty.openpty()
    proc = subprocess.Popen(
        [sys.executable, "-m", "promptsync", "--no-color", "apply"],
        cwd=project,
        env=env,
        stdin=replica,
        stdout=replica,
        stderr=replica,
    )
    os.close(replica)
    output = b""
    deadline = time.monotonic() + 60
    while b"[y/N]" not in output and time.monotonic() < deadline:
        output += os.read(main, 65536)
    os.write(main, answer)
    while True:
        try:
            chunk = os.read(main, 65536)
        except OSError:
            break
        if not chunk:
            break
        output += chunk
    os.close(main)
    return proc.wait(timeout=60), output.decode()


def test_confirmation_on_a_terminal(project: Path, emulator: RunningEmulator) -> None:
    code, output = _apply_on_tty(project, emulator, b"n\n")
    assert code == 1
    assert "Apply these changes? [y/N] " in output
    assert "apply cancelled; nothing was changed" in output
    assert writes(emulator) == 0
    code, output = _apply_on_tty(project, emulator, b"y\n")
    assert code == 0, output
    assert "Apply complete: 6 created" in output


def test_json_result(project: Path, run_cli: RunCli) -> None:
    code, out, _ = run_cli("apply", "--auto-approve", "--format", "json")
    assert code == 0
    result = json.loads(out)
    assert (result["status"], result["verified"]) == ("applied", True)
    assert result["summary"] == {"created": 6, "updated": 0, "promoted": 0, "failed_operations": 0}
    assert len(result["operations"]) == 7
    assert all(op["outcome"] == "succeeded" and op["version_id"] for op in result["operations"])
    code, out, _ = run_cli("apply", "--auto-approve", "--format", "json")
    assert json.loads(out)["status"] == "no_changes"


def test_provenance_in_version_description(
    project: Path, emulator: RunningEmulator, run_cli: RunCli
) -> None:
    repo = git.Repo.init(project)
    repo.git.add(A=True)
    repo.git.commit(
        m="init",
        author="t <t@example.com>",
        env={"GIT_COMMITTER_NAME": "t", "GIT_COMMITTER_EMAIL": "t@example.com"},
    )
    assert run_cli("apply", "--auto-approve")[0] == 0
    sha = repo.head.commit.hexsha[:7]
    base = f"/projects/{emulator.project_id}/prompt-templates"
    with emulator.client() as client:
        prod = {
            t["prompt_template_name"]: t
            for t in client.get(f"{base}/all/prod").json()["prompt_templates"]
        }
    # The file, the commit that last changed it, and the fields Freeplay's deduplication does
    # not compare (so a provider-only change is a new version).
    assert prod["weather_agent"]["version_description"] == (
        f"promptsync: prompts/weather_agent.yaml @ {sha} (provider: openai)"
    )
    assert prod["album_bot"]["version_description"] == (
        f"promptsync: prompts/album_bot/prod.yaml @ {sha} (provider: openai)"
    )
    assert prod["album_bot"]["version_name"] == "v1.0.0"
    with emulator.client() as client:
        staging = {
            t["prompt_template_name"]: t
            for t in client.get(f"{base}/all/staging").json()["prompt_templates"]
        }
    # A declared description is sent as written.
    assert staging["album_bot"]["version_description"] == "Title case; optional genre hint"


def _many_templates(project: Path, n: int) -> None:
    shutil.rmtree(project / "prompts")
    (project / "prompts").mkdir()
    for i in range(n):
        (project / "prompts" / f"t{i:03d}.yaml").write_text(
            f"name: t{i:03d}\nprovider: openai\nmodel: gpt-4o\n"
            f"messages: [{{role: user, content: 'Template {i}'}}]\n"
            "environments: [staging, prod]\n",
            encoding="utf-8",
        )


@pytest.mark.parametrize("sig", [signal.SIGINT, signal.SIGKILL])
def test_interrupted_apply_converges(
    isolated: Path, monkeypatch: pytest.MonkeyPatch, run_cli: RunCli, sig: signal.Signals
) -> None:
    from promptsync.emulator import FaultConfig, running_emulator

    with running_emulator(faults=FaultConfig(latency_ms=150)) as fp:
        make_project(isolated, fp, monkeypatch)
        _many_templates(isolated, 20)
        env = {**os.environ, "FREEPLAY_API_KEY": fp.api_key}
        proc = subprocess.Popen(
            [sys.executable, "-m", "promptsync", "apply", "--auto-approve", "--parallelism", "1"],
            cwd=isolated,
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        assert proc.stderr is not None
        progress = [proc.stderr.readline() for _ in range(3)]
        assert all(line.startswith("[") for line in progress), progress
        proc.send_signal(sig)
        out, err = proc.communicate(timeout=60)
        if sig == signal.SIGINT:
            assert proc.returncode == 130
            assert "Apply interrupted" in out
            assert "Traceback" not in err
        created = sum(versions_by_template(fp).values())
        assert 3 <= created < 20
        code, out, err = run_cli("apply", "--auto-approve", "--retry-delay", "0")
        assert code == 0, err
        assert out.endswith("Remote verified.\n")
        assert versions_by_template(fp) == {f"t{i:03d}": 1 for i in range(20)}
