"""Helpers shared by the benchmarks: an emulator in its own process, timing, tables."""

from __future__ import annotations

import os
import subprocess
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import httpx

from promptsync.emulator import emulator_subprocess

KEY = "bench-key"
PROJECT = "8f93dd00-2eb5-4ba2-9354-86d5c6831dfd"


@dataclass
class Server:
    url: str
    process: subprocess.Popen[str]

    def client(self) -> httpx.Client:
        return httpx.Client(
            base_url=f"{self.url}/api/v2", timeout=60, headers={"Authorization": f"Bearer {KEY}"}
        )

    def stats(self) -> dict[str, int]:
        r = httpx.get(f"{self.url}/_emulator/stats", headers={"Authorization": f"Bearer {KEY}"})
        return r.json()["routes"]  # type: ignore[no-any-return]

    def reset_stats(self) -> None:
        httpx.post(f"{self.url}/_emulator/stats/reset", headers={"Authorization": f"Bearer {KEY}"})


@contextmanager
def emulator_process(*args: str) -> Iterator[Server]:
    """The emulator in its own process on a free port, in-memory unless --db is given."""
    extra = [] if "--db" in args else ["--db", ":memory:"]
    with emulator_subprocess("--api-key", KEY, "--project-id", PROJECT, *extra, *args) as (
        proc,
        url,
    ):
        yield Server(url, proc)


def version_body(name: str, i: int, envs: list[str]) -> dict[str, object]:
    """A realistic prompt version: system + user message, parameters, one tool."""
    return {
        "template_messages": [
            {"role": "system", "content": f"You are assistant {name}. Version {i}.\n" * 3},
            {"role": "user", "content": "Answer {{question}} for {{customer}}."},
        ],
        "provider": "openai",
        "model": "gpt-4o",
        "llm_parameters": {"temperature": 0.2, "max_tokens": 512},
        "tool_schema": [
            {
                "name": "lookup",
                "description": "Look up an order",
                "parameters": {"type": "object", "properties": {"id": {"type": "string"}}},
            }
        ],
        "environments": envs,
    }


def table(headers: list[str], rows: list[list[str]]) -> str:
    """A markdown table, right-aligned, ready to paste into a closing note."""
    widths = [max(len(h), *(len(r[i]) for r in rows)) for i, h in enumerate(headers)]

    def line(cells: list[str]) -> str:
        return "| " + " | ".join(c.rjust(w) for c, w in zip(cells, widths, strict=True)) + " |"

    rule = "|" + "|".join("-" * (w + 2) for w in widths) + "|"
    return "\n".join([line(headers), rule, *(line(r) for r in rows)])


def measured(argv: list[str], cwd: Path, env: dict[str, str]) -> tuple[str, int]:
    """Run a command to completion: (its stdout, its peak RSS in KiB). Raises on failure."""
    proc = subprocess.Popen(
        argv, cwd=cwd, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
    )
    stdout, stderr = proc.stdout, proc.stderr
    assert stdout is not None
    assert stderr is not None
    errors: list[str] = []
    drain = threading.Thread(target=lambda: errors.append(stderr.read()))
    drain.start()
    out = stdout.read()
    _pid, status, usage = os.wait4(proc.pid, 0)  # reaped here, so the rusage is this child's
    proc.returncode = os.waitstatus_to_exitcode(status)
    drain.join()
    if proc.returncode != 0:
        raise RuntimeError(f"{argv} failed: {''.join(errors)}")
    return out, usage.ru_maxrss


REPO = Path(__file__).resolve().parent.parent
USER_VENV = REPO / ".venv-bench"


# An installed copy has its bytecode compiled; PYTHONDONTWRITEBYTECODE (set in some sandboxes)
# would make every run compile promptsync from source, which no user's install does.
CHILD_ENV = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}


def user_python() -> str:
    """The Python of a plain `pip install -e .` (no dev extras), created on first use.

    promptsync is timed as users install it: the dev extras bring packages (the PromptLayer SDK
    pulls in rich, which httpx then imports for its own CLI) that a user's install does not have.
    The naive loops run in the dev environment, which has the official SDKs.
    """
    python = USER_VENV / "bin" / "python"
    marker = USER_VENV / ".installed"
    pyproject = REPO / "pyproject.toml"
    if not marker.exists() or marker.stat().st_mtime < pyproject.stat().st_mtime:
        subprocess.run(["python3", "-m", "venv", str(USER_VENV)], check=True)
        subprocess.run(
            [str(python), "-m", "pip", "install", "--quiet", "-e", str(REPO)],
            check=True,
            stderr=subprocess.DEVNULL,  # the mirror's warnings about missing locations
        )
        marker.touch()
    subprocess.run(  # compile the bytecode once, as pip does for an installed copy
        [str(python), "-m", "compileall", "-q", str(REPO / "promptsync")],
        check=True,
        env=CHILD_ENV,
        stdout=subprocess.DEVNULL,
    )
    return str(python)
