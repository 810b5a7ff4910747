"""`validate --all`, `plan --all`, `apply --all`: the pure parts with literal inputs, then the CLI
over a real emulator in a git repository of three projects (one with a broken config)."""

from __future__ import annotations

import io
import json
import os
import re
import subprocess
import sys
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

import jsonschema
import pytest

from promptsync.display.projects import (
    projects_markdown_parts,
    projects_summary_line,
    projects_text,
)
from promptsync.emulator import RunningEmulator, running_emulator
from promptsync.plan.projects import ProjectError, ProjectPlan, ProjectsPlan, summarize
from promptsync.repo.projects import branch_slugs, choose_configs, touched
from tests.conftest import REPO, RunCli
from tests.monorepo import BROKEN, KEY, PROJECTS, git, make_monorepo, prompt, write

READ = "GET /api/v2/projects/{project_id}/prompt-templates/all/{environment}"

# --- pure parts --------------------------------------------------------------------------------


def test_one_project_per_directory_holding_a_config() -> None:
    top = Path("/repo")
    found = choose_configs(
        top,
        [
            "services/b/promptsync.yml",
            "services/b/promptsync.yaml",  # .yaml wins, as --config discovery prefers it
            "promptsync.yaml",
            "services/a/promptsync.yml",
            "docs/notpromptsync.yaml",
            ".github/workflows/promptsync.yml",  # the workflow `promptsync init` writes
            "services/a/prompts/x.yaml",
            "",
        ],
    )
    assert [(p.path, p.config.relative_to(top).as_posix()) for p in found] == [
        (".", "promptsync.yaml"),
        ("services/a", "services/a/promptsync.yml"),
        ("services/b", "services/b/promptsync.yaml"),
    ]


def test_touched_by_paths_inside_a_directory_only() -> None:
    assert touched(["services/a"], ["services/a/prompts/x.yaml"])
    assert touched(["services/a"], ["services/a"])
    assert not touched(["services/a"], ["services/ab/prompts/x.yaml", "README.md"])
    assert touched(["."], ["README.md"])
    assert touched(["services/a", "shared/prompts"], ["shared/prompts/x.yaml"])
    assert not touched(["services/a"], [])


def test_branch_slugs_are_safe_and_distinct() -> None:
    slugs = branch_slugs([".", "services/support", "a-b/c", "a/b-c", "we ird/..x.lock"])
    assert slugs["."] == "root"
    assert slugs["services/support"] == "services-support"
    assert slugs["a-b/c"] != slugs["a/b-c"]
    assert slugs["a-b/c"].startswith("a-b-c-")
    assert slugs["we ird/..x.lock"] == "we-ird-.x"


def entry(path: str, **fields: Any) -> ProjectPlan:
    return ProjectPlan(path=path, config=f"{path}/promptsync.yaml", **fields)


def combined(*entries: ProjectPlan) -> ProjectsPlan:
    return ProjectsPlan(
        promptsync_version="0",
        created_at="2024-01-01T00:00:00Z",
        git=None,
        changed_since="origin/main",
        projects=list(entries),
        summary=summarize(entries),
    )


def test_summary_of_failed_and_skipped_projects() -> None:
    plans = combined(
        entry("a", error=ProjectError(messages=["error: a/promptsync.yaml:1:1: bad", "error: b"])),
        entry("b", skipped="no changed files since origin/main"),
    )
    assert plans.summary.model_dump() == {
        "projects": 2,
        "planned": 0,
        "skipped": 1,
        "failed": 1,
        "changed": 0,
        "create": 0,
        "update": 0,
        "promote": 0,
        "no_op": 0,
        "breaking": 0,
        "orphans": 0,
    }
    assert projects_summary_line(plans) == (
        "Nothing planned — 2 projects: 0 planned, 1 skipped, 1 failed."
    )
    assert projects_text(plans) == (
        "=== a (a/promptsync.yaml) ===\n"
        "error: a/promptsync.yaml:1:1: bad\nerror: b\n\n"
        "=== b (b/promptsync.yaml) ===\n"
        "Skipped: no changed files since origin/main.\n\n"
        "Nothing planned — 2 projects: 0 planned, 1 skipped, 1 failed.\n"
    )


