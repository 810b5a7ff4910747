"""`promptsync emulator --backend promptlayer` as users run it: a process stopped by a signal."""

from __future__ import annotations

import signal
import subprocess
import sys
from pathlib import Path

import httpx
import pytest

from promptsync.emulator import emulator_subprocess
from tests.emulator.promptlayer.wire import publish_body


def test_runs_until_signalled_and_keeps_state(tmp_path: Path) -> None:
    db = tmp_path / "state" / "db.sqlite"
    key = "test-key-123"
    headers = {"X-API-KEY": key}
    args = ("--db", str(db), "--api-key", key, "--seed", "3")
    with emulator_subprocess(*args, backend="promptlayer") as (proc, url):
        published = httpx.post(
            f"{url}/rest/prompt-templates", headers=headers, json=publish_body("x", labels=["qa"])
        )
        assert published.status_code == 200
        assert httpx.get(f"{url}/_emulator/stats", headers=headers).json()["fault_seed"] == 3
        proc.send_signal(signal.SIGTERM)
        out, err = proc.communicate(timeout=30)
    assert proc.returncode == 0, err
    assert out.startswith(
        f"promptsync emulator listening on {url} (db: {db}; backend: promptlayer)"
    )
    assert key not in out + err

    with emulator_subprocess(*args, backend="promptlayer") as (proc, url):
        qa = httpx.get(f"{url}/prompt-templates", params={"label": "qa"}, headers=headers)
        assert [t["prompt_name"] for t in qa.json()["items"]] == ["x"]
        assert httpx.get(f"{url}/api/v2/projects/all", headers=headers).status_code == 404


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (
            ["--project-id", "11111111-1111-4111-8111-111111111111"],
            "error: emulator: --project-id does not apply to --backend promptlayer",
        ),
        (["--project-id", "not-a-uuid"], "error: emulator: --project-id does not apply"),
        (["--environment", "qa"], "error: emulator: --environment does not apply"),
        (["--fail-rate", "0.7", "--drop-rate", "0.7"], "error: emulator: fault rates must"),
    ],
)
def test_freeplay_only_and_bad_flags_are_one_line_errors(args: list[str], message: str) -> None:
    proc = subprocess.run(
        [
            sys.executable,
            "-m",
            "promptsync",
            "emulator",
            "--backend",
            "promptlayer",
            "--port",
            "0",
            *args,
        ],
        capture_output=True,
        text=True,
        timeout=30,
        check=False,
    )
    assert proc.returncode == 1
    assert proc.stderr.startswith(message), proc.stderr
    assert proc.stderr.count("\n") == 1


def test_unknown_backend_is_a_usage_error() -> None:
    proc = subprocess.run(
        [sys.executable, "-m", "promptsync", "emulator", "--backend", "langfuse"],
        capture_output=True,
        text=True,
        timeout=30,
        check=False,
    )
    assert proc.returncode == 1
    assert "'langfuse' is not one of 'freeplay', 'promptlayer'" in proc.stderr


def test_settings_reject_what_does_not_apply() -> None:
    from promptsync.emulator import EmulatorSettings, running_emulator

    with pytest.raises(ValueError, match="unknown backend 'langfuse'"):
        EmulatorSettings(backend="langfuse")
    with pytest.raises(ValueError, match="--project-id does not apply"):
        EmulatorSettings(backend="promptlayer", project_ids=["p"])
    with pytest.raises(ValueError, match="publish_status must be 200 or 201"):
        EmulatorSettings(backend="promptlayer", publish_status=204)
    with running_emulator(backend="promptlayer", api_keys=["a", "b"]) as pl:
        assert (pl.api_key, pl.project_id, pl.backend) == ("a", "", "promptlayer")
        assert pl.url.startswith("http://127.0.0.1:")
        assert pl.client().headers["X-API-KEY"] == "a"
