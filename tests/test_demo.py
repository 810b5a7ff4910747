"""`make demo` (scripts/demo.sh) runs the tour on each registry's emulator and ends with No
changes."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import REPO


@pytest.mark.parametrize("backend", ["freeplay", "promptlayer"])
def test_demo_tour(backend: str, tmp_path: Path) -> None:
    env = {
        "PATH": f"{Path(sys.executable).parent}:/usr/bin:/bin",
        "HOME": str(tmp_path),
        "TMPDIR": str(tmp_path),
    }
    proc = subprocess.run(
        ["bash", str(REPO / "scripts" / "demo.sh"), backend],
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    out = proc.stdout + proc.stderr
    assert proc.returncode == 0, out
    # validate, plan, apply, plan; on Freeplay also plan --impact (a changed copy), then plan.
    assert out.count("$ promptsync") == (7 if backend == "freeplay" else 4)
    if backend == "freeplay":
        assert "3 of them do not pass `tone`, which this version now requires" in out
        # The evaluation of a change that makes answers long: one check regresses, on purpose.
        assert "pass rate 100% -> 0% (-100 pp); 0 improved, 3 regressed" in out
        assert "exit 3: 3 means the evaluation gate failed" in out
    assert "Remote verified." in out
    assert proc.stdout.rstrip().endswith("No changes. Your prompts and datasets match the remote.")
    assert "Datasets: 1 to create" in out
    assert not list(tmp_path.glob("tmp.*")), "the demo left its temporary state behind"


def test_demo_refuses_an_unknown_backend(tmp_path: Path) -> None:
    proc = subprocess.run(
        ["bash", str(REPO / "scripts" / "demo.sh"), "langfuse"],
        env={"PATH": "/usr/bin:/bin", "TMPDIR": str(tmp_path)},
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert proc.returncode == 1
    assert proc.stderr.endswith(
        "usage: " + str(REPO / "scripts" / "demo.sh") + " [freeplay|promptlayer]\n"
    )