def test_markdown_splits_into_parts_under_the_limit() -> None:
    errors = [f"error: prompts/t{i}.yaml:1:1: " + "x" * 200 for i in range(100)]  # ~22 KB each
    plans = combined(*(entry(f"p{n}", error=ProjectError(messages=errors)) for n in range(5)))
    parts = projects_markdown_parts(plans, limit=65_536)
    assert len(parts) == 3  # the table and two sections, two sections, one section
    assert all(len(p) <= 65_536 - 300 for p in parts)
    assert parts[0].startswith("### promptsync plan — all projects\n")
    assert "| ❌ | `p4` | failed: prompts/t0.yaml:1:1: " in parts[0]  # the table: every project
    assert parts[1].endswith("*Part 2 of 3 of the plan.*\n")
    assert sum(p.count("#### promptsync plan — p") for p in parts) == 5  # no section split
    small = projects_markdown_parts(combined(entry("p", skipped="nothing changed")))
    assert len(small) == 1
    assert "Part" not in small[0]


def test_a_section_larger_than_a_comment_is_shortened() -> None:
    errors = [f"error: {'y' * 300}" for _ in range(400)]  # ~120 KB
    parts = projects_markdown_parts(combined(entry("big", error=ProjectError(messages=errors))))
    assert all(len(p) <= 65_536 - 300 for p in parts)
    assert "**Truncated:** the full list is in the job summary." in parts[-1]


# --- the CLI over an emulator ------------------------------------------------------------------


@pytest.fixture
def fp() -> Iterator[RunningEmulator]:
    with running_emulator(api_keys=[KEY] * len(PROJECTS), project_ids=list(PROJECTS.values())) as e:
        yield e


@pytest.fixture
def mono(isolated: Path, fp: RunningEmulator, monkeypatch: pytest.MonkeyPatch) -> Path:
    root = make_monorepo(isolated / "mono", fp.url)
    monkeypatch.chdir(root)
    monkeypatch.setenv("FREEPLAY_API_KEY", KEY)
    return root


def unbreak(root: Path) -> None:
    git(root, "rm", "-rq", BROKEN)
    git(root, "commit", "-qm", "drop the broken project")


def test_validate_all_names_the_broken_project(mono: Path, run_cli: RunCli) -> None:
    code, out, err = run_cli("validate", "--all")
    assert code == 1
    assert out == (
        "services/alpha: services/alpha/prompts: 2 file(s), 2 template(s) valid.\n"
        "services/beta: services/beta/prompts: 1 file(s), 1 template(s) valid.\n"
    )
    assert "error: services/broken/promptsync.yaml:3:1: unknown key 'enviroments'" in err
    assert err.endswith("1 of 3 project(s) invalid: services/broken.\n")
    code, out, _ = run_cli("validate", "--all", "--format", "json")
    report = json.loads(out)
    assert code == 1
    assert [(p["path"], p["valid"]) for p in report["projects"]] == [
        ("services/alpha", True),
        ("services/beta", True),
        ("services/broken", False),
    ]


def test_plan_all_plans_the_good_projects_and_names_the_broken_one(
    mono: Path, run_cli: RunCli, fp: RunningEmulator
) -> None:
    code, out, err = run_cli("--no-color", "plan", "--all", "--detailed-exitcode")
    assert code == 1  # an error wins over changes
    assert "=== services/alpha (services/alpha/promptsync.yaml) ===" in out
    assert "Plan: 2 to create, 0 to update, 0 to promote, 0 breaking.\n" in out
    assert "=== services/broken (services/broken/promptsync.yaml) ===\nerror: " in out
    assert out.endswith(
        "Plan: 3 to create, 0 to update, 0 to promote, 0 breaking — 3 projects: 2 planned,"
        " 1 failed.\n"
    )
    assert err == (
        "error: services/broken: services/broken/promptsync.yaml:3:1: unknown key"
        " 'enviroments' (did you mean 'environments'?)\n"
    )
    assert ".venv" not in out
    # The sum of each project's requests: latest, staging and prod, once each.
    assert fp.stats.count("GET", "/all/") == 6


