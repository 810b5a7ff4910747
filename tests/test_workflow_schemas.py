"""action.yml and the example workflows validate against GitHub's schemas (offline, vendored)."""

from __future__ import annotations

import re
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
    ".github/workflows/ci.yml",
    ".github/workflows/release.yml",
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


def test_dependabot_config() -> None:
    result = check("vendor.dependabot", ".github/dependabot.yml")
    assert result.returncode == 0, result.stdout + result.stderr


def test_a_broken_workflow_fails() -> None:
    result = check("vendor.github-workflows", "tests/fixtures/broken-workflow.yml")
    assert result.returncode == 1
    assert "'runs-on' is a required property" in result.stdout


@pytest.mark.parametrize(
    ("workflow", "page"),
    [(w, "github-action.md") for w in WORKFLOWS[:2]]
    + [(w, "promptlayer.md") for w in WORKFLOWS[3:5]]
    + [(w, "monorepo.md") for w in WORKFLOWS[8:11]]
    + [("promptsync/init_files/workflow.yml", "getting-started.md")],
)
def test_docs_show_the_validated_workflows(workflow: str, page: str) -> None:
    doc = (REPO / "docs" / page).read_text(encoding="utf-8")
    assert (REPO / workflow).read_text(encoding="utf-8") in doc


def test_no_expression_inside_action_scripts() -> None:
    import yaml

    action = yaml.safe_load((REPO / "action.yml").read_text(encoding="utf-8"))
    for step in action["runs"]["steps"]:
        assert "${{" not in step.get("run", ""), step["name"]


# Where users copy the Action from: the released major tag, never a path; any other action pinned
# by commit SHA with its version as a comment (the form Dependabot updates).
RELEASED = "OWNER/promptsync@v1"
USES = re.compile(r"^[ \t]*(?:-[ \t]*)?uses:[ \t]*(\S+)(.*)$", re.MULTILINE)
PINNED = re.compile(r"^[\w.-]+/[\w./-]+@[0-9a-f]{40}$")
DOCUMENTS = [
    "README.md",
    "CONTRIBUTING.md",
    "CHANGELOG.md",
    *(p.relative_to(REPO).as_posix() for p in sorted((REPO / "docs").rglob("*.md"))),
    *(p.relative_to(REPO).as_posix() for p in sorted((REPO / "docs").rglob("*.yml"))),
    *(p.relative_to(REPO).as_posix() for p in sorted((REPO / "promptsync").rglob("*.yml"))),
]
OURS = ["action.yml", *(p.relative_to(REPO).as_posix() for p in (REPO / ".github").rglob("*.yml"))]


def actions_used(path: str) -> list[tuple[str, str]]:
    return USES.findall((REPO / path).read_text(encoding="utf-8"))


@pytest.mark.parametrize("path", DOCUMENTS)
def test_docs_use_the_released_action_and_pin_the_others(path: str) -> None:
    for action, comment in actions_used(path):
        if action.startswith(".") or "promptsync" in action.partition("@")[0]:
            assert action == RELEASED, f"{path}: {action}"
        else:
            assert PINNED.match(action), f"{path}: {action} is not pinned by commit SHA"
            assert re.match(r"\s+# v\d", comment), f"{path}: {action} needs a # vX.Y.Z comment"


@pytest.mark.parametrize("path", OURS)
def test_our_workflows_and_the_action_pin_every_action(path: str) -> None:
    for action, comment in actions_used(path):
        if action == "./" and path == ".github/workflows/ci.yml":
            continue  # CI runs the Action from its own checkout
        assert PINNED.match(action), f"{path}: {action} is not pinned by commit SHA"
        assert re.match(r"\s+# v\d", comment), f"{path}: {action} needs a # vX.Y.Z comment"


def test_the_pin_check_sees_a_tag_and_a_path() -> None:
    assert not PINNED.match("actions/checkout@v4")
    assert not PINNED.match("./")
    assert USES.findall("      - uses: ./\n") == [("./", "")]
