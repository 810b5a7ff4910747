"""Import fences: what each part of promptsync may depend on (ruff's banned-api enforces the
coarse version of these rules while editing; this test enforces them exactly)."""

from __future__ import annotations

import ast
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.conftest import REPO

PACKAGE = REPO / "promptsync"
# The stages, lowest first (docs/architecture.md draws them). A module may import its own stage
# and any stage below it; never one above, never another stage of the same rank.
STAGES: dict[str, int] = {
    "shared": 0,  # errors, console, interrupts, threads, the package itself
    "templating": 1,
    "repo": 2,
    "kinds": 3,
    "impact": 4,
    "evaluate": 4,
    "plan": 5,
    "backends": 6,
    "github": 6,
    "apply": 7,
    "display": 8,
    "jobs": 9,
    "commands": 10,
    "cli": 11,
    "__main__": 12,
}
SHARED = {"promptsync", "promptsync.errors", "promptsync.console", "promptsync.interrupts"}
SHARED |= {"promptsync.threads"}
# What the emulator may import of promptsync besides itself: the renderers it shares with
# `promptsync render`, which import nothing of promptsync themselves.
# The one module of the product that imports the emulator: the command that runs it.
RUNS_THE_EMULATOR = "promptsync.commands.emulator"
EMULATOR_MAY_IMPORT = {"promptsync.templating.flavors", "promptsync.templating.server_render"}
# The functional core: decides, never does I/O, knows no registry and no wire format.
CORE = {
    "promptsync.kinds.common",
    "promptsync.kinds.prompts.planner",
    "promptsync.kinds.prompts.changes",
    "promptsync.kinds.prompts.identity",
    "promptsync.kinds.prompts.remote",
    "promptsync.kinds.prompts.breaking",
    "promptsync.kinds.prompts.diff",
    "promptsync.kinds.prompts.desired",
    "promptsync.kinds.prompts.pull",
    "promptsync.kinds.prompts.models",
    "promptsync.plan.models",
    "promptsync.templating.mustache",
    "promptsync.templating.shapes",
    "promptsync.templating.probe",
    "promptsync.templating.fstring",
    "promptsync.templating.formats",
    "promptsync.templating.usage",
    "promptsync.impact.analysis",
    "promptsync.impact.models",
    "promptsync.impact.traffic",
}
# promptsync.templating.jinja is the one exception: it parses PromptLayer's jinja2 templates
# with jinja2's own parser, and templating.formats imports it only when a jinja2 text is read.
NEVER_IN_CORE_LIBS = ("httpx", "yaml", "git", "jinja2", "click", "sqlite3", "starlette")
# The [emulator] extra: only the emulator imports it (plan and apply run without it).
EMULATOR_EXTRA = ("starlette", "uvicorn")


def stage(name: str) -> str:
    """The stage a module of promptsync belongs to."""
    if name in SHARED:
        return "shared"
    part = name.split(".")[1]
    return part if part in STAGES else "emulator" if part == "emulator" else "?"


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


def test_every_module_has_a_stage() -> None:
    assert not [n for n in ALL if stage(n) == "?"], "a module outside every stage: add its folder"


def stage_problems(name: str, names: set[str]) -> list[str]:
    """Where `name`, importing `names`, crosses a fence."""
    here = stage(name)
    problems = []
    for other in sorted(n for n in names if uses({n}, "promptsync") and n in KNOWN):
        there = stage(other)
        if here == "emulator":
            if there != "emulator" and other not in EMULATOR_MAY_IMPORT:
                problems.append(f"{name} imports {other}: the emulator imports nothing else")
        elif there == "emulator":
            if name != RUNS_THE_EMULATOR:
                problems.append(f"{name} imports {other}: the product never imports the emulator")
        elif there != here and STAGES[there] >= STAGES[here]:
            problems.append(f"{name} ({here}) imports {other} ({there}), not a stage below it")
        elif here == "kinds" and there == "kinds":
            mine, theirs = name.split(".")[2], other.split(".")[2]
            if mine != theirs and theirs in KINDS:
                problems.append(f"{name} imports {other}: a kind never imports another kind")
    return problems


KINDS = {p.name for p in (PACKAGE / "kinds").iterdir() if (p / "__init__.py").is_file()}


@pytest.mark.parametrize("name", sorted(ALL))
def test_fences(name: str) -> None:
    names = imported(ALL[name])
    here = name.split(".")
    assert not stage_problems(name, names)
    if uses(names, "httpx"):
        assert stage(name) in ("backends", "github", "emulator"), (
            f"{name} imports httpx: HTTP lives in backends/ and github/"
        )
    if uses(names, "yaml"):
        assert name in (
            "promptsync.repo.yamlread",
            "promptsync.repo.yamlmarks",
            "promptsync.repo.yamlwrite",
        ), f"{name} imports yaml: YAML is read in repo/yamlread.py and written in repo/yamlwrite.py"
    if stage(name) != "emulator":
        assert not any(uses(names, lib) for lib in EMULATOR_EXTRA), (
            f"{name} imports the emulator's web stack: it is the [emulator] extra, which the"
            " Action does not install"
        )
    if name in CORE:
        for banned in NEVER_IN_CORE_LIBS:
            assert not uses(names, banned), f"{name} (the core) imports {banned}"
    if here[:2] == ["promptsync", "commands"] and len(here) >= 3:
        own = ".".join(here[:3])  # a command's module, or its package (commands/github/)
        others = [
            n
            for n in names
            if uses({n}, "promptsync.commands")
            and not uses({n}, own)
            and not uses({n}, "promptsync.commands.options")
        ]
        assert not others, f"{name} imports {others}: commands never import each other"
        assert not uses(names, "promptsync.backends"), f"{name}: commands reach backends via jobs"


def test_the_fence_test_sees_a_lower_stage_importing_a_higher_one() -> None:
    assert stage_problems("promptsync.kinds.prompts.planner", {"promptsync.plan.models"})
    assert stage_problems("promptsync.repo.settings", {"promptsync.kinds.prompts.load"})
    assert stage_problems("promptsync.backends.base", {"promptsync.github.rest"})
    assert stage_problems("promptsync.templating.flavors", {"promptsync.emulator.formatting"})
    assert stage_problems("promptsync.emulator.store", {"promptsync.repo.rules"})
    assert not stage_problems("promptsync.emulator.formatting", {"promptsync.templating.flavors"})
    assert not stage_problems("promptsync.jobs.planning", {"promptsync.plan.models"})


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


def test_a_plain_plan_imports_neither_evaluation_nor_impact() -> None:
    """`plan` without --eval or --impact does not pay for importing them (~0.06 s of a 1,000
    template plan): they are imported where they are asked for."""
    import subprocess
    import sys

    modules = (
        "promptsync.cli.app",
        "promptsync.commands.plan",
        "promptsync.commands.projects",
        "promptsync.jobs.planning",
        "promptsync.jobs.projects",
        "promptsync.backends.freeplay.client",
        "promptsync.backends.promptlayer.client",
        "promptsync.display.formats",
    )
    lazy = ("promptsync.jobs.evaluation", "promptsync.evaluate.run", "promptsync.jobs.impact")
    code = (
        "import sys\n"
        + "".join(f"import {name}\n" for name in modules)
        + f"print(sorted(m for m in {lazy!r} if m in sys.modules))"
    )
    done = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=60, check=True
    )
    assert done.stdout.strip() == "[]"