def test_plan_all_json_matches_its_schema(mono: Path, run_cli: RunCli) -> None:
    code, out, _ = run_cli("plan", "--all", "--format", "json", "--out", "all.json")
    assert code == 1
    data = json.loads(out)
    schema = json.loads((REPO / "schemas" / "plans.schema.json").read_text(encoding="utf-8"))
    jsonschema.Draft202012Validator(schema).validate(data)
    assert data == json.loads((mono / "all.json").read_text(encoding="utf-8"))
    assert data["kind"] == "projects"
    assert [p["path"] for p in data["projects"]] == [*PROJECTS, BROKEN]
    broken = data["projects"][2]
    assert broken["plan"] is None
    assert broken["error"]["messages"][0].startswith("error: services/broken/promptsync.yaml")
    assert data["summary"]["create"] == 3
    assert data["summary"]["failed"] == 1
    assert KEY not in out


def test_plan_then_apply_all_then_no_changes(mono: Path, run_cli: RunCli) -> None:
    unbreak(mono)
    code, _, _ = run_cli("plan", "--all", "--detailed-exitcode")
    assert code == 2
    code, out, err = run_cli("--no-color", "apply", "--all", "--auto-approve")
    assert code == 0, err
    assert out.endswith(
        "services/alpha: Apply complete: 2 created, 0 updated, 0 promoted. Remote verified.\n"
        "services/beta: Apply complete: 1 created, 0 updated, 0 promoted. Remote verified.\n"
        "Apply of 2 project(s): 2 applied.\n"
    )
    # Each progress line names its project; the creates run concurrently, so in either order.
    progress = sorted(
        re.sub(r"\[\d/", "[n/", line.split(": created")[0]) for line in err.splitlines()
    )
    assert progress == [
        "services/alpha: [n/2] greeter",
        "services/alpha: [n/2] helper",
        "services/beta: [n/1] summarizer",
    ]
    code, out, _ = run_cli("--no-color", "plan", "--all", "--detailed-exitcode")
    assert code == 0
    assert out.endswith("No changes — 2 projects: 2 planned.\n")
    code, out, _ = run_cli("apply", "--all", "--auto-approve", "--format", "json")
    assert code == 0
    assert [p["status"] for p in json.loads(out)["projects"]] == ["no_changes", "no_changes"]


def test_apply_all_applies_the_good_projects_and_fails(mono: Path, run_cli: RunCli) -> None:
    code, out, err = run_cli("--no-color", "apply", "--all", "--auto-approve")
    assert code == 1
    assert "services/beta: Apply complete: 1 created" in out
    assert "services/broken: not applied: services/broken/promptsync.yaml:3:1" in out
    assert "error: services/broken: services/broken/promptsync.yaml:3:1" in err


def test_changed_since_skips_untouched_projects_and_says_so(
    mono: Path, run_cli: RunCli, fp: RunningEmulator
) -> None:
    unbreak(mono)
    write(mono, "services/beta/prompts/summarizer.yaml", prompt("summarizer", "Summarize. Now."))
    code, out, _ = run_cli("--no-color", "plan", "--all", "--changed-since", "HEAD")
    assert code == 0
    assert "=== services/alpha (services/alpha/promptsync.yaml) ===\nSkipped: no changed" in out
    assert "Skipped: no changed files since HEAD." in out
    assert "+ summarizer   [create]" in out
    assert out.endswith("— 2 projects: 1 planned, 1 skipped.\n")
    assert fp.stats.count("GET", "/all/") == 3  # beta's reads only
    # A deleted file counts as a change of its project.
    git(mono, "checkout", "-q", "--", ".")
    (mono / "services/alpha/prompts/helper.yaml").unlink()
    code, out, _ = run_cli("--no-color", "plan", "--all", "--changed-since", "HEAD")
    assert "=== services/beta (services/beta/promptsync.yaml) ===\nSkipped" in out
    code, _, err = run_cli("plan", "--all", "--changed-since", "nope")
    assert code == 1
    assert err == "error: --changed-since: unknown git revision 'nope'\n"


