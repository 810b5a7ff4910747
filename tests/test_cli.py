from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

from promptsync.kinds.prompts.load import load_prompts
from tests.conftest import REPO, RunCli

HEAVY = ("httpx", "pydantic", "yaml", "jinja2", "git", "deepdiff")


def _imported_modules(*args: str) -> set[str]:
    code = (
        "import sys\nfrom promptsync.cli import main\n"
        f"rc = main({list(args)!r})\n"
        "print('\\n'.join(sorted(sys.modules)), file=sys.stderr)\n"
    )
    proc = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=60
    )
    return set(proc.stderr.split())


def test_version_and_help_stay_light() -> None:
    for args in (["--version"], ["--help"], ["validate", "--help"]):
        loaded = _imported_modules(*args)
        heavy = sorted(m for m in loaded if m.split(".")[0] in HEAVY)
        assert heavy == [], f"{args} imported {heavy}"


def test_version(run_cli: RunCli) -> None:
    code, out, _ = run_cli("--version")
    assert code == 0
    assert out.startswith("promptsync, version ")


def test_examples_validate(run_cli: RunCli, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.chdir(REPO)
    code, out, err = run_cli("validate")
    assert (code, err) == (0, "")
    assert out == (
        "prompts: 7 file(s), 6 template(s) valid.\n"
        "datasets: 1 dataset(s), 3 test case(s) valid.\n"
        "evals: 1 evaluation(s) valid.\n"
    )


def test_examples_cover_the_format() -> None:
    loaded = load_prompts(REPO / "prompts")
    prompts = [s.prompt for s in loaded.sources]
    assert len(loaded.templates) >= 6
    assert {p.provider for p in prompts} >= {"openai", "anthropic"}
    assert any(p.tool_schema for p in prompts)
    assert any(p.output_schema for p in prompts)
    assert any(p.environments is None for p in prompts)
    assert any(len(v) == 2 for v in loaded.templates.values())
    kinds = {type(m).__name__ for p in prompts for m in p.messages}
    assert "HistoryPlaceholder" in kinds
    assert any(getattr(m, "media_slots", None) for p in prompts for m in p.messages)
    anthropic = [p for p in prompts if p.provider == "anthropic"]
    assert any(getattr(m, "role", "") == "system" for p in anthropic for m in p.messages)


def test_validate_json(isolated: Path, run_cli: RunCli) -> None:
    (isolated / "prompts").mkdir()
    shutil.copy(REPO / "tests/corpus/files/bad_role.yaml", isolated / "prompts" / "a.yaml")
    shutil.copy(REPO / "prompts/weather_agent.yaml", isolated / "prompts" / "b.yaml")
    code, out, err = run_cli("validate", "--format", "json")
    assert code == 1
    assert err == ""
    report = json.loads(out)
    assert report["valid"] is False
    assert report["files"] == 0
    assert report["errors"] == [
        {
            "path": "prompts/a.yaml",
            "line": 5,
            "column": 11,
            "severity": "error",
            "message": "messages[0].role: must be one of system, user, assistant; got 'sytem'"
            " (did you mean 'system'?)",
        }
    ]


def test_validate_json_valid_with_warning(isolated: Path, run_cli: RunCli) -> None:
    (isolated / "prompts").mkdir()
    (isolated / "prompts" / "a.yaml").write_text(
        "name: a\nprovider: openai\nmodel: m\nmessages: [{role: user, content: hi}]\n"
        "variables: {unused: {}}\n",
        encoding="utf-8",
    )
    code, out, _ = run_cli("validate", "--format", "json")
    report = json.loads(out)
    assert code == 0
    assert report["valid"] is True
    assert (report["files"], report["templates"]) == (1, 1)
    assert report["warnings"][0]["message"] == (
        "variables: 'unused' is declared but not used in any message"
    )


def test_config_flag_and_env(isolated: Path, run_cli: RunCli, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    (isolated / "conf").mkdir()
    (isolated / "conf" / "ps.yaml").write_text("prompts_dir: ../p\n", encoding="utf-8")
    (isolated / "p").mkdir()
    shutil.copy(REPO / "prompts/weather_agent.yaml", isolated / "p" / "w.yaml")
    code, out, _ = run_cli("--config", "conf/ps.yaml", "validate")
    assert (code, out) == (0, "conf/../p: 1 file(s), 1 template(s) valid.\n")
    monkeypatch.setenv("PROMPTSYNC_CONFIG", "conf/ps.yaml")
    assert run_cli("validate")[0] == 0
    code, _, err = run_cli("--config", "missing.yaml", "validate")
    assert (code, err) == (1, "error: --config: config file missing.yaml not found\n")


def test_config_found_by_walking_up(isolated: Path, run_cli: RunCli, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    (isolated / "promptsync.yaml").write_text("prompts_dir: prompts\n", encoding="utf-8")
    (isolated / "prompts" / "deep").mkdir(parents=True)
    shutil.copy(REPO / "prompts/weather_agent.yaml", isolated / "prompts" / "deep" / "w.yml")
    monkeypatch.chdir(isolated / "prompts" / "deep")
    code, out, _ = run_cli("validate")
    assert (code, out) == (0, "..: 1 file(s), 1 template(s) valid.\n")


def test_usage_errors_exit_one(isolated: Path, run_cli: RunCli) -> None:
    code, _, err = run_cli("validate", "--format", "yaml")
    assert code == 1
    assert err.startswith("error: Invalid value for '--format'")
    assert run_cli("no-such-command")[0] == 1


def test_schema_command(run_cli: RunCli) -> None:
    code, out, _ = run_cli("schema", "prompt")
    assert code == 0
    assert json.loads(out)["title"] == "promptsync prompt file"


def test_init_writes_then_refuses(isolated: Path, run_cli: RunCli) -> None:
    code, out, _ = run_cli("init")
    assert code == 0
    assert "created promptsync.yaml" in out
    assert (isolated / ".github/workflows/promptsync.yml").is_file()
    assert run_cli("validate")[0] == 0
    before = (isolated / "promptsync.yaml").read_text()
    code, _, err = run_cli("init")
    assert code == 1
    assert "already exist" in err
    assert (isolated / "promptsync.yaml").read_text() == before


def test_init_refuses_when_any_file_exists(isolated: Path, run_cli: RunCli) -> None:
    (isolated / "promptsync.yaml").write_text("# mine\n", encoding="utf-8")
    code, _, err = run_cli("init")
    assert code == 1
    assert err == "error: init: promptsync.yaml already exist(s); nothing was written\n"
    assert not (isolated / "prompts").exists()


def test_closed_pipe_is_quiet(tmp_path: Path) -> None:
    code = (
        "import sys\nfrom promptsync.cli import main\n"
        "def broken(*a, **k):\n    raise BrokenPipeError\n"
        "sys.stdout.write = broken\n"
        "sys.exit(main(['schema', 'prompt']))\n"
    )
    proc = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=60, check=False
    )
    # A reader that went away is not promptsync's failure: quiet, and the command's own code.
    assert proc.returncode == 0
    assert proc.stderr == ""


def test_plan_module_imports_without_a_git_executable(tmp_path: Path) -> None:
    env = {"PATH": str(tmp_path), "HOME": str(tmp_path)}  # no git on PATH
    proc = subprocess.run(
        [
            sys.executable,
            "-c",
            "import promptsync.repo.gitinfo as g, pathlib; print(g.git_info(pathlib.Path('.')))",
        ],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.strip() == "(None, None)"
