"""Import fences: what each part of promptsync may depend on (ruff's banned-api enforces the
coarse version of these rules while editing; this test enforces them exactly)."""

from __future__ import annotations

import ast
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.conftest import REPO

PACKAGE = REPO / "promptsync"
# The functional core: decides, never does I/O, knows no registry and no wire format.
CORE = {
    "promptsync.plan",
    "promptsync.plan_models",
    "promptsync.identity",
    "promptsync.remote",
    "promptsync.breaking",
    "promptsync.diff",
    "promptsync.desired",
    "promptsync.pull",
    "promptsync.models",
    "promptsync.templating.mustache",
    "promptsync.templating.shapes",
    "promptsync.templating.probe",
    "promptsync.impact",
    "promptsync.impact_models",
    "promptsync.traffic",
    "promptsync.templating.fstring",
    "promptsync.templating.formats",
    "promptsync.templating.usage",
}
# promptsync.templating.jinja is the one exception: it parses PromptLayer's jinja2 templates
# with jinja2's own parser, and templating.formats imports it only when a jinja2 text is read.
NEVER_IN_CORE = ("promptsync.backends", "promptsync.jobs", "promptsync.commands", "promptsync.cli")
NEVER_IN_CORE_LIBS = ("httpx", "yaml", "git", "jinja2", "click", "sqlite3", "starlette")


def module_name(path: Path) -> str:
    parts = path.relative_to(REPO).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def modules() -> Iterator[tuple[str, ast.Module]]:
    for path in sorted(PACKAGE.rglob("*.py")):
        yield module_name(path), ast.parse(path.read_text(encoding="utf-8"))


def imported(tree: ast.AST, *, top_level_only: bool = False) -> set[str]:
    """Every module a tree imports (`from a import b` counts as a and a.b)."""
    found: set[str] = set()
    nodes = _top_level(tree) if top_level_only else ast.walk(tree)
    for node in nodes:
        if isinstance(node, ast.Import):
            found.update(a.name for a in node.names)
        elif isinstance(node, ast.ImportFrom):
            assert node.level == 0, "relative imports are banned"
            base = node.module or ""
            found.add(base)
            found.update(f"{base}.{a.name}" for a in node.names)
    return found


def _top_level(tree: ast.AST) -> Iterator[ast.AST]:
    """Imports executed when the module is imported (not inside functions or TYPE_CHECKING)."""
    for node in getattr(tree, "body", []):
        if isinstance(node, ast.If) and "TYPE_CHECKING" in ast.unparse(node.test):
            continue
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
            continue
        yield from ast.walk(node)


def uses(names: set[str], prefix: str) -> bool:
    return any(n == prefix or n.startswith(prefix + ".") for n in names)


ALL = dict(modules())
KNOWN = set(ALL)


@pytest.mark.parametrize("name", sorted(ALL))
def test_fences(name: str) -> None:
    names = imported(ALL[name])
    here = name.split(".")
    if uses(names, "httpx"):
        assert name.startswith(("promptsync.backends", "promptsync.emulator")) or name in (
            "promptsync.github",
        ), f"{name} imports httpx: HTTP lives in backends/ and github.py"
    if uses(names, "yaml"):
        assert name in ("promptsync.yamlread", "promptsync.yamlmarks", "promptsync.yamlwrite"), (
            f"{name} imports yaml: YAML is read in yamlread.py and written in yamlwrite.py"
        )
    if name.startswith("promptsync.emulator"):
        outside = [
            n for n in names if uses({n}, "promptsync") and not uses({n}, "promptsync.emulator")
        ]
        assert not outside, f"{name} imports {outside}: the emulator imports nothing of promptsync"
    if name in CORE:
        for banned in (*NEVER_IN_CORE, *NEVER_IN_CORE_LIBS):
            assert not uses(names, banned), f"{name} (the core) imports {banned}"
    if here[:2] == ["promptsync", "commands"] and len(here) == 3:
        others = [n for n in names if uses({n}, "promptsync.commands") and n != name]
        assert not others, f"{name} imports {others}: commands never import each other"
        assert not uses(names, "promptsync.cli"), f"{name} imports the CLI"
        assert not uses(names, "promptsync.backends"), f"{name}: commands reach backends via jobs"
    if name != "promptsync.cli":
        assert not uses(names, "promptsync.commands") or name.startswith("promptsync.commands"), (
            f"{name} imports a command: only cli.py dispatches to commands"
        )
        assert not uses(names, "promptsync.cli") or name == "promptsync.__main__", (
            f"{name} imports the CLI"
        )


def test_no_import_cycles() -> None:
    graph = {
        name: {
            n
            for n in imported(tree, top_level_only=True)
            if n in KNOWN and n != name and not name.startswith(n + ".")
        }
        for name, tree in ALL.items()
    }
    state: dict[str, int] = {}

    def visit(node: str, path: list[str]) -> None:
        state[node] = 1
        for nxt in sorted(graph[node]):
            if state.get(nxt) == 1:
                raise AssertionError("import cycle: " + " -> ".join([*path, node, nxt]))
            if nxt not in state:
                visit(nxt, [*path, node])
        state[node] = 2

    for name in sorted(graph):
        if name not in state:
            visit(name, [])


def test_the_fence_test_sees_violations() -> None:
    tree = ast.parse("import httpx\nfrom promptsync.backends.base import Backend\n")
    assert uses(imported(tree), "httpx")
    assert uses(imported(tree), "promptsync.backends")
    lazy = ast.parse("def f():\n    import yaml\n")
    assert uses(imported(lazy), "yaml")
    assert not uses(imported(lazy, top_level_only=True), "yaml")


def test_the_core_pulls_in_no_banned_library_even_indirectly() -> None:
    import subprocess
    import sys

    code = (
        "import sys\n"
        + "".join(f"import {name}\n" for name in sorted(CORE))
        + f"print(sorted(m for m in {NEVER_IN_CORE_LIBS!r} if m in sys.modules))"
    )
    done = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=60, check=True
    )
    assert done.stdout.strip() == "[]"