def test_saved_plan_of_all_projects_applies_once_then_is_stale(mono: Path, run_cli: RunCli) -> None:
    unbreak(mono)
    assert run_cli("plan", "--all", "--out", "reviewed.json")[0] == 0
    code, out, err = run_cli("--no-color", "apply", "--all", "reviewed.json")
    assert code == 0, err
    assert "Apply of 2 project(s): 2 applied." in out
    code, out, _ = run_cli("--no-color", "apply", "--all", "reviewed.json")
    assert code == 0
    assert "services/alpha: The saved plan is already applied" in out
    # A newer plan for beta, applied by someone else first: the older plan is stale for beta,
    # and nothing is written for alpha either.
    write(mono, "services/alpha/prompts/greeter.yaml", prompt("greeter", "Greet, v2."))
    write(mono, "services/beta/prompts/summarizer.yaml", prompt("summarizer", "Summarize, v2."))
    assert run_cli("plan", "--all", "--out", "second.json")[0] == 0
    write(mono, "services/beta/prompts/summarizer.yaml", prompt("summarizer", "Summarize, v3."))
    assert run_cli("--config", "services/beta/promptsync.yaml", "apply", "--auto-approve")[0] == 0
    code, _, err = run_cli("apply", "--all", "second.json")
    assert code == 1
    assert "error: services/beta: Saved plan is stale: latest, staging, prod changed" in err
    assert "error: nothing was changed in any project; run plan --all again" in err
    code, out, _ = run_cli("--no-color", "plan", "--all")
    assert "~ greeter" in out  # alpha still waits for its change


def test_plan_files_of_one_and_several_projects_are_not_mixed_up(
    mono: Path, run_cli: RunCli
) -> None:
    unbreak(mono)
    assert run_cli("plan", "--all", "--out", "all.json")[0] == 0
    code, _, err = run_cli("--config", "services/beta/promptsync.yaml", "apply", "all.json")
    assert code == 1
    assert "a plan of several projects (plan --all): apply it with apply --all" in err
    assert run_cli("--config", "services/beta/promptsync.yaml", "plan", "--out", "one.json")[0] == 0
    code, _, err = run_cli("apply", "--all", "one.json")
    assert code == 1
    assert "a plan of one project, not of several (plan --all): apply it without --all" in err


