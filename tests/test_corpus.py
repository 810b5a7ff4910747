"""Every malformed input gives exit 1 and the exact one-line error, never a traceback."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from promptsync.errors import LoadError
from promptsync.kinds.prompts.load import parse_prompt
from tests.conftest import RunCli

CORPUS = Path(__file__).parent / "corpus"


def _file_cases() -> list[tuple[str, str]]:
    lines = (CORPUS / "files" / "expected.txt").read_text(encoding="utf-8").splitlines()
    return [tuple(line.split(": ", 1)) for line in lines]  # type: ignore[misc]


def _project_cases() -> list[str]:
    return sorted(p.name for p in (CORPUS / "projects").iterdir() if p.is_dir())


def test_corpus_is_large_enough() -> None:
    assert len(_file_cases()) + len(_project_cases()) >= 40
    listed = {name for name, _ in _file_cases()}
    on_disk = {p.name for p in (CORPUS / "files").iterdir() if p.name != "expected.txt"}
    assert listed == on_disk


@pytest.mark.parametrize(("name", "expected"), _file_cases())
def test_bad_prompt_file(name: str, expected: str, isolated: Path, run_cli: RunCli) -> None:
    (isolated / "prompts").mkdir()
    shutil.copy(CORPUS / "files" / name, isolated / "prompts" / name)
    code, out, err = run_cli("validate")
    assert code == 1
    assert err.splitlines()[0] == f"error: prompts/{name}:{expected}"
    assert "Traceback" not in out + err


def _issues(raw: bytes) -> list[str]:
    try:
        return [str(i) for i in parse_prompt(raw, "p.yaml")[1]]
    except LoadError as exc:
        return [str(i) for i in exc.issues]


@pytest.mark.parametrize("name", [name for name, _ in _file_cases()])
def test_line_endings_do_not_move_positions(name: str) -> None:
    """Windows (CRLF) and old Mac (CR) line endings give the positions an editor shows."""
    raw = (CORPUS / "files" / name).read_bytes()
    expected = _issues(raw)
    assert _issues(raw.replace(b"\n", b"\r\n")) == expected
    assert _issues(raw.replace(b"\n", b"\r")) == expected


@pytest.mark.parametrize("case", _project_cases())
def test_bad_project(case: str, isolated: Path, run_cli: RunCli) -> None:
    shutil.copytree(CORPUS / "projects" / case, isolated, dirs_exist_ok=True)
    expected = (isolated / "expect.txt").read_text(encoding="utf-8").strip()
    code, out, err = run_cli("validate")
    assert code == 1
    assert err.splitlines()[0] == expected
    assert "Traceback" not in out + err


def test_file_over_one_mebibyte(isolated: Path, run_cli: RunCli) -> None:
    (isolated / "prompts").mkdir()
    text = "name: big\nprovider: openai\nmodel: m\nmessages:\n  - role: user\n    content: |\n"
    text += "      filler line\n" * (1024 * 1024 // 18 + 1)
    (isolated / "prompts" / "big.yaml").write_text(text, encoding="utf-8")
    code, _, err = run_cli("validate")
    size = len(text.encode())
    assert code == 1
    assert err.splitlines()[0] == (
        f"error: prompts/big.yaml:1:1: file is {size:,} bytes; the limit is 1 MiB"
    )


def test_all_errors_reported_at_once(isolated: Path, run_cli: RunCli) -> None:
    (isolated / "prompts").mkdir()
    for name in ("unknown_key_top.yaml", "bad_role.yaml", "tab_indent.yaml"):
        shutil.copy(CORPUS / "files" / name, isolated / "prompts" / name)
    code, _, err = run_cli("validate")
    assert code == 1
    # The three files are all versions of template `t` without environments: that is an error
    # too, and it is reported although the files have errors of their own.
    assert err.splitlines() == [
        "error: prompts/bad_role.yaml:5:11: messages[0].role: must be one of system, user,"
        " assistant; got 'sytem' (did you mean 'system'?)",
        "error: prompts/tab_indent.yaml:5:1: tab character; YAML must be indented with spaces",
        "error: prompts/unknown_key_top.yaml:1:7: template 't' already has a version without"
        " 'environments' in prompts/bad_role.yaml; at most one file per template may omit it",
        "error: prompts/unknown_key_top.yaml:4:1: unknown key 'modle' (did you mean 'model'?)",
        "4 errors in 3 file(s).",
    ]


def test_real_process_prints_one_line_and_no_traceback(isolated: Path) -> None:
    (isolated / "prompts").mkdir()
    shutil.copy(CORPUS / "files" / "alias_bomb.yaml", isolated / "prompts" / "a.yaml")
    proc = subprocess.run(
        [sys.executable, "-m", "promptsync", "validate"],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert proc.returncode == 1
    assert proc.stderr.splitlines() == [
        "error: prompts/a.yaml:1:14: YAML aliases expand to too many nodes (an alias bomb?)",
        "1 error in 1 file(s).",
    ]
