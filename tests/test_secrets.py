"""The API key never appears in any output, plan file or result, at any verbosity."""

from __future__ import annotations

import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from promptsync.emulator import FaultConfig, RunningEmulator, emulator_subprocess, running_emulator
from tests.conftest import REPO
from tests.promptlayer import EXAMPLE

MARKER = "fp-SECRET-MARKER-5e8d1c"
VERBOSITY = [[], ["-v"], ["-vv"]]


def run(cwd: Path, *args: str, key: str = MARKER, variable: str = "FREEPLAY_API_KEY") -> str:
    """Run the real CLI in a process; return everything it printed."""
    proc = subprocess.run(
        [sys.executable, "-m", "promptsync", *args],
        cwd=cwd,
        env={"PATH": "/usr/bin:/bin", variable: key, "HOME": str(cwd)},
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    return proc.stdout + proc.stderr


def project(
    root: Path, fp: RunningEmulator, api_url: str | None = None, project_id: str | None = None
) -> Path:
    root.mkdir(parents=True, exist_ok=True)
    shutil.copytree(REPO / "prompts", root / "prompts", dirs_exist_ok=True)
    (root / "promptsync.yaml").write_text(
        f"project_id: {project_id or fp.project_id}\napi_url: {api_url or fp.url}\n"
        "environments: [staging, prod]\n",
        encoding="utf-8",
    )
    (root / "key.txt").write_text(MARKER + "\n", encoding="utf-8")
    return root


def assert_clean(text: str, *files: Path) -> None:
    assert MARKER not in text
    for file in files:
        if file.exists():
            assert MARKER not in file.read_text(encoding="utf-8"), file


@pytest.fixture
def marker_emulator() -> Iterator[RunningEmulator]:
    with running_emulator(api_keys=[MARKER]) as fp:
        yield fp


@pytest.mark.parametrize("verbosity", VERBOSITY)
def test_success_paths(
    tmp_path: Path, marker_emulator: RunningEmulator, verbosity: list[str]
) -> None:
    root = project(tmp_path / "p", marker_emulator)
    outputs = [
        run(root, *verbosity, "validate"),
        run(root, *verbosity, "validate", "--format", "json"),
        run(root, *verbosity, "plan", "--out", "plan.json"),
        run(root, *verbosity, "plan", "--format", "json"),
        run(root, *verbosity, "plan", "--format", "markdown"),
        run(root, *verbosity, "apply", "plan.json", "--format", "json"),
        run(root, *verbosity, "apply", "--auto-approve"),
        run(root, *verbosity, "plan", "--api-key-file", "key.txt", "--detailed-exitcode"),
        run(root, *verbosity, "pull", "--force"),
        run(root, *verbosity, "render", "support_agent", "--env", "prod", "--use-examples"),
        run(root, *verbosity, "render", "album_bot", "--env", "prod", "--format", "json"),
    ]
    assert "Remote verified" in "".join(outputs) or '"applied"' in "".join(outputs)
    assert_clean("".join(outputs), *root.rglob("*.json"), *root.rglob("*.yaml"))


@pytest.mark.parametrize("verbosity", VERBOSITY)
def test_error_paths(tmp_path: Path, verbosity: list[str]) -> None:
    outputs = []
    with running_emulator() as other_key:  # rejects the marker: 401
        root = project(tmp_path / "401", other_key)
        outputs += [
            run(root, *verbosity, "plan", "--retry-delay", "0"),
            run(root, *verbosity, "apply", "--auto-approve", "--retry-delay", "0"),
        ]
        assert "401" in outputs[-1]
    with running_emulator(api_keys=[MARKER]) as fp:  # unknown project: 404
        root = project(tmp_path / "404", fp, project_id="00000000-0000-4000-8000-000000000000")
        outputs.append(run(root, *verbosity, "plan", "--retry-delay", "0"))
        assert "404" in outputs[-1]
    for faults, expect in (
        (FaultConfig(fail_rate=1.0, seed=1), "500"),
        (FaultConfig(drop_rate=1.0, seed=1), "without a response"),
    ):
        with running_emulator(api_keys=[MARKER], faults=faults) as fp:
            root = project(tmp_path / expect[:3], fp)
            outputs += [
                run(root, *verbosity, "pull", "--retry-delay", "0"),
                run(root, *verbosity, "plan", "--retry-delay", "0", "--out", "p.json"),
                run(
                    root,
                    *verbosity,
                    "apply",
                    "--auto-approve",
                    "--retry-delay",
                    "0",
                    "--format",
                    "json",
                ),
            ]
            assert expect in outputs[-1]
    root = project(tmp_path / "refused", other_key, api_url="http://127.0.0.1:9")
    outputs.append(run(root, *verbosity, "plan", "--retry-delay", "0"))
    assert "cannot connect" in outputs[-1]
    if verbosity:
        assert "Traceback" in "".join(outputs)  # -v shows tracebacks; they hold no key either
    assert_clean("".join(outputs), *tmp_path.rglob("*.json"))


def test_emulator_never_prints_its_keys() -> None:
    with emulator_subprocess("--db", ":memory:", "--api-key", MARKER) as (proc, _url):
        proc.terminate()
        out, err = proc.communicate(timeout=30)
    assert "listening on" in out
    assert_clean(out + err)


# --- PromptLayer: the key goes in X-API-KEY, and nowhere else ---------------------------------

PL_MARKER = "pl-SECRET-MARKER-77a0c4"


def pl_project(root: Path, url: str) -> Path:
    root.mkdir(parents=True, exist_ok=True)
    shutil.copytree(EXAMPLE / "prompts", root / "prompts", dirs_exist_ok=True)
    (root / "promptsync.yaml").write_text(
        f"backend: promptlayer\napi_url: {url}\nenvironments: [staging, prod]\n",
        encoding="utf-8",
    )
    (root / "key.txt").write_text(PL_MARKER + "\n", encoding="utf-8")
    return root


def pl_run(cwd: Path, *args: str) -> str:
    return run(cwd, *args, key=PL_MARKER, variable="PROMPTLAYER_API_KEY")


def assert_pl_clean(text: str, *files: Path) -> None:
    assert PL_MARKER not in text
    for file in files:
        if file.exists():
            assert PL_MARKER not in file.read_text(encoding="utf-8"), file


@pytest.mark.parametrize("verbosity", VERBOSITY)
def test_promptlayer_success_paths(tmp_path: Path, verbosity: list[str]) -> None:
    with running_emulator(backend="promptlayer", api_keys=[PL_MARKER]) as pl:
        root = pl_project(tmp_path / "p", pl.url)
        outputs = [
            pl_run(root, *verbosity, "validate"),
            pl_run(root, *verbosity, "plan", "--out", "plan.json"),
            pl_run(root, *verbosity, "plan", "--format", "markdown"),
            pl_run(root, *verbosity, "apply", "plan.json", "--format", "json"),
            pl_run(root, *verbosity, "apply", "--auto-approve"),
            pl_run(root, *verbosity, "plan", "--api-key-file", "key.txt", "--detailed-exitcode"),
            pl_run(root, *verbosity, "pull", "--force"),
            pl_run(root, *verbosity, "render", "support_agent", "--env", "prod", "--use-examples"),
        ]
    assert '"applied"' in "".join(outputs)
    assert_pl_clean("".join(outputs), *root.rglob("*.json"), *root.rglob("*.yaml"))


@pytest.mark.parametrize("verbosity", VERBOSITY)
def test_promptlayer_error_paths(tmp_path: Path, verbosity: list[str]) -> None:
    outputs = []
    with running_emulator(backend="promptlayer") as other_key:  # rejects the marker: 401
        root = pl_project(tmp_path / "401", other_key.url)
        outputs += [
            pl_run(root, *verbosity, "plan", "--retry-delay", "0"),
            pl_run(root, *verbosity, "apply", "--auto-approve", "--retry-delay", "0"),
        ]
        assert "401" in outputs[-1]
    for faults, expect in (
        (FaultConfig(fail_rate=1.0, seed=1), "500"),
        (FaultConfig(drop_rate=1.0, seed=1), "without a response"),
        (FaultConfig(fail_after_commit_rate=0.5, seed=3), ""),
    ):
        with running_emulator(backend="promptlayer", api_keys=[PL_MARKER], faults=faults) as pl:
            root = pl_project(tmp_path / f"f{len(outputs)}", pl.url)
            outputs += [
                pl_run(root, *verbosity, "pull", "--retry-delay", "0"),
                pl_run(root, *verbosity, "plan", "--retry-delay", "0", "--out", "p.json"),
                pl_run(root, *verbosity, "apply", "--auto-approve", "--retry-delay", "0"),
            ]
            assert expect in outputs[-1]
    root = pl_project(tmp_path / "refused", "http://127.0.0.1:9")
    outputs.append(pl_run(root, *verbosity, "plan", "--retry-delay", "0"))
    assert "cannot connect" in outputs[-1]
    if verbosity:
        assert "Traceback" in "".join(outputs)
    assert_pl_clean("".join(outputs), *tmp_path.rglob("*.json"))
