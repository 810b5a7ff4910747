"""The docs are executed (Sybil): every ```console block of README.md and docs/*.md runs, in
order, in a sandbox per page — a copy of the example project and a live emulator — and its
output must be what the page shows; every YAML example that is a prompt file, a dataset, an eval
file, a config or a workflow validates. A sample that drifts from what the program prints fails
`make test`.

In a console block, `$ command` lines run (a trailing backslash continues one); the lines after
one are its output (stdout and stderr together). `...` in the output matches anything (ids, times,
ports), on a line of its own or within one; `<url>` is the emulator's URL. Blocks of other
languages (`sh`, `yaml`) are illustrations: `sh` blocks are commands that need what a sandbox does
not have (a real registry, an install from PyPI), and are never run.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import jsonschema
import pytest
import yaml
from sybil import Document, Example, Sybil
from sybil.parsers.markdown import CodeBlockParser

from promptsync.commands.schema import schema
from promptsync.emulator import running_emulator
from tests.conftest import REPO

DOCS = [REPO / "README.md", *sorted((REPO / "docs").glob("*.md"))]
WORKFLOW_SCHEMA = (
    Path(str(__import__("check_jsonschema").__file__)).parent
    / "builtin_schemas"
    / "vendor"
    / "github-workflows.json"
)


# --- console blocks -----------------------------------------------------------------------------


def commands(text: str) -> Iterator[tuple[str, str]]:
    """(command, expected output) pairs of a console block."""
    lines = text.splitlines()
    i = 0
    while i < len(lines):
        line = lines[i]
        if not line.startswith("$ "):
            i += 1
            continue
        command = line[2:]
        while command.endswith("\\") and i + 1 < len(lines):
            i += 1
            command = command[:-1] + "\n" + lines[i]
        i += 1
        output = []
        while i < len(lines) and not lines[i].startswith("$ "):
            output.append(lines[i])
            i += 1
        yield command, "\n".join(output).strip("\n")


def _lines(text: str) -> str:
    """Trailing spaces do not count (editors strip them from a page)."""
    return "\n".join(line.rstrip() for line in text.strip().splitlines())


def matches(expected: str, got: str) -> bool:
    pattern = re.escape(_lines(expected)).replace(re.escape("..."), ".*?")
    return re.fullmatch(pattern, _lines(got), re.S) is not None


def _run_console(example: Example) -> None:
    box: Sandbox = example.namespace["sandbox"]
    for command, shown in commands(str(example.parsed)):
        got = box.run(command)
        expected = shown.replace("<url>", box.url)
        if not matches(expected, got):
            raise AssertionError(
                f"{Path(example.path).name}:{example.line}: $ {command}\n--- the page shows:\n"
                f"{expected}\n--- promptsync printed:\n{got}"
            )


# --- YAML blocks --------------------------------------------------------------------------------


def _kind(text: str, data: Any) -> str | None:
    first = text.lstrip().splitlines()[0] if text.strip() else ""
    if isinstance(data, dict) and "jobs" in data and ("on" in data or True in data):
        return "workflow"
    for marker, kind in (
        ("promptsync.yaml", "config"),
        ("prompts/", "prompt"),
        ("datasets/", "dataset"),
        ("evals/", "eval"),
    ):
        if first.startswith("#") and marker in first:
            return kind
    return None


def _check_yaml(example: Example) -> None:
    text = str(example.parsed)
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError:
        return  # a fragment (a step, a few keys): an illustration
    kind = _kind(text, data)
    if kind is None:
        return
    where = f"{Path(example.path).name}:{example.line}"
    if kind == "workflow":
        if True in data:  # YAML 1.1 reads `on:` as true
            data["on"] = data.pop(True)
        validator: Any = jsonschema.Draft7Validator(json.loads(WORKFLOW_SCHEMA.read_text()))
    else:
        validator = jsonschema.Draft202012Validator(schema(kind))
    errors = sorted(validator.iter_errors(data), key=lambda e: e.path)
    assert not errors, f"{where}: the {kind} example does not validate: {errors[0].message}"


class Sandbox:
    """A copy of the example project, an emulator, and the environment a reader has."""

    def __init__(self, root: Path, url: str) -> None:
        self.root = self.cwd = root
        self.url = url
        bin_dir = str(Path(sys.executable).parent)
        self.env = {
            "PATH": f"{bin_dir}:/usr/bin:/bin",
            "HOME": str(root / "home"),
            # The example project's promptsync.yaml names the emulator at 127.0.0.1:8765; this
            # one listens elsewhere. Nothing else is given: the key and project are the pages'.
            "FREEPLAY_API_URL": url,
            "ANTHROPIC_API_KEY": "doc-model-key",
            "ANTHROPIC_BASE_URL": url,
            "OPENAI_API_KEY": "doc-model-key",
            "OPENAI_BASE_URL": f"{url}/v1",
            "NO_COLOR": "1",
            "PYTHONUNBUFFERED": "1",
            "GIT_AUTHOR_NAME": "docs",
            "GIT_AUTHOR_EMAIL": "docs@example.com",
            "GIT_COMMITTER_NAME": "docs",
            "GIT_COMMITTER_EMAIL": "docs@example.com",
        }

    def run(self, command: str) -> str:
        if command.startswith("cd "):
            self.cwd = (self.cwd / command[3:].strip()).resolve()
            return ""
        if command.startswith("export ") and "=" in command and ";" not in command:
            for pair in command[7:].split():
                name, _, value = pair.partition("=")
                value = value.replace("http://127.0.0.1:8765", self.url)
                self.env[name] = value.replace("<url>", self.url)
            return ""
        done = subprocess.run(
            ["bash", "-c", command],
            cwd=self.cwd,
            env=self.env,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,  # in the order a terminal shows them (unbuffered below)
            text=True,
            timeout=120,
            check=False,
        )
        return done.stdout


SYBIL = Sybil(
    parsers=[
        CodeBlockParser(language="console", evaluator=_run_console),
        CodeBlockParser(language="yaml", evaluator=_check_yaml),
    ],
)


@pytest.mark.parametrize("page", DOCS, ids=lambda p: p.name)
def test_the_page_is_what_the_program_does(page: Path, tmp_path: Path) -> None:
    document: Document = SYBIL.parse(page)
    examples = list(document)
    if not examples:
        pytest.skip("no runnable or checkable examples")
    project = tmp_path / "project"
    project.mkdir()
    for name in ("prompts", "datasets", "evals", "schemas"):
        shutil.copytree(REPO / name, project / name)
    shutil.copy(REPO / "promptsync.yaml", project)
    (project / "home").mkdir()
    with running_emulator() as emulator:
        document.namespace["sandbox"] = Sandbox(project, emulator.url)
        for example in examples:
            example.evaluate()


def test_the_console_reader() -> None:
    block = "$ promptsync plan \\\n  --format json\n{...}\n$ true\n"
    assert list(commands(block)) == [("promptsync plan \n  --format json", "{...}"), ("true", "")]
    assert matches("Plan: ... to create", "Plan: 3 to create")
    assert not matches("Plan: 2", "Plan: 3")
    assert os.sep == "/"


def test_the_adopting_page_names_the_file_pull_writes() -> None:
    from promptsync.kinds.prompts.pull import file_stem

    page = (REPO / "docs" / "adopting.md").read_text(encoding="utf-8")
    assert f"prompts/{file_stem('team/bot')}.yaml" in page
