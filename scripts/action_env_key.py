"""The Action's environment: where it lives and the cache key naming everything it is made of
(the locks, the promptsync source it is built from, the interpreter, the venv's own path: its
scripts name that path). Prints `venv=…` and `key=…` for $GITHUB_OUTPUT.

Runs on the runner's python3 before anything is installed: the standard library only.
"""

from __future__ import annotations

import hashlib
import os
import platform
import sys
from pathlib import Path

SOURCE = Path(__file__).resolve().parent.parent


def inputs(source: Path) -> list[Path]:
    """The files the environment is made from, in a stable order."""
    files = [source / "pyproject.toml", *(source / "locks").glob("*.txt")]
    files += [p for p in (source / "promptsync").rglob("*") if "__pycache__" not in p.parts]
    return sorted(p for p in files if p.is_file())


def cache_key(source: Path, venv: str) -> str:
    digest = hashlib.sha256(f"{os.path.realpath(sys.executable)}\0{venv}\0".encode())
    for path in inputs(source):
        digest.update(f"{path.relative_to(source).as_posix()}\0".encode())
        digest.update(hashlib.sha256(path.read_bytes()).digest())
    python = platform.python_version()
    return f"promptsync-{sys.platform}-{platform.machine()}-py{python}-{digest.hexdigest()[:32]}"


def main() -> int:
    if sys.version_info < (3, 11):  # noqa: UP036 - the runner's python3, not promptsync's
        print(
            f"error: promptsync needs Python >= 3.11, and python3 is {platform.python_version()}:"
            " run actions/setup-python before this action",
            file=sys.stderr,
        )
        return 1
    venv = str(Path(os.environ["RUNNER_TEMP"]) / "promptsync-venv")
    print(f"venv={venv}")
    print(f"key={cache_key(SOURCE, venv)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
