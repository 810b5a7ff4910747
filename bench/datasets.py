"""Datasets: what a plan with 50 datasets × 200 test cases costs next to a plan of the same
project's templates alone (requests and wall time), and the requests of applying 10,000 new
test cases. Against the emulator in its own process; promptsync timed as a user installs it.

Run: .venv/bin/python -m bench.datasets [--datasets 50] [--cases 200] [--templates 50] [--runs 3]
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import subprocess
import tempfile
import time
from pathlib import Path

from bench.apply import write_files
from bench.common import CHILD_ENV, KEY, emulator_process, table, user_python


def write_project(root: Path, templates: int, datasets: int, cases: int) -> None:
    root.mkdir(parents=True, exist_ok=True)
    write_files(root, templates)  # the templates bench.apply plans
    if datasets:
        (root / "datasets").mkdir(exist_ok=True)
    for d in range(datasets):
        lines = "".join(
            json.dumps({"inputs": {"question": f"q{d}-{c}"}, "output": f"a{c}"}) + "\n"
            for c in range(cases)
        )
        (root / "datasets" / f"d{d:03d}.jsonl").write_text(lines, encoding="utf-8")
        (root / "datasets" / f"d{d:03d}.yaml").write_text(
            f"name: d{d:03d}\ncases_file: d{d:03d}.jsonl\n", encoding="utf-8"
        )


def size_of(directory: Path) -> int:
    return sum(f.stat().st_size for f in directory.rglob("*") if f.is_file())


def run(python: str, root: Path, url: str, *args: str) -> float:
    env = {**CHILD_ENV, "FREEPLAY_API_KEY": KEY, "FREEPLAY_API_URL": url}
    start = time.perf_counter()
    subprocess.run(
        [python, "-m", "promptsync", "--no-color", *args],
        cwd=root,
        env=env,
        check=True,
        capture_output=True,
    )
    return time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--datasets", type=int, default=50)
    parser.add_argument("--cases", type=int, default=200)
    parser.add_argument("--templates", type=int, default=50)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--bulk-cases", type=int, default=10_000)
    a = parser.parse_args()
    python = user_python()
    print(
        f"machine: {platform.machine()}, {os.cpu_count()} CPUs, Python {platform.python_version()}"
    )
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        # The same bytes of YAML as the datasets, as templates: what "at the same size of files"
        # compares with (a template file is ~150 bytes).
        probe = Path(tmp) / "probe"
        write_project(probe, 1, a.datasets, a.cases)
        dataset_bytes = size_of(probe / "datasets")
        one_template = size_of(probe / "prompts")
        same_size = a.templates + dataset_bytes // one_template
        plans = (
            ("templates alone", a.templates, 0),
            ("with datasets", a.templates, a.datasets),
            ("templates, same bytes", same_size, 0),
        )
        for label, templates, datasets in plans:
            with emulator_process() as server:
                root = Path(tmp) / label.replace(" ", "_").replace(",", "")
                write_project(root, templates, datasets, a.cases)
                run(python, root, server.url, "apply", "--auto-approve")
                run(python, root, server.url, "plan")  # warm
                times = []
                for _ in range(a.runs):
                    server.reset_stats()
                    times.append(run(python, root, server.url, "plan"))
                requests = sum(server.stats().values())
                rows.append(
                    [
                        label,
                        str(templates),
                        str(datasets),
                        f"{(size_of(root / 'prompts') + size_of(root / 'datasets')) / 1e6:.2f}",
                        str(requests),
                        f"{statistics.median(times):.2f}",
                    ]
                )
        alone, both, same = (float(r[5]) for r in rows)
        print(f"plan: {a.templates} templates, {a.datasets} datasets × {a.cases} test cases")
        print(table(["plan", "templates", "datasets", "MB of files", "requests", "median s"], rows))
        print(f"ratio with datasets / templates alone: {both / alone:.2f}×")
        print(f"ratio with datasets / templates of the same bytes: {both / same:.2f}×")
        with emulator_process() as server:
            root = Path(tmp) / "bulk"
            write_project(root, 0, 1, a.bulk_cases)
            server.reset_stats()
            seconds = run(python, root, server.url, "apply", "--auto-approve")
            stats = server.stats()
            print(
                f"apply of {a.bulk_cases:,} new test cases: {sum(stats.values())} requests"
                f" ({seconds:.2f} s)"
            )
            for route, count in sorted(stats.items()):
                print(f"  {count:5d}  {route}")


if __name__ == "__main__":
    main()
