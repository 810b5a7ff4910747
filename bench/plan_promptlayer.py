"""`promptsync plan` on PromptLayer: requests and wall time for N templates x 3 release
labels (list pages of 100, plus the unlabelled list for latest), against the naive approach —
the official promptlayer SDK's `templates.get(name, {"label": L})` for each template and label.
Each measured plan follows one untimed plan, so neither side meets a cold emulator.

Run: .venv/bin/python -m bench.plan_promptlayer [--sizes 100 1000] [--latency-ms 0]
"""

from __future__ import annotations

import argparse
import os
import platform
import subprocess
import tempfile
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import httpx
import yaml
from promptlayer import PromptLayer

from bench.common import CHILD_ENV, KEY, table, user_python
from promptsync.backends.promptlayer.wire import publish_body
from promptsync.emulator import emulator_subprocess
from promptsync.kinds.prompts.changes import CreateVersion, VersionContent
from promptsync.kinds.prompts.identity import content_hash, content_of

LABELS = ["dev", "staging", "prod"]


def document(i: int, changed: bool) -> dict[str, Any]:
    """A realistic prompt file: system + user message, parameters, one tool."""
    return {
        "name": f"bench_{i:05d}",
        "provider": "openai",
        "model": "gpt-4o",
        "llm_parameters": {"temperature": 0.7 if changed else 0.2, "max_tokens": 512},
        "messages": [
            {"role": "system", "content": f"You are assistant bench_{i}. Version 0.\n" * 3},
            {"role": "user", "content": "Answer {question} for {customer}."},
        ],
        "tool_schema": [
            {
                "name": "lookup",
                "description": "Look up an order",
                "parameters": {"type": "object", "properties": {"id": {"type": "string"}}},
            }
        ],
        "environments": LABELS,
    }


def body(i: int) -> dict[str, Any]:
    doc = document(i, changed=False)
    content = VersionContent.model_validate(
        {k: v for k, v in doc.items() if k not in ("name", "environments")}
        | {"template_format": "f-string"}
    )
    op = CreateVersion(
        name=doc["name"],
        environments=LABELS,
        content=content,
        hash=content_hash(content_of(content)),
        file="bench",
    )
    return publish_body(op)


@contextmanager
def emulator(*args: str) -> Iterator[str]:
    extra = [] if "--db" in args else ["--db", ":memory:"]
    with emulator_subprocess("--api-key", KEY, *extra, *args, backend="promptlayer") as (_, url):
        yield url


def stats(url: str, reset: bool = False) -> int:
    headers = {"X-API-KEY": KEY}
    if reset:
        httpx.post(f"{url}/_emulator/stats/reset", headers=headers)
        return 0
    routes = httpx.get(f"{url}/_emulator/stats", headers=headers).json()["routes"]
    return sum(routes.values())


def seed(url: str, n: int) -> None:
    def publish(chunk: range) -> None:
        with httpx.Client(base_url=url, headers={"X-API-KEY": KEY}, timeout=60) as client:
            for i in chunk:
                r = client.post("/rest/prompt-templates", json=body(i))
                assert r.status_code == 200, r.text

    with ThreadPoolExecutor(4) as pool:
        list(pool.map(publish, [range(k, n, 4) for k in range(4)]))


def write_files(root: Path, n: int, changed_every: int) -> None:
    (root / "prompts").mkdir()
    (root / "promptsync.yaml").write_text(
        f"backend: promptlayer\nenvironments: {LABELS}\n", encoding="utf-8"
    )
    for i in range(n):
        (root / "prompts" / f"bench_{i:05d}.yaml").write_text(
            yaml.safe_dump(document(i, i % changed_every == 0), sort_keys=False), "utf-8"
        )


def run_plan(root: Path, url: str) -> tuple[float, str]:
    env = {**CHILD_ENV, "PROMPTLAYER_API_KEY": KEY, "PROMPTLAYER_API_URL": url}
    python = user_python()  # made before the clock starts
    start = time.perf_counter()
    proc = subprocess.run(
        [python, "-m", "promptsync", "--no-color", "plan"],
        cwd=root,
        env=env,
        capture_output=True,
        text=True,
        check=True,
    )
    return time.perf_counter() - start, proc.stdout.strip().splitlines()[-1]


def run_naive(url: str, n: int) -> float:
    """What a user would otherwise script: get each template by name for each label."""
    client = PromptLayer(api_key=KEY, base_url=url)
    start = time.perf_counter()
    for i in range(n):
        for label in LABELS:
            client.templates.get(f"bench_{i:05d}", {"label": label})
    return time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--sizes", type=int, nargs="+", default=[100, 1000])
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
            with emulator("--db", db) as url:  # seed at full speed
                seed(url, n)
            write_files(Path(tmp), n, changed_every=10)
            latency = ["--latency-ms", str(args.latency_ms)] if args.latency_ms else []
            with emulator("--db", db, *latency) as url:
                run_plan(Path(tmp), url)  # warm-up, untimed: a registry is not cold
                stats(url, reset=True)
                plan_seconds, summary = run_plan(Path(tmp), url)
                requests = stats(url)
                stats(url, reset=True)
                naive_seconds = run_naive(url, n)
                naive_requests = stats(url)
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
        f"promptsync plan benchmark (PromptLayer) — Python {platform.python_version()},"
        f" {platform.machine()}, {os.cpu_count()} CPUs; emulator in its own process;"
        f" {len(LABELS)} release labels + latest; per_page 100; 1 in 10 templates changed;"
        f" latency {args.latency_ms:g} ms"
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
