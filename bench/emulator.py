"""Emulator throughput: create-version and GET all/<env> with 2,000 templates.

Run: .venv/bin/python bench/emulator.py [--templates 2000]
"""

from __future__ import annotations

import argparse
import platform
import time
from concurrent.futures import ThreadPoolExecutor

from bench.common import PROJECT, emulator_process, table, version_body


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--templates", type=int, default=2000)
    parser.add_argument("--reads", type=int, default=40)
    args = parser.parse_args()
    n = args.templates
    base = f"/projects/{PROJECT}/prompt-templates"
    rows = []
    with emulator_process() as server:

        def create(chunk: range, env: str = "prod") -> None:
            with server.client() as client:
                for i in chunk:
                    r = client.post(
                        f"{base}/name/bench_{i:05d}/versions",
                        params={"create_template_if_not_exists": "true"},
                        json=version_body(f"bench_{i}", 0, [env]),
                    )
                    assert r.status_code == 201, r.text

        start = time.perf_counter()
        create(range(n))
        elapsed = time.perf_counter() - start
        rows.append(
            ["POST name/<name>/versions", "1", str(n), f"{elapsed:.2f}", f"{n / elapsed:,.0f}"]
        )

        workers = 4
        start = time.perf_counter()
        with ThreadPoolExecutor(workers) as pool:
            # Other templates, in staging: all/prod keeps exactly n templates.
            list(
                pool.map(
                    create,
                    [range(n + k, 2 * n, workers) for k in range(workers)],
                    ["staging"] * workers,
                )
            )
        elapsed = time.perf_counter() - start
        rows.append(
            [
                "POST name/<name>/versions",
                str(workers),
                str(n),
                f"{elapsed:.2f}",
                f"{n / elapsed:,.0f}",
            ]
        )

        with server.client() as client:
            size = len(client.get(f"{base}/all/prod").content)
            start = time.perf_counter()
            for _ in range(args.reads):
                r = client.get(f"{base}/all/prod")
                assert len(r.json()["prompt_templates"]) == n
            elapsed = time.perf_counter() - start
        rows.append(
            [
                f"GET all/prod ({n:,} templates, {size / 1e6:.1f} MB)",
                "1",
                str(args.reads),
                f"{elapsed:.2f}",
                f"{args.reads / elapsed:,.1f}",
            ]
        )
    print(
        f"promptsync emulator benchmark — Python {platform.python_version()}, "
        f"{platform.machine()}, in-memory SQLite, emulator in its own process"
    )
    print(table(["operation", "clients", "requests", "seconds", "requests/s"], rows))


if __name__ == "__main__":
    main()
