"""action.yml and the example workflows validate against GitHub's schemas (offline, vendored)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import REPO

CHECK = str(Path(sys.executable).parent / "check-jsonschema")
WORKFLOWS = [
    "docs/examples/pr-plan.yml",
    "docs/examples/deploy.yml",
    "promptsync/init_files/workflow.yml",
    "docs/examples/promptlayer-pr-plan.yml",
    "docs/examples/promptlayer-deploy.yml",
    "promptsync/init_files/promptlayer/workflow.yml",
    "docs/examples/drift.yml",
    "docs/examples/monorepo-pr-plan.yml",
    "docs/examples/monorepo-deploy.yml",
]


def check(schema: str, *files: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [CHECK, "--builtin-schema", schema, *files],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def test_action_yml() -> None:
    result = check("vendor.github-actions", "action.yml")
    assert result.returncode == 0, result.stdout + result.stderr


@pytest.mark.parametrize("workflow", WORKFLOWS)
def test_example_workflows(workflow: str) -> None:
    result = check("vendor.github-workflows", workflow)
    assert result.returncode == 0, result.stdout + result.stderr


def test_a_broken_workflow_fails() -> None:
    result = check("vendor.github-workflows", "tests/fixtures/broken-workflow.yml")
    assert result.returncode == 1
    assert "'runs-on' is a required property" in result.stdout


@pytest.mark.parametrize(
    ("workflow", "page"),
    [(w, "github-action.md") for w in WORKFLOWS[:2]]
    + [(w, "promptlayer.md") for w in WORKFLOWS[3:5]]
    + [(w, "monorepo.md") for w in WORKFLOWS[6:9]],
)
def test_docs_show_the_validated_workflows(workflow: str, page: str) -> None:
    doc = (REPO / "docs" / page).read_text(encoding="utf-8")
    assert (REPO / workflow).read_text(encoding="utf-8") in doc


def test_no_expression_inside_action_scripts() -> None:
    import yaml

    action = yaml.safe_load((REPO / "action.yml").read_text(encoding="utf-8"))
    for step in action["runs"]["steps"]:
        assert "${{" not in step["run"], step["name"]
