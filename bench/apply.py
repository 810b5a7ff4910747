"""`promptsync apply` wall time: N new versions against the emulator with added latency, at
parallelism 1 and at the default, and the ratio.

Run: .venv/bin/python -m bench.apply [--versions 500] [--latency-ms 50]
"""

from __future__ import annotations

import argparse
import os
import platform
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from bench.common import KEY, PROJECT, emulator_process, table

DEFAULT_PARALLELISM = 4


def write_files(root: Path, n: int) -> None:
    (root / "prompts").mkdir()
    (root / "promptsync.yaml").write_text(
        f"project_id: {PROJECT}\nenvironments: [staging, prod]\n", encoding="utf-8"
    )
    for i in range(n):
        (root / "prompts" / f"t{i:04d}.yaml").write_text(
            f"name: t{i:04d}\nprovider: openai\nmodel: gpt-4o\n"
            f"messages: [{{role: system, content: 'Assistant {i}.'}},"
            " {role: user, content: '{{question}}'}]\n"
            "environments: [staging, prod]\n",
            encoding="utf-8",
        )


def timed_apply(n: int, latency_ms: float, parallelism: int) -> tuple[float, int, str]:
    with (
        tempfile.TemporaryDirectory() as tmp,
        emulator_process("--latency-ms", str(latency_ms)) as server,
    ):
        write_files(Path(tmp), n)
        env = {**os.environ, "FREEPLAY_API_KEY": KEY, "FREEPLAY_API_URL": server.url}
        start = time.perf_counter()
        proc = subprocess.run(
            [
                sys.executable,
                "-m",
                "promptsync",
                "--no-color",
                "apply",
                "--auto-approve",
                "--parallelism",
                str(parallelism),
            ],
            cwd=tmp,
            env=env,
            capture_output=True,
            text=True,
            check=True,
        )
        elapsed = time.perf_counter() - start
        writes = sum(v for k, v in server.stats().items() if k.startswith("POST"))
    return elapsed, writes, proc.stdout.strip().splitlines()[-1]


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--versions", type=int, default=500)
    parser.add_argument("--latency-ms", type=float, default=50.0)
    args = parser.parse_args()
    rows = []
    results = {}
    for parallelism in (1, DEFAULT_PARALLELISM):
        seconds, writes, last = timed_apply(args.versions, args.latency_ms, parallelism)
        results[parallelism] = seconds
        rows.append(
            [
                str(parallelism),
                str(writes),
                f"{seconds:.1f}",
                f"{args.versions / seconds:.1f}",
                last,
            ]
        )
    print(
        f"promptsync apply benchmark — Python {platform.python_version()},"
        f" {platform.machine()}, {os.cpu_count()} CPUs; {args.versions} new versions;"
        f" emulator latency {args.latency_ms:g} ms per request"
    )
    print(table(["parallelism", "write requests", "wall s", "versions/s", "result"], rows))
    print(
        f"speed-up at the default parallelism ({DEFAULT_PARALLELISM}):"
        f" {results[1] / results[DEFAULT_PARALLELISM]:.2f}x"
    )


if __name__ == "__main__":
    main()
