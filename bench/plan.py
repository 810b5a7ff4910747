"""`promptsync plan` cost: requests, wall time and peak memory for N templates x 3 environments,
against the naive approach — the official freeplay SDK fetching each template by name in each
environment — and how the time grows with N. Each measured plan follows one untimed plan, so
neither side meets a cold emulator (a real registry is warm; the naive loop runs after the plan).

Each size is planned twice more: with a cold cache of checked files (`.promptsync/cache/`
deleted, as on a CI runner that restores none) and with a warm one (as on a developer's machine,
or a runner that restores it). The speed-up is the naive loop's time over each.

Run: .venv/bin/python -m bench.plan [--sizes 1000 5000 10000] [--envs 2] [--latency-ms 20]
     [--naive-max 1000]
"""

from __future__ import annotations

import argparse
import os
import platform
import shutil
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import yaml
from freeplay import Freeplay

from bench.common import (
    CHILD_ENV,
    KEY,
    PROJECT,
    Server,
    emulator_process,
    measured,
    table,
    user_python,
    version_body,
)

ENVS = ["dev", "staging", "prod"]  # --envs 2: the first two


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


def run_plan(root: Path, url: str) -> tuple[float, int, str]:
    """(seconds, peak RSS in KiB, the plan's last line) of `promptsync plan` as a new process."""
    env = {**CHILD_ENV, "FREEPLAY_API_KEY": KEY, "FREEPLAY_API_URL": url}
    python = user_python()  # made before the clock starts
    start = time.perf_counter()
    out, rss = measured([python, "-m", "promptsync", "--no-color", "plan"], root, env)
    return time.perf_counter() - start, rss, out.strip().splitlines()[-1]


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
    parser.add_argument("--sizes", type=int, nargs="+", default=[100, 1000, 5000, 10000])
    parser.add_argument("--envs", type=int, choices=[1, 2, 3], default=3)
    parser.add_argument(
        "--latency-ms",
        type=float,
        default=0.0,
        help="Emulated network latency per request (0: localhost as is).",
    )
    parser.add_argument(
        "--naive-max",
        type=int,
        default=1000,
        help="Run the naive loop only up to this many templates (it takes N x 3 requests).",
    )
    args = parser.parse_args()
    del ENVS[args.envs :]
    rows = []
    first: tuple[int, float] | None = None
    for n in args.sizes:
        with tempfile.TemporaryDirectory() as tmp:
            db = str(Path(tmp) / "emulator.sqlite")
            with emulator_process("--db", db) as server:  # seed at full speed
                seed(server, n)
            write_files(Path(tmp), n, changed_every=10)
            latency = ["--latency-ms", str(args.latency_ms)] if args.latency_ms else []
            with emulator_process("--db", db, *latency) as server:
                run_plan(Path(tmp), server.url)  # warm-up, untimed: a registry is not cold
                shutil.rmtree(Path(tmp) / ".promptsync", ignore_errors=True)
                server.reset_stats()
                cold_seconds, _, _ = run_plan(Path(tmp), server.url)  # no checked-files cache
                server.reset_stats()
                plan_seconds, rss, summary = run_plan(Path(tmp), server.url)  # the cache warm
                requests = sum(server.stats().values())
                server.reset_stats()
                naive = None
                if n <= args.naive_max:
                    naive = run_naive(server.url, n), sum(server.stats().values())
        first = first or (n, plan_seconds)
        growth = f"{plan_seconds / first[1]:.1f}x for {n / first[0]:g}x" if n != first[0] else "-"
        rows.append(
            [
                f"{n:,}",
                str(requests),
                f"{cold_seconds:.2f}",
                f"{plan_seconds:.2f}",
                f"{rss / 1024:.0f}",
                growth,
                f"{naive[1]:,}" if naive else "-",
                f"{naive[0]:.2f}" if naive else "-",
                f"{naive[0] / cold_seconds:.1f}x" if naive else "-",
                f"{naive[0] / plan_seconds:.1f}x" if naive else "-",
                summary,
            ]
        )
    print(
        f"promptsync plan benchmark — Python {platform.python_version()}, {platform.machine()},"
        f" {os.cpu_count()} CPUs; emulator in its own process; {len(ENVS)} environments;"
        f" 1 in 10 templates changed; latency {args.latency_ms:g} ms per request"
    )
    print(
        table(
            [
                "templates",
                "plan requests",
                "plan s (cold cache)",
                "plan s (warm cache)",
                "peak RSS MiB",
                "growth",
                "naive requests",
                "naive s",
                "speed-up cold",
                "speed-up warm",
                "plan says",
            ],
            rows,
        )
    )


if __name__ == "__main__":
    main()
