"""Helpers shared by the benchmarks: an emulator in its own process, timing, tables."""

from __future__ import annotations

import subprocess
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

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
