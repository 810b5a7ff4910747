"""The Action's install, timed as the runner runs it: action.yml's own key and install steps, in
a fresh $RUNNER_TEMP each run, with this machine's package caches warm (a warm-up run fills
them first, and is not counted).

  before        the former step: `python3 -m venv` + `pip install <the action's path>`
  uv on PATH    the install step with a uv on PATH (a runner with uv, or after setup-uv)
  uv from lock  the install step with no uv on PATH: uv comes from locks/uv.txt through pip
  pip only      the install step when uv cannot be installed: `python3 -m venv` + pip
  cached        the key and install steps again, with the environment already there (restored)

Run: .venv/bin/python -m bench.install [--repeat 3] [--skip before,pip-only]
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

import yaml

from bench.common import CHILD_ENV, REPO, table

# The step the Action ran before the locks (from action.yml's history).
BEFORE = """
python3 -m venv "$PROMPTSYNC_VENV"
"$PROMPTSYNC_VENV/bin/python" -m pip install --quiet --disable-pip-version-check \\
  "$PROMPTSYNC_SOURCE"
"$PROMPTSYNC_VENV/bin/promptsync" --version
"""


def action_step(name: str) -> str:
    action = yaml.safe_load((REPO / "action.yml").read_text(encoding="utf-8"))
    return str(next(s["run"] for s in action["runs"]["steps"] if s["name"] == name))


KEY = action_step("Key the environment")
INSTALL = action_step("Install promptsync")


def tool_path(root: Path, *, uv: bool) -> str:
    """A PATH with the base python3 (and this environment's uv, if asked), then the system's."""
    bin_dir = root / ("bin-uv" if uv else "bin")
    if not bin_dir.exists():
        bin_dir.mkdir()
        (bin_dir / "python3").symlink_to(Path(sys.base_prefix) / "bin" / "python3")
        if uv:
            (bin_dir / "uv").symlink_to(Path(sys.executable).parent / "uv")
    path = f"{bin_dir}:/usr/bin:/bin"
    if (shutil.which("uv", path=path) is not None) != uv:
        raise SystemExit(f"cannot make a PATH {'with' if uv else 'without'} uv: {path}")
    return path


def step(script: str, runner_temp: Path, path: str) -> float:
    """Run one step's script as the runner does; its wall time in seconds."""
    runner_temp.mkdir(exist_ok=True)
    env = {
        **CHILD_ENV,
        "PATH": path,
        "RUNNER_TEMP": str(runner_temp),
        "PROMPTSYNC_SOURCE": str(REPO),
        "PROMPTSYNC_VENV": str(runner_temp / "promptsync-venv"),
        "GITHUB_OUTPUT": str(runner_temp / "output"),
    }
    start = time.perf_counter()
    proc = subprocess.run(
        ["bash", "--noprofile", "--norc", "-eo", "pipefail", "-c", script],
        cwd=runner_temp,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    elapsed = time.perf_counter() - start
    if proc.returncode != 0:
        raise SystemExit(f"the step failed:\n{proc.stdout}{proc.stderr}")
    return elapsed


def fresh(root: Path, script: str, path: str) -> Callable[[], float]:
    """Key + install in a new, empty $RUNNER_TEMP."""

    def run() -> float:
        temp = Path(tempfile.mkdtemp(dir=root))
        try:
            return step(KEY, temp, path) + step(script, temp, path)
        finally:
            shutil.rmtree(temp)

    return run


def cached(root: Path, path: str) -> Callable[[], float]:
    """Key + install where the environment is already in place, as after a cache restore."""
    temp = root / "restored"
    step(KEY, temp, path)
    step(INSTALL, temp, path)

    def run() -> float:
        return step(KEY, temp, path) + step(INSTALL, temp, path)

    return run


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument(
        "--skip", default="", help="comma-separated: before,uv-path,uv-lock,pip-only"
    )
    args = parser.parse_args()
    skip = set(filter(None, args.skip.split(",")))
    rows: list[list[str]] = []
    with tempfile.TemporaryDirectory(prefix="bench-install-") as tmp:
        root = Path(tmp)
        with_uv, without_uv = tool_path(root, uv=True), tool_path(root, uv=False)
        # uv cannot be installed (no pip for python3, no way to the index): the pip path alone.
        pip_only = INSTALL.replace("if python3 -m pip install", "if false && python3 -m pip")
        assert pip_only != INSTALL
        scenarios: list[tuple[str, str, Callable[[], float]]] = [
            ("before", "before: venv + pip install <path>", fresh(root, BEFORE, without_uv)),
            ("uv-path", "after: uv on PATH", fresh(root, INSTALL, with_uv)),
            ("uv-lock", "after: uv from locks/uv.txt (pip)", fresh(root, INSTALL, without_uv)),
            ("pip-only", "after: pip only (no uv)", fresh(root, pip_only, without_uv)),
            ("cached", "after: cached environment", cached(root, with_uv)),
        ]
        for name, label, run in scenarios:
            if name in skip:
                continue
            run()  # warm-up: fills the package caches
            times = [run() for _ in range(args.repeat)]
            rows.append(
                [label, f"{statistics.median(times):.2f}", f"{min(times):.2f}", str(len(times))]
            )
            print(f"{label}: {', '.join(f'{t:.2f}' for t in times)} s", file=sys.stderr)
    python = subprocess.run(
        [Path(sys.base_prefix) / "bin" / "python3", "-m", "pip", "--version"],
        capture_output=True,
        text=True,
        check=False,
    ).stdout.split(" from ")[0]
    uv = subprocess.run(
        [Path(sys.executable).parent / "uv", "--version"],
        capture_output=True,
        text=True,
        check=False,
    ).stdout.strip()
    print(
        f"The Action's key + install steps, fresh $RUNNER_TEMP, warm caches; {os.cpu_count()}"
        f" CPUs, Python {sys.version.split()[0]}, {python}, {uv}\n"
    )
    print(table(["scenario", "median s", "min s", "runs"], rows))


if __name__ == "__main__":
    main()
