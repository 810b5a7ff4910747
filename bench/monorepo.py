"""`promptsync plan --all` in a monorepo: P projects x N templates x 3 environments, each project
its own Freeplay project on one emulator (its own process). Measures every project's own `plan`
(a new process each), then `plan --all`: its requests must be the sum of the projects', and its
time within 1.5x the slowest project's plus start-up (the projects are read concurrently).
Every measured run follows one untimed run, so none meets a cold emulator.

Run: .venv/bin/python -m bench.monorepo [--projects 20] [--templates 100] [--latency-ms 0 50 200]
"""

from __future__ import annotations

import argparse
import os
import platform
import resource
import subprocess
import tempfile
import time
import uuid
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from pathlib import Path

import httpx

from bench.common import CHILD_ENV, KEY, Server, measured, table, user_python
from bench.plan import ENVS, write_files
from promptsync.emulator import emulator_subprocess


def project_ids(count: int) -> list[str]:
    return [str(uuid.UUID(int=0xB0000 + i)) for i in range(count)]


@contextmanager
def emulator(ids: list[str], *args: str) -> Iterator[Server]:
    """One emulator serving every project with the one key."""
    grants = [flag for pid in ids for flag in ("--api-key", KEY, "--project-id", pid)]
    with emulator_subprocess(*grants, *args) as (proc, url):
        yield Server(url, proc)


def seed(server: Server, ids: list[str], n: int) -> None:
    """n templates per project, each with one version deployed to every environment."""
    from bench.common import version_body

    def create(pid: str) -> None:
        with httpx.Client(
            base_url=f"{server.url}/api/v2",
            timeout=60,
            headers={"Authorization": f"Bearer {KEY}"},
        ) as client:
            for i in range(n):
                r = client.post(
                    f"/projects/{pid}/prompt-templates/name/bench_{i:05d}/versions",
                    params={"create_template_if_not_exists": "true"},
                    json=version_body(f"bench_{i}", 0, ENVS),
                )
                assert r.status_code == 201, r.text

    with ThreadPoolExecutor(4) as pool:
        list(pool.map(create, ids))


def make_repository(root: Path, ids: list[str], n: int) -> list[Path]:
    """services/pNN/ per project (bench.plan's files, 1 in 10 templates changed), committed."""
    configs = []
    for index, pid in enumerate(ids):
        project = root / "services" / f"p{index:02d}"
        project.mkdir(parents=True)
        write_files(project, n, changed_every=10)
        config = project / "promptsync.yaml"
        config.write_text(f"project_id: {pid}\nenvironments: {ENVS}\n", encoding="utf-8")
        configs.append(config)
    for args in (["init", "-q"], ["add", "-A"]):
        subprocess.run(["git", *args], cwd=root, check=True)
    subprocess.run(
        ["git", "-c", "user.name=b", "-c", "user.email=b@b", "commit", "-qm", "bench"],
        cwd=root,
        check=True,
    )
    return configs


def timed(root: Path, url: str, *args: str) -> tuple[float, str, float]:
    """(seconds, last line of stdout, CPU seconds of it and every process it started) of one
    promptsync process."""
    env = {**CHILD_ENV, "FREEPLAY_API_KEY": KEY, "FREEPLAY_API_URL": url}
    python = user_python()  # made before the clock starts
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    out, _ = measured([python, "-m", "promptsync", "--no-color", *args], root, env)
    seconds = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = after.ru_utime + after.ru_stime - before.ru_utime - before.ru_stime
    return seconds, (out.strip().splitlines() or [""])[-1], cpu


def cpu_seconds(pid: int) -> float:
    """CPU time a running process (the emulator) has used so far."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def requests(server: Server) -> int:
    return sum(server.stats().values())


def run_one(root: Path, configs: list[Path], db: str, ids: list[str], latency: float) -> list[str]:
    extra = ["--latency-ms", str(latency)] if latency else []
    with emulator(ids, "--db", db, *extra) as server:
        startup, _, _ = timed(root, server.url, "--version")
        singles: list[tuple[float, int]] = []
        for config in configs:
            rel = str(config.relative_to(root))
            timed(root, server.url, "--config", rel, "plan")  # warm-up
            server.reset_stats()
            seconds, _, _ = timed(root, server.url, "--config", rel, "plan")
            singles.append((seconds, requests(server)))
        timed(root, server.url, "plan", "--all")  # warm-up
        server.reset_stats()
        served = cpu_seconds(server.process.pid)
        all_seconds, said, all_cpu = timed(root, server.url, "plan", "--all")
        served = cpu_seconds(server.process.pid) - served
        all_requests = requests(server)
    slowest = max(s for s, _ in singles)
    bound = 1.5 * slowest + startup
    return [
        f"{latency:g}",
        f"{startup:.2f}",
        f"{slowest:.2f}",
        f"{sum(s for s, _ in singles):.2f}",
        f"{all_seconds:.2f}",
        f"{all_cpu:.2f}",
        f"{served:.2f}",
        f"{bound:.2f}",
        "yes" if all_seconds <= bound else "NO",
        f"{sum(r for _, r in singles)}",
        f"{all_requests}",
        said,
    ]


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--projects", type=int, default=20)
    parser.add_argument("--templates", type=int, default=100)
    parser.add_argument(
        "--latency-ms",
        type=float,
        nargs="+",
        default=[0.0, 50.0, 200.0],
        help="Emulated network latency per request, one run each (0: localhost as is).",
    )
    args = parser.parse_args()
    ids = project_ids(args.projects)
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp) / "repo"
        root.mkdir()
        db = str(Path(tmp) / "emulator.sqlite")
        with emulator(ids, "--db", db) as server:  # seed at full speed
            seed(server, ids, args.templates)
        configs = make_repository(root, ids, args.templates)
        for latency in args.latency_ms:
            rows.append(run_one(root, configs, db, ids, latency))
    print(
        f"promptsync plan --all benchmark — Python {platform.python_version()},"
        f" {platform.machine()}, {os.cpu_count()} CPUs; {args.projects} projects x"
        f" {args.templates} templates x {len(ENVS)} environments, 1 in 10 templates changed;"
        " emulator in its own process; every time is a new process, after one warm-up run"
    )
    print(
        table(
            [
                "latency ms",
                "start-up s",
                "slowest project s",
                "sum of projects s",
                "plan --all s",
                "its CPU s",
                "emulator CPU s",
                "1.5x slowest + start-up",
                "within",
                "sum of requests",
                "--all requests",
                "plan --all says",
            ],
            rows,
        )
    )


if __name__ == "__main__":
    main()
