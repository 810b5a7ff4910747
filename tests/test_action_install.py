"""The Action's install step: only the wheels of locks/, each checked against its hash, with uv
(on PATH, or installed from locks/uv.txt) or else pip; a restored environment is used as is.

Each test runs action.yml's steps up to the install on a copy of the action whose locks it may
tamper with, against this machine's package index and caches."""

from __future__ import annotations

import re
import shutil
import sys
from pathlib import Path

import pytest

from tests.action_harness import ActionRun, run_action
from tests.conftest import REPO

INSTALL = "Install promptsync"
SHIPPED = ("action.yml", "pyproject.toml", "README.md", "promptsync", "locks", "scripts")


@pytest.fixture
def action(tmp_path: Path) -> Path:
    """A copy of what the runner downloads for `uses: OWNER/promptsync@v1`."""
    root = tmp_path / "action"
    root.mkdir()
    for name in SHIPPED:
        source = REPO / name
        if source.is_dir():
            shutil.copytree(source, root / name, ignore=shutil.ignore_patterns("__pycache__"))
        else:
            shutil.copy2(source, root / name)
    return root


def tools(tmp_path: Path, *, uv: bool) -> str:
    """A PATH with the base python3 and, if asked, this environment's uv, plus the system's."""
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    (bin_dir / "python3").symlink_to(Path(sys.base_prefix) / "bin" / "python3")
    if uv:
        (bin_dir / "uv").symlink_to(Path(sys.executable).parent / "uv")
    path = f"{bin_dir}:/usr/bin:/bin"
    assert (shutil.which("uv", path=path) is not None) == uv
    return path


def install(action: Path, runner_temp: Path, path: str) -> ActionRun:
    runner_temp.mkdir(exist_ok=True)
    github = {"GITHUB_EVENT_NAME": "push", "GITHUB_EVENT_PATH": ""}
    return run_action(
        workspace=runner_temp.parent,
        runner_temp=runner_temp,
        inputs={},
        env={"PATH": path},
        github=github,
        action_path=action,
        last_step=INSTALL,
    )


def tamper(lock: Path, package: str) -> None:
    """Change every hash of one package's pin, as a swapped upload would."""
    text = lock.read_text(encoding="utf-8")
    entry = re.search(rf"^{package}==.*?(?=^\S|\Z)", text, re.MULTILINE | re.DOTALL)
    assert entry is not None, package
    changed = re.sub(r"sha256:([0-9a-f])", lambda m: "sha256:" + "0f"[m[1] == "0"], entry[0])
    lock.write_text(text.replace(entry[0], changed), encoding="utf-8")


def site_packages(runner_temp: Path) -> set[str]:
    found = runner_temp.glob("promptsync-venv/lib/python3*/site-packages/*")
    return {p.name for p in found}


def test_uv_installs_the_locked_wheels_then_the_cache_is_used(action: Path, tmp_path: Path) -> None:
    path = tools(tmp_path, uv=True)
    first = install(action, tmp_path / "temp", path)
    assert first.exit_code == 0, first.log
    assert "promptsync, version" in first.log
    installed = site_packages(tmp_path / "temp")
    assert {"promptsync", "pydantic", "yaml", "httpx"} <= installed
    assert not {"starlette", "uvicorn", "openai", "anthropic"} & installed  # extras stay out
    again = install(action, tmp_path / "temp", path)
    assert again.exit_code == 0, again.log
    assert "promptsync: using the cached environment" in again.log


def test_a_tampered_hash_fails_the_install(action: Path, tmp_path: Path) -> None:
    tamper(action / "locks" / "runtime.txt", "click")
    result = install(action, tmp_path / "temp", tools(tmp_path, uv=True))
    assert result.exit_code != 0
    assert "Hash mismatch for `click==" in result.log, result.log
    assert "promptsync" not in site_packages(tmp_path / "temp")


def test_without_uv_pip_installs_from_the_same_locks(action: Path, tmp_path: Path) -> None:
    """uv that cannot be installed (here: its hash does not match) leaves pip, which checks the
    same hashes."""
    tamper(action / "locks" / "uv.txt", "uv")
    path = tools(tmp_path, uv=False)
    result = install(action, tmp_path / "temp", path)
    assert result.exit_code == 0, result.log
    assert "::warning::promptsync: could not install uv (locks/uv.txt); installing with pip" in (
        result.log
    )
    assert "promptsync, version" in result.log
    tamper(action / "locks" / "runtime.txt", "click")
    tampered = install(action, tmp_path / "fresh", path)
    assert tampered.exit_code != 0
    assert "DO NOT MATCH THE HASHES" in tampered.log, tampered.log
    assert "promptsync" not in site_packages(tmp_path / "fresh")
