"""`promptsync plan` cost: requests and wall time for N templates x 3 environments, against the
naive approach — the official freeplay SDK fetching each template by name in each environment.

Run: .venv/bin/python -m bench.plan [--sizes 100 1000 5000]
"""

from __future__ import annotations

import argparse
import os
import platform
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import yaml
from freeplay import Freeplay

from bench.common import KEY, PROJECT, Server, emulator_process, table, version_body

ENVS = ["dev", "staging", "prod"]


def seed(server: Server, n: int) -> None:
    """n templates, each with one version deployed to every environment."""
    base = f"/projects/{PROJECT}/prompt-templates"

    def create(chunk: range) -> None:
        with server.client() as client:
            for i in chunk:
                r = client.post(
                    f"{base}/name/bench_{i:05d}/versions",
                    params={"create_template_if_not_exists": "true"},
                    json=version_body(f"bench_{i}", 0, ENVS),
                )
                assert r.status_code == 201, r.text

    with ThreadPoolExecutor(4) as pool:
        list(pool.map(create, [range(k, n, 4) for k in range(4)]))


def write_files(root: Path, n: int, changed_every: int) -> None:
    (root / "prompts").mkdir()
    (root / "promptsync.yaml").write_text(
        f"project_id: {PROJECT}\nenvironments: {ENVS}\n", encoding="utf-8"
    )
    for i in range(n):
        body = version_body(f"bench_{i}", 0, ENVS)
        params = dict(body["llm_parameters"])  # type: ignore[call-overload]
        if i % changed_every == 0:  # some templates change, so the plan does real work
            params["temperature"] = 0.7
        doc = {
            "name": f"bench_{i:05d}",
            "provider": body["provider"],
            "model": body["model"],
            "llm_parameters": params,
            "messages": body["template_messages"],
            "tool_schema": body["tool_schema"],
            "environments": ENVS,
        }
        (root / "prompts" / f"bench_{i:05d}.yaml").write_text(
            yaml.safe_dump(doc, sort_keys=False), encoding="utf-8"
        )


def run_plan(root: Path, url: str) -> tuple[float, str]:
    env = {**os.environ, "FREEPLAY_API_KEY": KEY, "FREEPLAY_API_URL": url}
    start = time.perf_counter()
    proc = subprocess.run(
        [sys.executable, "-m", "promptsync", "--no-color", "plan"],
        cwd=root,
        env=env,
        capture_output=True,
        text=True,
        check=True,
    )
    return time.perf_counter() - start, proc.stdout.strip().splitlines()[-1]


def run_naive(url: str, n: int) -> float:
    """What a user would otherwise script: get each template by name in each environment."""
    client = Freeplay(freeplay_api_key=KEY, api_base=f"{url}/api")
    start = time.perf_counter()
    for i in range(n):
        for env in ENVS:
            client.prompts.get(project_id=PROJECT, template_name=f"bench_{i:05d}", environment=env)
    return time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--sizes", type=int, nargs="+", default=[100, 1000, 5000])
    parser.add_argument(
        "--latency-ms",
        type=float,
        default=0.0,
        help="Emulated network latency per request (0: localhost as is).",
    )
    args = parser.parse_args()
    rows = []
    for n in args.sizes:
        with tempfile.TemporaryDirectory() as tmp:
            db = str(Path(tmp) / "emulator.sqlite")
            with emulator_process("--db", db) as server:  # seed at full speed
                seed(server, n)
            write_files(Path(tmp), n, changed_every=10)
            latency = ["--latency-ms", str(args.latency_ms)] if args.latency_ms else []
            with emulator_process("--db", db, *latency) as server:
                plan_seconds, summary = run_plan(Path(tmp), server.url)
                requests = sum(server.stats().values())
                server.reset_stats()
                naive_seconds = run_naive(server.url, n)
                naive_requests = sum(server.stats().values())
        rows.append(
            [
                f"{n:,}",
                str(requests),
                f"{plan_seconds:.2f}",
                f"{naive_requests:,}",
                f"{naive_seconds:.2f}",
                f"{naive_seconds / plan_seconds:.1f}x",
                summary,
            ]
        )
    print(
        f"promptsync plan benchmark — Python {platform.python_version()}, {platform.machine()},"
        f" {os.cpu_count()} CPUs; emulator in its own process; {len(ENVS)} environments;"
        " 1 in 10 templates changed"
    )
    print(
        table(
            [
                "templates",
                "plan requests",
                "plan s",
                "naive requests",
                "naive s",
                "speed-up",
                "plan says",
            ],
            rows,
        )
    )


if __name__ == "__main__":
    main()
