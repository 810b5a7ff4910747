"""The composite action with `all: true`, `command: drift` and `deployments: true`, run step by step
like GitHub's runner, against an emulator holding two Freeplay projects and the fake GitHub REST
API (tests/fakegithub) over real sockets."""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from promptsync.emulator import RunningEmulator, running_emulator
from tests.action_harness import ActionRun, pull_request_event, run_action
from tests.fakegithub import READ_TOKEN, RunningFakeGitHub
from tests.monorepo import BROKEN, KEY, PROJECTS, edit_in_ui, git, make_monorepo, prompt, write

REPO = "octo/prompts"
PR = 1
PART_1 = "<!-- promptsync:plan all part 1 -->"


@pytest.fixture(scope="module")
def runner_temp(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The action's install step finds promptsync already installed (test_action.py runs the
    install itself): the venv it would make points at the one running the tests."""
    temp = tmp_path_factory.mktemp("runner_temp")
    installed = temp / "promptsync-venv" / "bin"
    installed.mkdir(parents=True)
    (installed / "promptsync").symlink_to(Path(sys.executable).parent / "promptsync")
    return temp


@pytest.fixture
def fp() -> Iterator[RunningEmulator]:
    with running_emulator(api_keys=[KEY] * len(PROJECTS), project_ids=list(PROJECTS.values())) as e:
        yield e


@pytest.fixture
def workspace(tmp_path: Path, fp: RunningEmulator, github_api: RunningFakeGitHub) -> Path:
    """The monorepo, checked out; GitHub's main holds the same files (the drift branch and the
    deployments are made on top of it)."""
    root = make_monorepo(tmp_path / "repo", fp.url)
    github_api.state.commit(REPO, "main", tracked_files(root), "prompts")
    github_api.state.add_pull(REPO, "feature", number=PR)
    return root


def tracked_files(root: Path) -> dict[str, str]:
    names = git(root, "ls-files").split()
    return {name: (root / name).read_text(encoding="utf-8") for name in names}


def run(
    workspace: Path,
    runner_temp: Path,
    api: RunningFakeGitHub,
    *,
    event: str = "pull_request",
    token: str | None = None,
    key: str | None = KEY,
    **inputs: str,
) -> ActionRun:
    github = {
        "token": token or api.token,
        "GITHUB_API_URL": api.url,
        "GITHUB_REPOSITORY": REPO,
        "GITHUB_SHA": api.state.branches(REPO)["main"],
        "GITHUB_SERVER_URL": "https://github.com",
        "GITHUB_RUN_ID": "4242",
    }
    if event == "pull_request":
        github |= pull_request_event(workspace.parent / "event.json", PR)
    else:
        github |= {"GITHUB_EVENT_NAME": event, "GITHUB_EVENT_PATH": ""}
    result = run_action(
        workspace=workspace,
        runner_temp=runner_temp,
        inputs={"all": "true", **inputs},
        env={"FREEPLAY_API_KEY": key} if key else {},
        github=github,
    )
    everything = [result.log, result.summary, json.dumps(result.outputs), *all_text(api)]
    assert all(KEY not in text for text in everything)
    return result


def all_text(api: RunningFakeGitHub) -> list[str]:
    """Every comment, pull request body and file GitHub holds."""
    state = api.state
    texts = [c.body for c in state.comments(REPO, PR)]
    texts += [p.body or "" for p in state.pulls(REPO)]
    texts += [json.dumps(state.files(REPO, b)) for b in state.branches(REPO)]
    return texts


def bot_comments(api: RunningFakeGitHub) -> list[str]:
    return [c.body for c in api.state.comments(REPO, PR) if c.user == "github-actions[bot]"]


def unbreak(workspace: Path, api: RunningFakeGitHub) -> None:
    git(workspace, "rm", "-rq", BROKEN)
    git(workspace, "commit", "-qm", "drop the broken project")
    api.state.commit(
        REPO, "main", {f"{BROKEN}/promptsync.yaml": None, f"{BROKEN}/prompts/x.yaml": None}
    )


# --- all: true ----------------------------------------------------------------------------------


def test_one_comment_for_every_project_updated_in_place(
    workspace: Path, runner_temp: Path, github_api: RunningFakeGitHub
) -> None:
    first = run(workspace, runner_temp, github_api)
    assert first.exit_code == 1  # the broken project fails the step, after commenting
    assert "error: services/broken: services/broken/promptsync.yaml:3:1: unknown key" in first.log
    [body] = bot_comments(github_api)
    assert body.startswith(f"{PART_1}\n### promptsync plan — all projects\n")
    assert "| ✏️ | `services/alpha` | Plan: 2 to create" in body
    assert "| ❌ | `services/broken` | failed: services/broken/promptsync.yaml:3:1" in body
    assert "#### promptsync plan — services/beta" in body
    assert "### promptsync plan — all projects" in first.summary

    unbreak(workspace, github_api)
    second = run(workspace, runner_temp, github_api)
    assert second.exit_code == 0, second.log
    assert second.outputs["exitcode"] == "2"
    assert second.outputs["has-changes"] == "true"
    assert second.outputs["summary"] == (
        "Plan: 3 to create, 0 to update, 0 to promote, 0 breaking — 2 projects: 2 planned."
    )
    plans = json.loads(Path(second.outputs["plan-json"]).read_text(encoding="utf-8"))
    assert [p["path"] for p in plans["projects"]] == list(PROJECTS)
    [body] = bot_comments(github_api)  # the same comment, updated
    assert "services/broken" not in body
    comment_calls = [c for c in github_api.state.calls() if "/comments" in c[1]]
    assert [(m, s) for m, _, s in comment_calls if m != "GET"] == [("POST", 201), ("PATCH", 200)]


def test_a_plan_too_big_for_one_comment_is_split_then_shrinks(
    workspace: Path, runner_temp: Path, github_api: RunningFakeGitHub
) -> None:
    unbreak(workspace, github_api)
    text = "Be thorough and precise in every answer. " * 40
    for project in PROJECTS:
        for i in range(40):
            write(workspace, f"{project}/prompts/big{i:02d}.yaml", prompt(f"big{i:02d}", text))
    big = run(workspace, runner_temp, github_api)
    assert big.exit_code == 0, big.log
    parts = bot_comments(github_api)
    assert len(parts) >= 2
    assert all(len(p) <= 65_536 for p in parts)
    assert [p.splitlines()[0] for p in parts] == [
        f"<!-- promptsync:plan all part {i} -->" for i in range(1, len(parts) + 1)
    ]
    assert parts[-1].endswith(f"*Part {len(parts)} of {len(parts)} of the plan.*\n")
    for project in PROJECTS:
        for i in range(40):
            (workspace / f"{project}/prompts/big{i:02d}.yaml").unlink()
    small = run(workspace, runner_temp, github_api)
    assert small.exit_code == 0
    [body] = bot_comments(github_api)
    assert body.startswith(PART_1)  # part 1 updated in place, the others deleted
    assert "Part 1 of" not in body


def test_without_the_key_every_project_is_validated(
    workspace: Path, runner_temp: Path, github_api: RunningFakeGitHub
) -> None:
    result = run(workspace, runner_temp, github_api, key=None, token=READ_TOKEN)
    assert result.exit_code == 1  # the broken config is invalid
    assert "Remote comparison skipped" in result.summary
    assert "| `services/alpha` | ✅ valid |" in result.summary
    assert "| `services/broken` | ❌ 1 error(s) |" in result.summary
    assert "::warning::promptsync could not comment" in result.log  # a fork's read-only token


def test_apply_all_records_a_deployment_per_environment(
    workspace: Path, runner_temp: Path, github_api: RunningFakeGitHub
) -> None:
    unbreak(workspace, github_api)
    sha = github_api.state.branches(REPO)["main"]
    applied = run(
        workspace, runner_temp, github_api, event="push", command="apply", deployments="true"
    )
    assert applied.exit_code == 0, applied.log
    assert applied.outputs["summary"] == "Apply of 2 project(s): 2 applied."
    made = {d.environment: d for d in github_api.state.deployments(REPO)}
    assert sorted(made) == [
        "services/alpha/prod",
        "services/alpha/staging",
        "services/beta/prod",
        "services/beta/staging",
    ]
    alpha = made["services/alpha/prod"]
    assert (alpha.sha, alpha.state, alpha.task) == (sha, "success", "deploy:prompts")
    assert alpha.description == "promptsync deployed greeter, helper (services/alpha)"
    assert alpha.payload["templates"] == ["greeter", "helper"]
    assert alpha.statuses[-1].log_url == "https://github.com/octo/prompts/actions/runs/4242"
    assert "recorded deployment" in applied.summary
    # Nothing to apply: nothing to record.
    again = run(
        workspace, runner_temp, github_api, event="push", command="apply", deployments="true"
    )
    assert again.exit_code == 0
    assert len(github_api.state.deployments(REPO)) == 4


def test_a_token_without_deployments_write_warns_after_applying(
    workspace: Path, runner_temp: Path, github_api: RunningFakeGitHub
) -> None:
    unbreak(workspace, github_api)
    github_api.state.add_token("ghs_no_deploy", {"contents": "read", "deployments": "read"})
    applied = run(
        workspace,
        runner_temp,
        github_api,
        event="push",
        command="apply",
        deployments="true",
        token="ghs_no_deploy",
    )
    assert applied.exit_code == 0, applied.log
    assert (
        "::warning::promptsync could not record the deployments: GitHub POST"
        f" /repos/{REPO}/deployments: 403 Resource not accessible by integration — the token needs"
        " `deployments: write`" in applied.log
    )
    assert github_api.state.deployments(REPO) == []


# --- command: drift -----------------------------------------------------------------------------


def test_drift_opens_then_updates_one_pull_request_and_stays_quiet_without_drift(
    workspace: Path, runner_temp: Path, github_api: RunningFakeGitHub, fp: RunningEmulator
) -> None:
    unbreak(workspace, github_api)
    assert run(workspace, runner_temp, github_api, event="push", command="apply").exit_code == 0
    calls = len(github_api.state.requests)
    quiet = run(workspace, runner_temp, github_api, event="schedule", command="drift")
    assert quiet.exit_code == 0, quiet.log
    assert quiet.outputs["summary"] == "Drift in 0 of 2 project(s)."
    assert quiet.outputs["has-changes"] == "false"
    assert len(github_api.state.requests) == calls  # no drift: GitHub is not called at all

    with fp.client() as client:  # a hotfix in production, in the registry's UI
        edit_in_ui(client, PROJECTS["services/alpha"], "greeter", "Greet warmly. Hotfix!", ["prod"])
    opened = run(workspace, runner_temp, github_api, event="schedule", command="drift")
    assert opened.exit_code == 0, opened.log
    assert opened.outputs["has-changes"] == "true"
    assert opened.outputs["summary"] == "Drift in 1 of 2 project(s): services/alpha."
    assert "services/alpha: drift: pull request #2 created" in opened.log
    [pull] = [p for p in github_api.state.pulls(REPO) if p.head.startswith("promptsync/")]
    assert (pull.head, pull.base, pull.draft) == ("promptsync/drift/services-alpha", "main", True)
    assert pull.title == "promptsync: the registry differs from main in services/alpha"
    assert (pull.body or "").startswith("<!-- promptsync:drift services/alpha -->\nThe registry,")
    assert "**Plan: 0 to create, 0 to update, 1 to promote, 0 breaking.**" in (pull.body or "")
    files = github_api.state.files(REPO, pull.head)
    assert "services/alpha/prompts/greeter.yaml" not in files
    assert "Greet warmly. Hotfix!" in files["services/alpha/prompts/greeter.prod.yaml"]
    assert "Greet warmly.\n" in files["services/alpha/prompts/greeter.staging.yaml"]
    assert files["services/beta/prompts/summarizer.yaml"] == (
        workspace / "services/beta/prompts/summarizer.yaml"
    ).read_text(encoding="utf-8")

    with fp.client() as client:  # a second hotfix: the same pull request, updated
        edit_in_ui(client, PROJECTS["services/alpha"], "greeter", "Greet. Hotfix 2!", ["prod"])
    updated = run(workspace, runner_temp, github_api, event="schedule", command="drift")
    assert updated.exit_code == 0, updated.log
    assert "services/alpha: drift: pull request #2 updated" in updated.log
    drift_pulls = [p for p in github_api.state.pulls(REPO) if p.head.startswith("promptsync/")]
    assert len(drift_pulls) == 1
    files = github_api.state.files(REPO, "promptsync/drift/services-alpha")
    assert "Hotfix 2!" in files["services/alpha/prompts/greeter.prod.yaml"]
    same = run(workspace, runner_temp, github_api, event="schedule", command="drift")
    assert "services/alpha: drift: pull request #2 unchanged" in same.log

    # The registry is put back (apply main): no drift, and the open pull request is left alone.
    assert run(workspace, runner_temp, github_api, event="push", command="apply").exit_code == 0
    calls = len(github_api.state.requests)
    calm = run(workspace, runner_temp, github_api, event="schedule", command="drift")
    assert calm.outputs["summary"] == "Drift in 0 of 2 project(s)."
    assert len(github_api.state.requests) == calls
    assert [p.state for p in github_api.state.pulls(REPO) if p.head.startswith("promptsync/")] == [
        "open"
    ]


def drifted(
    workspace: Path, api: RunningFakeGitHub, fp: RunningEmulator, runner_temp: Path
) -> None:
    unbreak(workspace, api)
    assert run(workspace, runner_temp, api, event="push", command="apply").exit_code == 0
    with fp.client() as client:
        edit_in_ui(client, PROJECTS["services/beta"], "summarizer", "Summarize! (UI)", ["staging"])


def test_drift_with_a_read_only_token_names_the_permission(
    workspace: Path, runner_temp: Path, github_api: RunningFakeGitHub, fp: RunningEmulator
) -> None:
    drifted(workspace, github_api, fp, runner_temp)
    result = run(
        workspace, runner_temp, github_api, event="schedule", command="drift", token=READ_TOKEN
    )
    assert result.exit_code == 1
    assert (
        f"error: services/beta: GitHub POST /repos/{REPO}/git/trees: 403 Resource not accessible"
        " by integration — the token needs `contents: write`; give the workflow `permissions:"
        " contents: write`" in result.log
    )
    assert "Traceback" not in result.log
    assert READ_TOKEN not in result.log


def test_drift_waits_out_a_secondary_rate_limit(
    workspace: Path, runner_temp: Path, github_api: RunningFakeGitHub, fp: RunningEmulator
) -> None:
    drifted(workspace, github_api, fp, runner_temp)
    github_api.state.rate_limit(1, secondary=True, retry_after=1, match="POST /repos")
    result = run(workspace, runner_temp, github_api, event="schedule", command="drift")
    assert result.exit_code == 0, result.log
    assert "services/beta: drift: pull request #2 created" in result.log
    statuses = [
        s for m, p, s in github_api.state.calls() if (m, p) == ("POST", f"/repos/{REPO}/git/trees")
    ]
    assert statuses == [403, 201]


def test_drift_fails_clearly_past_the_rate_limit_bound(
    workspace: Path, runner_temp: Path, github_api: RunningFakeGitHub, fp: RunningEmulator
) -> None:
    drifted(workspace, github_api, fp, runner_temp)
    github_api.state.rate_limit(1, status=429, retry_after=3600)
    result = run(workspace, runner_temp, github_api, event="schedule", command="drift")
    assert result.exit_code == 1
    assert (
        f"GitHub GET /repos/{REPO}: 429 rate limited — GitHub asks to wait 3600 s, more than this"
        " run waits (60 s in all); run it again later" in result.log
    )


def test_git_state_of_the_checkout_is_untouched_by_drift(
    workspace: Path, runner_temp: Path, github_api: RunningFakeGitHub, fp: RunningEmulator
) -> None:
    drifted(workspace, github_api, fp, runner_temp)
    assert run(workspace, runner_temp, github_api, event="schedule", command="drift").exit_code == 0
    status = subprocess.run(
        ["git", "-C", str(workspace), "status", "--porcelain"],
        capture_output=True,
        text=True,
        check=True,
    )
    assert status.stdout == ""


def test_one_project_without_all_drift_and_deployments(
    workspace: Path, runner_temp: Path, github_api: RunningFakeGitHub, fp: RunningEmulator
) -> None:
    beta = {"all": "false", "working-directory": "services/beta"}
    applied = run(
        workspace,
        runner_temp,
        github_api,
        event="push",
        command="apply",
        deployments="true",
        **beta,
    )
    assert applied.exit_code == 0, applied.log
    assert sorted(d.environment for d in github_api.state.deployments(REPO)) == ["prod", "staging"]
    with fp.client() as client:
        edit_in_ui(client, PROJECTS["services/beta"], "summarizer", "Summarize! (UI)", ["prod"])
    result = run(workspace, runner_temp, github_api, event="schedule", command="drift", **beta)
    assert result.exit_code == 0, result.log
    assert result.outputs["summary"] == "Drift in 1 of 1 project(s): services/beta."
    [pull] = [p for p in github_api.state.pulls(REPO) if p.head.startswith("promptsync/")]
    assert pull.head == "promptsync/drift/services-beta"


def test_a_plan_of_all_projects_is_applied_exactly_by_a_later_job(
    workspace: Path, runner_temp: Path, github_api: RunningFakeGitHub
) -> None:
    unbreak(workspace, github_api)
    plan = run(workspace, runner_temp, github_api, event="push")
    assert plan.outputs["exitcode"] == "2"
    (workspace / "reviewed.json").write_text(
        Path(plan.outputs["plan-json"]).read_text(encoding="utf-8"), encoding="utf-8"
    )
    applied = run(
        workspace, runner_temp, github_api, event="push", command="apply", args="reviewed.json"
    )
    assert applied.exit_code == 0, applied.log
    assert applied.outputs["summary"] == "Apply of 2 project(s): 2 applied."
    again = run(
        workspace, runner_temp, github_api, event="push", command="apply", args="reviewed.json"
    )
    assert again.exit_code == 0, again.log
    assert again.outputs["summary"] == "Apply of 2 project(s): 2 already applied."
    assert github_api.state.comments(REPO, PR) == []  # no pull request, no comment
