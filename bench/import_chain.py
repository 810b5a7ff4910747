"""The package's import graph at module level: how many modules, import cycles, and the longest
chain of top-level imports (what importing the deepest module pulls in, one after another).
The emulator is left out (its own package). Reads source only; runs nothing.

Run: .venv/bin/python -m bench.import_chain [ROOT]   (ROOT: a checkout, default: this one)
"""

from __future__ import annotations

import argparse
import ast
import sys
from functools import cache
from pathlib import Path


def modules(root: Path) -> dict[str, Path]:
    found = {}
    for path in (root / "promptsync").rglob("*.py"):
        parts = list(path.relative_to(root).with_suffix("").parts)
        if parts[-1] == "__init__":
            parts = parts[:-1]
        name = ".".join(parts)
        if not name.startswith("promptsync.emulator"):
            found[name] = path
    return found


def imports(path: Path, known: dict[str, Path]) -> set[str]:
    """The package's modules a module imports at its top level (`from p import m`: m)."""
    found: set[str] = set()
    for node in ast.parse(path.read_text(encoding="utf-8")).body:
        names: list[str] = []
        if isinstance(node, ast.Import):
            names = [a.name for a in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            subs = [f"{node.module}.{a.name}" for a in node.names]
            names = [s for s in subs if s in known] or [node.module]
        found.update(n for n in names if n in known)
    return found


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("root", nargs="?", default=".")
    root = Path(parser.parse_args().root)
    known = modules(root)
    edges = {m: imports(p, known) - {m} for m, p in known.items()}
    sys.setrecursionlimit(10_000)
    visiting: set[str] = set()
    cycles: list[str] = []

    @cache
    def longest(module: str) -> tuple[str, ...]:
        visiting.add(module)
        best: tuple[str, ...] = ()
        for other in sorted(edges[module]):
            if other in visiting:
                cycles.append(f"{module} -> {other}")
                continue
            best = max(best, longest(other), key=len)
        visiting.discard(module)
        return (module, *best)

    chain = max((longest(m) for m in sorted(known)), key=len)
    print(f"{len(known)} modules (the emulator left out); {len(cycles)} import cycle(s)")
    print(f"longest chain of top-level imports: {len(chain)} modules")
    print("  " + "\n  -> ".join(chain))


if __name__ == "__main__":
    main()