def test_all_refuses_config_and_needs_git(
    mono: Path, run_cli: RunCli, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    code, _, err = run_cli("--config", "services/beta/promptsync.yaml", "plan", "--all")
    assert code == 1
    assert "--all finds every config itself; leave out --config" in err
    elsewhere = tmp_path / "plain"
    elsewhere.mkdir()
    monkeypatch.chdir(elsewhere)
    code, _, err = run_cli("plan", "--all")
    assert code == 1
    assert "is not inside a git repository" in err
    git(elsewhere, "init", "-q")
    (elsewhere / "promptsync.yaml").write_text("environments: [prod]\n", encoding="utf-8")
    code, _, err = run_cli("validate", "--all")
    assert code == 1
    assert "git tracks no promptsync.yaml" in err
    assert "promptsync.yaml is not tracked yet: `git add` it" in err


def test_env_and_template_apply_where_they_can(mono: Path, run_cli: RunCli) -> None:
    unbreak(mono)
    write(
        mono,
        "services/beta/promptsync.yaml",
        (mono / "services/beta/promptsync.yaml")
        .read_text()
        .replace("[staging, prod]", "[staging]"),
    )
    write(mono, "services/beta/prompts/summarizer.yaml", prompt("summarizer", "S.", ["staging"]))
    code, out, err = run_cli("--no-color", "plan", "--all", "--env", "prod")
    assert code == 0, err
    assert "Skipped: manages none of --env prod." in out
    code, out, err = run_cli("--no-color", "plan", "--all", "--template", "greet*")
    assert code == 0, err
    assert "+ greeter" in out
    assert "+ helper" not in out
    assert "Skipped: no template matches --template greet*." in out
    code, _, err = run_cli("plan", "--all", "--template", "nothing*")
    assert code == 1
    assert "--template 'nothing*': matches no template in any project" in err


# --- projects spread over processes ------------------------------------------------------------


def squares(chunk: Sequence[int]) -> list[int]:
    return [n * n for n in chunk]


def test_spread_keeps_the_order_and_reports_a_failed_worker() -> None:
    from promptsync.errors import PromptsyncError
    from promptsync.jobs.processes import spread

    if not sys.platform.startswith("linux"):
        pytest.skip("promptsync forks on Linux only")
    assert spread(list(range(7)), squares, int, int, 3) == [n * n for n in range(7)]

    def fails(chunk: Sequence[int]) -> list[int]:
        if 1 in chunk:
            raise ValueError("no ones")
        return list(chunk)

    with pytest.raises(PromptsyncError, match="a worker process failed: ValueError: no ones"):
        spread([0, 1, 2, 3], fails, int, int, 2)


def test_plan_all_in_a_process_of_its_own_spreads_the_projects(
    mono: Path, fp: RunningEmulator
) -> None:
    """A promptsync process has no other thread: with four projects or more, it forks (on
    Linux). The answer is the same as from threads alone."""
    for extra in ("services/gamma", "services/delta"):
        write(
            mono, f"{extra}/promptsync.yaml", (mono / "services/alpha/promptsync.yaml").read_text()
        )
        write(mono, f"{extra}/prompts/greeter.yaml", prompt("greeter", "Greet warmly."))
    git(mono, "add", "-A")
    env = {**os.environ, "FREEPLAY_API_KEY": KEY}
    done = subprocess.run(
        [sys.executable, "-m", "promptsync", "--no-color", "plan", "--all", "--format", "json"],
        cwd=mono,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 1, done.stderr  # the broken project
    data = json.loads(done.stdout)
    assert [p["path"] for p in data["projects"]] == [
        "services/alpha",
        "services/beta",
        "services/broken",
        "services/delta",
        "services/gamma",
    ]
    assert [p["plan"]["summary"]["create"] if p["plan"] else None for p in data["projects"]] == [
        2,
        1,
        None,
        1,
        1,
    ]
    assert fp.stats.count("GET", "/all/") == 12


# --- deployments of an apply (pure) ------------------------------------------------------------


def test_deployment_records_per_environment_changed() -> None:
    from promptsync.apply.execute import OpResult
    from promptsync.apply.report import Report
    from promptsync.jobs.deployments import deployment_records, environment_name, run_url
    from tests.planning import plan, snapshots, source, whole_plan

    body = plan(
        [
            source("a.yaml", environments=["staging", "prod"]),
            source("b.yaml", name="other", environments=["prod"]),
        ],
        snapshots(["staging", "prod"]),
    )
    p = whole_plan(body)
    (a,), (b,) = (c.operations for c in body.changes)
    ok = Report(
        p, [OpResult(a, "succeeded", "v1", "t1"), OpResult(b, "succeeded", "v2", "t2")], [], False
    )
    records = {r.environment: r for r in deployment_records("services/x", p, ok)}
    assert sorted(records) == ["services/x/prod", "services/x/staging"]  # never latest
    prod = records["services/x/prod"]
    assert (prod.templates, prod.succeeded) == (["album_bot", "other"], True)
    assert prod.description == "promptsync deployed album_bot, other (services/x)"
    assert prod.payload == {
        "promptsync_environment": "prod",
        "project": "services/x",
        "registry": "freeplay",
        "templates": ["album_bot", "other"],
    }
    failed = Report(
        p, [OpResult(a, "succeeded", "v1", "t1"), OpResult(b, "failed", error="500")], [], False
    )
    by_env = {r.environment: r for r in deployment_records(None, p, failed)}
    assert (by_env["staging"].succeeded, by_env["prod"].succeeded) == (True, False)
    assert by_env["prod"].description == "promptsync failed to deploy album_bot, other"
    assert environment_name(".", "prod") == "prod"
    assert run_url(
        {
            "GITHUB_SERVER_URL": "https://github.com",
            "GITHUB_REPOSITORY": "o/r",
            "GITHUB_RUN_ID": "7",
        }
    ) == ("https://github.com/o/r/actions/runs/7")
    assert run_url({}) is None


class _Terminal(io.StringIO):
    """A stdin that is a terminal, answering the confirmation."""

    def isatty(self) -> bool:
        return True


@pytest.mark.parametrize("fmt", ["text", "json"])
def test_apply_all_asks_on_the_terminal_never_into_a_json_answer(
    mono: Path, run_cli: RunCli, monkeypatch: pytest.MonkeyPatch, fmt: str
) -> None:
    monkeypatch.setattr(sys, "stdin", _Terminal("n\n"))
    code, out, err = run_cli("--no-color", "apply", "--all", "--format", fmt)
    assert code == 1
    asked_on = err if fmt == "json" else out
    assert "Apply these changes? [y/N] " in asked_on
    assert "apply cancelled; nothing was changed" in err
    if fmt == "json":
        assert "[y/N]" not in out
        assert json.loads(out)["error"]["messages"] == [
            "error: apply cancelled; nothing was changed"
        ]
