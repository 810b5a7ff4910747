"""`promptsync validate` cost against the floor: a bare Python process that only reads the same
files with PyYAML's C loader. Wall time and peak RSS at several sizes; growth must stay linear.

Run: .venv/bin/python -m bench.validate [--sizes 1000 5000 10000] [--repeat 20]
"""

from __future__ import annotations

import argparse
import os
import platform
import random
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

from bench.common import PROJECT, table

ENVS = ["dev", "staging", "prod"]
TEXT = (
    "answer the customer politely and concisely cite the order number never invent a policy"
    " escalate refunds above the limit keep a friendly tone summarize the conversation so far"
    " respond in the language of the question list the steps one per line avoid jargon"
)
WORDS = TEXT.split()

# What a floor process does: find the files, read them, parse them with libyaml. Nothing else.
FLOOR = """
import os, sys, yaml
for root, dirs, files in os.walk(sys.argv[1]):
    for f in files:
        with open(os.path.join(root, f), "rb") as fh:
            yaml.load(fh.read(), Loader=yaml.CSafeLoader)
"""


# Installed packages have their bytecode compiled; PYTHONDONTWRITEBYTECODE (set in some sandboxes)
# would make every run recompile promptsync's own modules, which no installed copy ever does.
CHILD_ENV = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}


def _sentence(rng: random.Random) -> str:
    return " ".join(rng.choice(WORDS) for _ in range(rng.randint(8, 20))).capitalize() + "."


def _block(text: str, indent: int) -> str:
    pad = " " * indent
    return "|\n" + "".join(f"{pad}{line}\n" if line else "\n" for line in text.splitlines())


def prompt_text(i: int) -> str:
    """One realistic version file: several messages with mustache variables, maybe tools,
    declared variables; a few hundred bytes to a few KB."""
    rng = random.Random(i)
    variables = rng.sample(["customer", "question", "order_id", "language", "tone", "items"], 4)
    paragraphs = [
        " ".join(_sentence(rng) for _ in range(rng.randint(1, 4))) for _ in range(rng.randint(1, 8))
    ]
    system = "\n\n".join(paragraphs) + f"\nAlways answer in {{{{{variables[0]}}}}}.\n"
    # The long messages differ in every file: the parse cache only helps with the short ones.
    user = f"{_sentence(rng)}\n{{{{{variables[1]}}}}} asks:\n{{{{#{variables[2]}}}}}\n- {{{{.}}}}\n"
    user += f"{{{{/{variables[2]}}}}}\nContext: {{{{{variables[3]}}}}}\n"
    lines = [
        "# yaml-language-server: $schema=../schemas/prompt.schema.json",
        f"name: template_{i // 2:05d}",
        "provider: openai" if i % 3 else "provider: anthropic",
        "model: gpt-4o" if i % 3 else "model: claude-sonnet-4-5",
        "llm_parameters:",
        f"  temperature: {rng.choice([0, 0.2, 0.7])}",
        f"  max_tokens: {rng.choice([256, 512, 1024])}",
        "messages:",
        "  - role: system",
        "    content: " + _block(system, 6).rstrip("\n"),
    ]
    if rng.random() < 0.4:
        lines.append("  - kind: history")
    lines += ["  - role: user", "    content: " + _block(user, 6).rstrip("\n")]
    if rng.random() < 0.3:
        lines += [
            "  - role: assistant",
            f'    content: "Noted, {{{{{variables[0]}}}}}. Anything else?"',
            "  - role: user",
            "    content: Please attach the receipt.",
            "    media_slots:",
            "      - {type: image, placeholder_name: receipt}",
        ]
    if rng.random() < 0.5:
        lines.append("tool_schema:")
        for t in range(rng.randint(1, 3)):
            lines += [
                f"  - name: tool_{t}_{rng.choice(WORDS)}",
                f"    description: {_sentence(rng)}",
                "    parameters:",
                "      type: object",
                "      properties:",
                "        id: {type: string, description: The identifier}",
                "        limit: {type: integer, minimum: 1}",
                "      required: [id]",
            ]
    lines.append("environments: [prod]" if i % 2 == 0 else "environments: [dev, staging]")
    if rng.random() < 0.3:
        lines.append(f"version_name: v1.{i % 7}.0")
    lines.append("variables:")
    lines += [f"  {name}: {{example: {rng.choice(WORDS)}}}" for name in variables]
    return "\n".join(lines) + "\n"


