"""Evaluation speed: N model calls against the emulator's OpenAI-compatible endpoint with added
latency at a concurrency, against the ideal (N × latency / concurrency); the same run again
(every answer from the cache); and the cache's lookup cost at 10,000 entries.

Run: .venv/bin/python -m bench.eval [--calls 200] [--latency-ms 300] [--concurrency 16]
"""

from __future__ import annotations

import argparse
import os
import platform
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

from promptsync.emulator import running_emulator
from promptsync.emulator.faults import FaultConfig
from promptsync.evaluate.cache import ResponseCache
from promptsync.evaluate.calls import ModelClients
from promptsync.evaluate.checks import Answer
from promptsync.evaluate.models import EvalFile
from promptsync.evaluate.run import EvalOptions, EvalTarget, evaluate
from promptsync.kinds.datasets.desired import DatasetSource
from promptsync.kinds.datasets.identity import case_content


def target(n: int) -> EvalTarget:
    cases = tuple(case_content({"question": f"question {i}"}) for i in range(n))
    dataset = DatasetSource("d.yaml", "d", None, ("question",), True, cases, ("d.yaml:1",) * n)
    content: dict[str, Any] = {
        "messages": [{"role": "user", "content": "{{question}}"}],
        "provider": "openai",
        "model": "gpt-4o-mini",
        "llm_parameters": {},
        "tool_schema": None,
        "output_schema": None,
    }
    spec = EvalFile.model_validate({"template": "t", "dataset": "d", "checks": [{"max_chars": 99}]})
    return EvalTarget(spec, "e.yaml", content, dataset)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--calls", type=int, default=200)
    parser.add_argument("--latency-ms", type=float, default=300)
    parser.add_argument("--concurrency", type=int, default=16)
    parser.add_argument("--entries", type=int, default=10_000)
    a = parser.parse_args()
    print(
        f"machine: {platform.machine()}, {os.cpu_count()} CPUs, Python {platform.python_version()}"
    )
    ideal = a.calls * a.latency_ms / 1000 / a.concurrency
    with (
        tempfile.TemporaryDirectory() as tmp,
        running_emulator(faults=FaultConfig(latency_ms=a.latency_ms)) as fp,
    ):
        environ = {"OPENAI_API_KEY": "bench", "OPENAI_BASE_URL": fp.openai_base_url}
        cache = ResponseCache(Path(tmp) / "cache")
        runs = []
        for label in ("cold cache", "warm cache"):
            clients = ModelClients({}, environ)
            before = fp.model_calls
            start = time.perf_counter()
            result = evaluate(
                [target(a.calls)],
                clients,
                cache,
                EvalOptions(concurrency=a.concurrency),
                progress=lambda _line: None,
                stop=threading.Event(),
            )
            seconds = time.perf_counter() - start
            runs.append((label, fp.model_calls - before, seconds, result.templates[0].after.passed))
    for label, calls, seconds, passed in runs:
        print(f"{label}: {calls} model calls, {seconds:.2f} s, {passed} passed")
    print(
        f"ideal {a.calls} × {a.latency_ms:g} ms / {a.concurrency} = {ideal:.2f} s;"
        f" cold run / ideal = {runs[0][2] / ideal:.2f}×"
    )
    with tempfile.TemporaryDirectory() as tmp:
        cache = ResponseCache(Path(tmp))
        keys = [f"{i:064x}" for i in range(a.entries)]
        for key in keys:
            cache.put(key, Answer(f"answer {key[-6:]}", (), 10, 5))
        start = time.perf_counter()
        hits = sum(cache.get(key) is not None for key in keys)
        per = (time.perf_counter() - start) / a.entries * 1000
        print(f"cache: {hits:,} of {a.entries:,} entries read back, {per:.3f} ms per lookup")


if __name__ == "__main__":
    main()
