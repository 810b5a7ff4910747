"""`validate` takes the fast way on valid repositories and lands where `load_settings` would.

These guard the design the benchmark (bench/validate.py) measures, without timing anything:
no pydantic import and a single parse per file when every file is plain and valid.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from promptsync.errors import LoadError
from promptsync.jobs.validation import Where, _quick_where
from promptsync.kinds.prompts.load import check_prompts, load_prompts
from promptsync.repo import yamlmarks, yamlread
from promptsync.repo.settings import load_settings
from tests.conftest import REPO, RunCli

CORPUS = Path(__file__).parent / "corpus" / "projects"
HEAVY = ("pydantic", "httpx", "jinja2", "git", "deepdiff")


def _modules_after_validate(cwd: Path) -> tuple[int, list[str]]:
    code = (
        "import sys\nfrom promptsync.cli import main\nrc = main(['validate'])\n"
        f"print(rc, *sorted(m for m in sys.modules if m.split('.')[0] in {HEAVY!r}))"
    )
    proc = subprocess.run(
        [sys.executable, "-c", code], cwd=cwd, capture_output=True, text=True, check=True
    )
    rc, *heavy = proc.stdout.split("\n")[-2].split()
    return int(rc), heavy


def test_validating_a_valid_repository_imports_no_pydantic() -> None:
    assert _modules_after_validate(REPO) == (0, [])


def test_an_invalid_file_brings_in_the_models_for_its_messages(tmp_path: Path) -> None:
    shutil.copytree(REPO / "prompts", tmp_path / "prompts")
    shutil.copy(REPO / "promptsync.yaml", tmp_path)
    (tmp_path / "prompts" / "bad.yaml").write_text("name: x\n", encoding="utf-8")
    rc, heavy = _modules_after_validate(tmp_path)
    assert rc == 1
    assert "pydantic" in heavy


def test_plain_valid_files_are_parsed_once(monkeypatch: pytest.MonkeyPatch) -> None:
    careful: list[str] = []
    original = yamlmarks.record

    def counting(doc: yamlread.Document, root: Any) -> Any:
        careful.append(doc.path)
        return original(doc, root)

    monkeypatch.setattr(yamlread, "record", counting)
    checked = check_prompts(REPO / "prompts", ["staging", "prod"], REPO)
    assert checked.valid
    assert checked.files >= 7
    assert careful == []
    with pytest.raises(LoadError):  # the counter is in the path: a file with an error uses it
        load_prompts(REPO / "tests" / "corpus" / "projects" / "env_not_managed" / "prompts", [])
    assert careful


def _projects() -> list[Path]:
    return [REPO, *sorted(p for p in CORPUS.iterdir() if p.is_dir())]


ENVIRONS = [
    {},
    {"FREEPLAY_PROJECT_ID": "8f93dd00-2eb5-4ba2-9354-86d5c6831dfd"},
    {"FREEPLAY_API_URL": "https://app.freeplay.ai"},
    {"FREEPLAY_API_URL": "http://example.com"},
    {"FREEPLAY_PROJECT_ID": "nope"},
]


@pytest.mark.parametrize("environ", ENVIRONS)
@pytest.mark.parametrize("project", _projects(), ids=lambda p: p.name)
def test_quick_settings_agree_with_load_settings(project: Path, environ: dict[str, str]) -> None:
    quick = _quick_where(None, environ, project)
    try:
        settings = load_settings(None, environ, project)
    except Exception:
        assert quick is None  # only load_settings words the error
        return
    c = settings.config
    expected = Where(
        settings.root,
        settings.prompts_dir,
        c.environments,
        c.backend,
        settings.datasets_dir,
        settings.root / c.evals_dir,
    )
    assert quick in (None, expected)


def test_quick_settings_are_used_for_the_examples() -> None:
    assert _quick_where(None, {}, REPO) is not None
    assert _quick_where(None, {}, REPO / "prompts") is not None  # found by walking up


def test_validate_json_counts(run_cli: RunCli, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(REPO)
    code, out, _ = run_cli("validate", "--format", "json")
    assert code == 0
    assert '"files": 7' in out
    assert '"templates": 6' in out


FILES = sorted((Path(__file__).parent / "corpus" / "files").glob("*.y*ml"))


@pytest.mark.parametrize("file", [*FILES, *sorted((REPO / "prompts").rglob("*.yaml"))], ids=str)
def test_validate_and_load_prompts_report_the_same(file: Path, tmp_path: Path) -> None:
    """validate skips the models when it can; plan and render always build them."""
    (tmp_path / "prompts").mkdir()
    shutil.copy(file, tmp_path / "prompts" / file.name)
    checked = check_prompts(tmp_path / "prompts", ["staging", "prod"])
    if not checked.valid:
        with pytest.raises(LoadError) as info:
            load_prompts(tmp_path / "prompts", ["staging", "prod"])
        assert list(checked.issues) == info.value.issues
        return
    loaded = load_prompts(tmp_path / "prompts", ["staging", "prod"])
    assert checked.issues == loaded.warnings
    assert (checked.files, checked.templates) == (len(loaded.sources), len(loaded.templates))