def write_project(root: Path, n: int) -> None:
    (root / "promptsync.yaml").write_text(
        f"project_id: {PROJECT}\nenvironments: {ENVS}\n", encoding="utf-8"
    )
    for i in range(n):
        folder = root / "prompts" / f"team_{i % 20:02d}"  # a few folders, as real repos have
        folder.mkdir(parents=True, exist_ok=True)
        (folder / f"prompt_{i:05d}.yaml").write_text(prompt_text(i), encoding="utf-8")


@dataclass
class Run:
    wall: float  # seconds
    cpu: float  # user + system seconds of the child alone
    rss: int  # peak resident set, KiB
    stdout: str


def best(runs: list[Run]) -> Run:
    """The fastest wall and CPU times (the least disturbed by the rest of the machine) and the
    highest peak RSS seen."""
    return Run(
        min(r.wall for r in runs),
        min(r.cpu for r in runs),
        max(r.rss for r in runs),
        runs[0].stdout,
    )


def run_child(argv: list[str], cwd: Path) -> Run:
    """Wall time, CPU time and peak RSS of exactly this child process, and its stdout."""
    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:
        start = time.perf_counter()
        proc = subprocess.Popen(argv, cwd=cwd, stdout=out, stderr=err, env=CHILD_ENV)
        _, status, usage = os.wait4(proc.pid, 0)  # the child's own rusage, not all children's
        seconds = time.perf_counter() - start
        proc.returncode = os.waitstatus_to_exitcode(status)
        out.seek(0)
        err.seek(0)
        if proc.returncode != 0:
            raise SystemExit(f"{' '.join(argv)} failed ({proc.returncode}):\n{err.read().decode()}")
        cpu = usage.ru_utime + usage.ru_stime
        return Run(seconds, cpu, usage.ru_maxrss, out.read().decode().strip())


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--sizes", type=int, nargs="+", default=[1000, 5000, 10000])
    parser.add_argument("--repeat", type=int, default=20, help="Runs of each; the best is kept.")
    args = parser.parse_args()
    validate = [sys.executable, "-m", "promptsync", "validate"]
    floor = [sys.executable, "-c", FLOOR, "prompts"]
    rows = []
    times: dict[int, float] = {}
    ratios: dict[int, float] = {}
    for n in args.sizes:
        with tempfile.TemporaryDirectory() as tmp:
            root = Path(tmp)
            write_project(root, n)
            size = sum(p.stat().st_size for p in (root / "prompts").rglob("*.yaml"))
            run_child(validate, root)  # warm the page cache and the bytecode cache
            floor_runs, validate_runs = [], []
            for _ in range(args.repeat):  # interleaved, so both see the same machine
                floor_runs.append(run_child(floor, root))
                validate_runs.append(run_child(validate, root))
            fl, va = best(floor_runs), best(validate_runs)
        times[n] = va.wall
        ratios[n] = va.wall / fl.wall
        rows.append(
            [
                f"{n:,}",
                f"{size / n / 1024:.1f}",
                f"{fl.wall:.3f}",
                f"{va.wall:.3f}",
                f"{va.wall / fl.wall:.2f}x",
                f"{fl.cpu:.3f}",
                f"{va.cpu:.3f}",
                f"{va.cpu / fl.cpu:.2f}x",
                f"{fl.rss / 1024:.0f}",
                f"{va.rss / 1024:.0f}",
                va.stdout,
            ]
        )
    print(
        f"promptsync validate benchmark — Python {platform.python_version()},"
        f" {platform.machine()}, {os.cpu_count()} CPUs; best of {args.repeat} interleaved runs;"
        " floor = `python -c` reading the same files with yaml.CSafeLoader"
    )
    print(
        table(
            [
                "files",
                "KiB/file",
                "floor s",
                "validate s",
                "ratio",
                "floor CPU s",
                "validate CPU s",
                "CPU ratio",
                "floor RSS MiB",
                "validate RSS MiB",
                "validate says",
            ],
            rows,
        )
    )
    base = min(times)
    for n in sorted(times):
        if n != base:
            print(
                f"growth {base:,} → {n:,} files: {times[n] / times[base]:.2f}x time"
                f" for {n / base:.0f}x files"
            )
    if 1000 in ratios:
        print(f"target at 1,000 files: validate ≤ 1.6x the floor — {ratios[1000]:.2f}x")


if __name__ == "__main__":
    main()
