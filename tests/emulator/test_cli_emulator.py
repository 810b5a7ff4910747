"""`promptsync emulator` as users run it: a real process, stopped by a signal."""

from __future__ import annotations

import ast
import signal
import subprocess
import sys
from pathlib import Path

import httpx

from promptsync.emulator import emulator_subprocess
from tests.conftest import REPO


def test_runs_until_signalled_and_keeps_state(tmp_path: Path) -> None:
    db = tmp_path / "state" / "db.sqlite"
    key = "test-key-123"
    project = "11111111-1111-4111-8111-111111111111"
    args = ("--db", str(db), "--api-key", key, "--project-id", project, "--environment", "qa")
    headers = {"Authorization": f"Bearer {key}"}
    with emulator_subprocess(*args) as (proc, url):
        created = httpx.post(
            f"{url}/api/v2/projects/{project}/prompt-templates/name/x/versions",
            params={"create_template_if_not_exists": "true"},
            headers=headers,
            json={
                "template_messages": [{"role": "user", "content": "hi"}],
                "provider": "openai",
                "model": "m",
                "environments": ["qa"],
            },
        )
        assert created.status_code == 201
        proc.send_signal(signal.SIGTERM)
        out, err = proc.communicate(timeout=30)
    assert proc.returncode == 0, err
    assert out.startswith(f"promptsync emulator listening on {url} ")
    assert key not in out + err

    with emulator_subprocess(*args) as (proc, url):
        qa = httpx.get(f"{url}/api/v2/projects/{project}/prompt-templates/all/qa", headers=headers)
        assert [t["prompt_template_name"] for t in qa.json()["prompt_templates"]] == ["x"]


def test_bad_flags_are_one_line_errors() -> None:
    for args, message in [
        (["--project-id", "nope"], "error: --project-id: 'nope' is not a UUID"),
        (
            ["--fail-rate", "0.7", "--drop-rate", "0.7"],
            "error: emulator: fault rates must be between 0 and 1 and sum to at most 1",
        ),
        (
            [
                "--api-key",
                "a",
                "--api-key",
                "b",
                "--project-id",
                "11111111-1111-4111-8111-111111111111",
                "--project-id",
                "22222222-2222-4222-8222-222222222222",
                "--project-id",
                "33333333-3333-4333-8333-333333333333",
            ],
            "error: emulator: 2 --api-key and 3 --project-id: give one project id for all keys,"
            " or exactly one per key (paired in order)",
        ),
    ]:
        proc = subprocess.run(
            [sys.executable, "-m", "promptsync", "emulator", "--port", "0", *args],
            capture_output=True,
            text=True,
            timeout=30,
            check=False,
        )
        assert (proc.returncode, proc.stderr.strip()) == (1, message)


def test_emulator_imports_nothing_else_of_promptsync() -> None:
    paths = sorted((REPO / "promptsync" / "emulator").rglob("*.py"))
    assert any(p.parent.name == "promptlayer" for p in paths)
    for path in paths:
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            names = []
            if isinstance(node, ast.Import):
                names = [a.name for a in node.names]
            elif isinstance(node, ast.ImportFrom):
                names = [node.module or ""] if node.level == 0 else ["<relative>"]
            for name in names:
                if name.startswith("promptsync") or name == "<relative>":
                    assert name.startswith("promptsync.emulator"), f"{path.name} imports {name}"
