"""`promptsync emulator` as users run it: a real process, stopped by a signal."""

from __future__ import annotations

import ast
import os
import re
import signal
import sqlite3
import subprocess
import sys
from pathlib import Path

import httpx
import pytest

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


@pytest.mark.parametrize("missing", ["starlette", "uvicorn"])
def test_without_the_extra_says_how_to_install_it(missing: str) -> None:
    """starlette and uvicorn are the [emulator] extra: without them, one line says what to do."""
    code = (
        f"import sys\nsys.modules[{missing!r}] = None  # as if not installed\n"
        "from promptsync.cli import main\n"
        "sys.exit(main(['emulator', '--port', '0', '--db', ':memory:']))\n"
    )
    proc = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=30, check=False
    )
    assert (proc.returncode, proc.stdout, proc.stderr) == (
        1,
        "",
        "error: the emulator needs its extra: pip install 'promptsync[emulator]'\n",
    )


# The renderers the emulator shares with `promptsync render`: one table for one fact. They
# import nothing of promptsync themselves (checked below).
SHARED_RENDERERS = ("promptsync.templating.flavors", "promptsync.templating.server_render")


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
                    assert name.startswith("promptsync.emulator") or name in SHARED_RENDERERS, (
                        f"{path.name} imports {name}"
                    )
    for shared in SHARED_RENDERERS:
        path = REPO / (shared.replace(".", "/") + ".py")
        imports = [
            node.module or ""
            for node in ast.walk(ast.parse(path.read_text(encoding="utf-8")))
            if isinstance(node, ast.ImportFrom)
        ]
        assert not [m for m in imports if m.startswith("promptsync")], path.name


def _emulator_fails(*args: str) -> str:
    """Run `promptsync emulator` expecting it to refuse to start; return its one stderr line."""
    proc = subprocess.run(
        [sys.executable, "-m", "promptsync", "emulator", "--port", "0", *args],
        capture_output=True,
        text=True,
        timeout=30,
        check=False,
    )
    assert proc.returncode == 1, proc.stderr
    assert proc.stdout == ""
    lines = proc.stderr.splitlines()
    assert len(lines) == 1, proc.stderr
    return lines[0]


def test_db_problems_are_one_line_errors(tmp_path: Path) -> None:
    (tmp_path / "file.txt").write_text("hi", encoding="utf-8")
    (tmp_path / ".promptsync").write_text("", encoding="utf-8")  # where the default db goes
    (tmp_path / "text.db").write_text("not a database", encoding="utf-8")
    other = sqlite3.connect(tmp_path / "other.db")
    other.execute("CREATE TABLE versions (x TEXT)")
    other.commit()
    other.close()
    for db, problem in [
        (
            tmp_path / "file.txt" / "state" / "db.sqlite",
            f"'{tmp_path / 'file.txt'}' is a file, not a directory",
        ),
        (
            tmp_path / ".promptsync" / "emulator.sqlite",
            f"'{tmp_path / '.promptsync'}' is a file, not a directory",
        ),
        (tmp_path, "is a directory, not a database file"),
        (tmp_path / "text.db", "not an SQLite database"),
        (tmp_path / "other.db", "not an emulator database (table versions has no column seq)"),
    ]:
        assert _emulator_fails("--db", str(db)) == f"error: emulator: --db {db}: {problem}"
    # The warning about a reachable host comes only once listening: still one line.
    assert _emulator_fails("--host", "0.0.0.0", "--db", str(tmp_path)) == (
        f"error: emulator: --db {tmp_path}: is a directory, not a database file"
    )
    # Nobody, not even root, can make a directory in /proc (strerror depends on who tries).
    assert re.fullmatch(
        "error: emulator: --db /proc/promptsync-none/db.sqlite: cannot create directory"
        " '/proc/promptsync-none': (No such file or directory|Permission denied)",
        _emulator_fails("--db", "/proc/promptsync-none/db.sqlite"),
    )


@pytest.mark.skipif(os.geteuid() == 0, reason="root reads and writes whatever the mode says")
def test_db_permission_problems(tmp_path: Path) -> None:
    locked = tmp_path / "locked"
    locked.mkdir()
    unreadable = tmp_path / "unreadable.sqlite"
    sqlite3.connect(unreadable).close()
    unreadable.chmod(0o200)
    locked.chmod(0o500)
    try:
        assert _emulator_fails("--db", str(locked / "db.sqlite")) == (
            f"error: emulator: --db {locked / 'db.sqlite'}: cannot create it:"
            f" no permission to write in '{locked}'"
        )
        assert _emulator_fails("--db", str(unreadable)) == (
            f"error: emulator: --db {unreadable}: no permission to read and write it"
        )
    finally:
        locked.chmod(0o700)
        unreadable.chmod(0o600)


def test_warns_on_a_reachable_host_with_the_default_key() -> None:
    for args, warned in [
        (("--host", "0.0.0.0"), True),
        (("--host", "0.0.0.0", "--api-key", "secret-key"), False),
        (("--host", "127.0.0.1"), False),
    ]:
        with emulator_subprocess("--db", ":memory:", *args) as (proc, url):
            assert httpx.get(f"{url}/api/v2/projects/all").status_code == 401
            proc.send_signal(signal.SIGTERM)
            _out, err = proc.communicate(timeout=30)
        warning = (
            "warning: emulator: --host 0.0.0.0 is reachable from other machines and accepts"
            " the default API key; pass --api-key"
        )
        assert err.splitlines() == ([warning] if warned else []), args
        assert "secret-key" not in err


def test_the_default_db_place_is_ignored_by_git(tmp_path: Path) -> None:
    """`promptsync emulator` in a user's repository keeps its state in .promptsync/, which git
    ignores by itself: a `git add .` never commits the emulator's database."""
    subprocess.run(["git", "init", "-q", str(tmp_path)], check=True)
    db = tmp_path / ".promptsync" / "emulator.sqlite"
    with emulator_subprocess("--db", str(db)) as (proc, _url):
        proc.send_signal(signal.SIGTERM)
        proc.communicate(timeout=30)
    assert db.exists()
    status = subprocess.run(
        ["git", "-C", str(tmp_path), "status", "--porcelain", "--untracked-files=all"],
        capture_output=True,
        text=True,
        check=True,
    )
    assert status.stdout == ""
