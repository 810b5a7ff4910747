"""The composite action, run step by step like GitHub's runner, against the emulator and a fake
GitHub REST API."""

from __future__ import annotations

import json
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from promptsync.emulator import RunningEmulator, running_emulator
from promptsync.emulator.promptlayer.store import Store
from tests.action_harness import (
    ActionRun,
    FakeGitHub,
    fake_github,
    pull_request_event,
    run_action,
)
from tests.conftest import REPO
from tests.promptlayer import EXAMPLE
from tests.recording import record_calls, require_tone

KEY = "fp-ACTION-MARKER-91b2"
PR = 7


@pytest.fixture(scope="session")
def runner_temp(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Shared across tests, like the restored cache: the install step installs only once."""
    return tmp_path_factory.mktemp("runner_temp")


@pytest.fixture
def fp() -> Iterator[RunningEmulator]:
    with running_emulator(api_keys=[KEY]) as emulator:
        yield emulator


@pytest.fixture
def gh() -> Iterator[FakeGitHub]:
    with fake_github() as fake:
        yield fake


@pytest.fixture
def workspace(tmp_path: Path, fp: RunningEmulator) -> Path:
    root = tmp_path / "repo"
    shutil.copytree(REPO / "prompts", root / "prompts")
    (root / "promptsync.yaml").write_text(
        f"project_id: {fp.project_id}\napi_url: {fp.url}\nenvironments: [staging, prod]\n",
        encoding="utf-8",
    )
    return root


def run(
    workspace: Path,
    runner_temp: Path,
    gh: FakeGitHub,
    *,
    key: str | None = KEY,
    token: str = "ghs_rw",
    event: str = "pull_request",
    key_variable: str = "FREEPLAY_API_KEY",
    fork: bool = False,
    **inputs: str,
) -> ActionRun:
    github = {"token": token, "GITHUB_API_URL": gh.url, "GITHUB_REPOSITORY": "octo/prompts"}
    if event == "pull_request":
        github |= pull_request_event(workspace.parent / "event.json", PR, fork=fork)
    else:
        github |= {"GITHUB_EVENT_NAME": event, "GITHUB_EVENT_PATH": ""}
    env = {key_variable: key} if key else {}
    result = run_action(
        workspace=workspace, runner_temp=runner_temp, inputs=inputs, env=env, github=github
    )
    assert_no_key(result, gh)
    return result


def assert_no_key(result: ActionRun, gh: FakeGitHub) -> None:
    """The key is masked, and appears nowhere: log, summary, outputs, comments."""
    everything = [result.log, result.summary, json.dumps(result.outputs), json.dumps(gh.comments)]
    assert all(KEY not in text for text in everything)
    if result.masks:
        assert result.masks == [KEY]


def comment_body(gh: FakeGitHub) -> str:
    [comment] = gh.bot_comments(PR)
    return str(comment["body"])


def test_pr_plan_creates_then_updates_one_comment(
    workspace: Path, runner_temp: Path, gh: FakeGitHub
) -> None:
    first = run(workspace, runner_temp, gh)
    assert first.exit_code == 0, first.log
    assert first.outputs["has-changes"] == "true"
    assert first.outputs["exitcode"] == "2"
    assert first.outputs["summary"] == "Plan: 6 to create, 0 to update, 0 to promote, 0 breaking."
    assert json.loads(Path(first.outputs["plan-json"]).read_text())["format_version"] == "2"
    body = comment_body(gh)
    assert body.startswith("<!-- promptsync:plan promptsync.yaml -->\n### promptsync plan")
    assert "**Plan: 6 to create, 0 to update, 0 to promote, 0 breaking.**" in body
    assert first.summary.startswith("### promptsync plan — promptsync.yaml")
    assert first.masks == [KEY]

    weather = workspace / "prompts" / "weather_agent.yaml"
    weather.write_text(weather.read_text().replace("temperature: 0", "temperature: 0.3"))
    second = run(workspace, runner_temp, gh)
    assert second.exit_code == 0
    assert len(gh.comments[PR]) == 1  # the same comment, updated
    assert ("PATCH", "/api/v3/repos/octo/prompts/issues/comments/1") in gh.requests
    assert "temperature" in comment_body(gh)


def test_no_change_plan_updates_comment(workspace: Path, runner_temp: Path, gh: FakeGitHub) -> None:
    assert run(workspace, runner_temp, gh).exit_code == 0
    applied = run(workspace, runner_temp, gh, command="apply", event="push")
    assert applied.exit_code == 0, applied.log
    assert applied.outputs["summary"] == (
        "Apply complete: 6 created, 0 updated, 0 promoted. Remote verified."
    )
    assert applied.outputs["has-changes"] == "true"
    assert "✅ **Apply complete" in applied.summary
    after = run(workspace, runner_temp, gh)
    assert after.outputs["has-changes"] == "false"
    assert after.outputs["exitcode"] == "0"
    assert "**No changes. Your prompts match the remote.**" in comment_body(gh)
    assert len(gh.comments[PR]) == 1


def test_apply_with_nothing_to_do(workspace: Path, runner_temp: Path, gh: FakeGitHub) -> None:
    assert run(workspace, runner_temp, gh, command="apply", event="push").exit_code == 0
    again = run(workspace, runner_temp, gh, command="apply", event="push")
    assert again.outputs["has-changes"] == "false"
    assert again.outputs["summary"] == "No changes. Your prompts match the remote."
    assert gh.comments == {}  # apply never comments


def test_apply_of_a_saved_plan(workspace: Path, runner_temp: Path, gh: FakeGitHub) -> None:
    plan = run(workspace, runner_temp, gh, event="push")
    shutil.copy(plan.outputs["plan-json"], workspace / "reviewed.json")
    applied = run(workspace, runner_temp, gh, command="apply", args="reviewed.json", event="push")
    assert applied.exit_code == 0, applied.log
    again = run(workspace, runner_temp, gh, command="apply", args="reviewed.json", event="push")
    assert again.exit_code == 0, again.log  # a re-run deploy job: already done
    assert again.outputs["has-changes"] == "false"
    notes = workspace / "prompts" / "release_notes.yaml"
    notes.write_text(notes.read_text().replace("Friendly", "Warm"))
    plan = run(workspace, runner_temp, gh, event="push")
    shutil.copy(plan.outputs["plan-json"], workspace / "reviewed.json")
    notes.write_text(notes.read_text().replace("Warm", "Cheerful"))  # a later deploy wins
    assert run(workspace, runner_temp, gh, command="apply", event="push").exit_code == 0
    stale = run(workspace, runner_temp, gh, command="apply", args="reviewed.json", event="push")
    assert stale.exit_code == 1
    assert "Saved plan is stale" in stale.summary


def test_huge_plan_comment_is_truncated(workspace: Path, runner_temp: Path, gh: FakeGitHub) -> None:
    text = "\\n".join(f"Instruction {i}: " + "be thorough and precise " * 6 for i in range(60))
    for i in range(120):
        (workspace / "prompts" / f"big{i:03d}.yaml").write_text(
            f"name: big{i:03d}\nprovider: openai\nmodel: gpt-4o\n"
            f'messages: [{{role: user, content: "{text}"}}]\nenvironments: [prod]\n',
            encoding="utf-8",
        )
    result = run(workspace, runner_temp, gh)
    assert result.exit_code == 0
    body = comment_body(gh)
    assert len(body) < 65_536
    assert "**Truncated:**" in body
    assert "The full plan is in the job summary" in body
    assert body.count("| `+` |") == 126  # every template is still in the table
    assert len(result.summary) > len(body)


def test_a_secret_never_created_is_an_error_naming_it(
    workspace: Path, runner_temp: Path, gh: FakeGitHub
) -> None:
    # Before: a pull request from the repository itself, or a push, without the key went green
    # as if it were a fork's (and the deploy example then copied an empty plan path).
    for event in ("pull_request", "push"):
        result = run(workspace, runner_temp, gh, key=None, event=event)
        assert result.exit_code == 1
        assert "FREEPLAY_API_KEY is not set: create the repository secret FREEPLAY_API_KEY" in (
            result.log
        )
        assert not result.outputs.get("plan-json")


def test_a_fork_without_the_key_validates_and_says_so(
    workspace: Path, runner_temp: Path, gh: FakeGitHub
) -> None:
    result = run(workspace, runner_temp, gh, key=None, token="ghs_readonly", fork=True, eval="true")
    assert result.exit_code == 0
    assert result.masks == []
    assert "Remote comparison skipped" in result.summary
    assert "✅ prompts: 7 file(s), 6 template(s) valid." in result.summary
    assert result.outputs["has-changes"] == "false"
    assert "Remote comparison skipped" in comment_body(gh)
    assert "The evaluation (`eval: true`) was skipped too" in result.summary


def test_fork_without_write_permission_warns_only(
    workspace: Path, runner_temp: Path, gh: FakeGitHub
) -> None:
    gh.read_only.add("ghs_fork")
    result = run(workspace, runner_temp, gh, key=None, token="ghs_fork", fork=True)
    assert result.exit_code == 0
    assert "::warning::promptsync could not comment" in result.log
    assert "pull-requests: write" in result.log


def test_token_without_permission_fails_clearly(
    workspace: Path, runner_temp: Path, gh: FakeGitHub
) -> None:
    gh.read_only.add("ghs_ro")
    result = run(workspace, runner_temp, gh, token="ghs_ro")
    assert result.exit_code == 1
    assert (
        "error: GitHub POST /repos/octo/prompts/issues/7/comments: 403 Resource not"
        " accessible by integration — the token cannot write pull-request comments; give the"
        " workflow `permissions: pull-requests: write`"
    ) in result.log
    assert "Traceback" not in result.log


def test_only_its_own_comment_is_updated(
    workspace: Path, runner_temp: Path, gh: FakeGitHub
) -> None:
    marker = "<!-- promptsync:plan promptsync.yaml -->"
    gh.seed(PR, f"quoting the bot: {marker}", "octocat")
    for i in range(150):  # the bot's comment ends up on the second page
        gh.seed(PR, f"comment {i}", "someone")
    assert run(workspace, runner_temp, gh).exit_code == 0
    assert len(gh.bot_comments(PR)) == 1
    assert run(workspace, runner_temp, gh).exit_code == 0
    assert len(gh.bot_comments(PR)) == 1
    assert gh.comments[PR][0]["body"] == f"quoting the bot: {marker}"


def test_one_comment_per_config(workspace: Path, runner_temp: Path, gh: FakeGitHub) -> None:
    shutil.copy(workspace / "promptsync.yaml", workspace / "other.yaml")
    assert run(workspace, runner_temp, gh).exit_code == 0
    assert run(workspace, runner_temp, gh, config="other.yaml").exit_code == 0
    bodies = [c["body"] for c in gh.bot_comments(PR)]
    assert [b.splitlines()[0] for b in bodies] == [
        "<!-- promptsync:plan promptsync.yaml -->",
        "<!-- promptsync:plan other.yaml -->",
    ]


def test_plan_errors_reach_summary_and_comment(
    workspace: Path, runner_temp: Path, gh: FakeGitHub
) -> None:
    (workspace / "prompts" / "bad.yaml").write_text("name: x\nmodle: y\n", encoding="utf-8")
    result = run(workspace, runner_temp, gh)
    assert result.exit_code == 1
    assert result.outputs == {}  # the step failed: GitHub exposes no outputs then
    assert "❌ **plan failed**" in result.summary
    assert "unknown key 'modle' (did you mean 'model'?)" in comment_body(gh)


def test_args_working_directory_and_bad_input(
    tmp_path: Path, workspace: Path, runner_temp: Path, gh: FakeGitHub
) -> None:
    nested = tmp_path / "mono"
    shutil.copytree(workspace, nested / "services" / "bot")
    inputs: dict[str, Any] = {
        "working-directory": "services/bot",
        "args": "--template 'album_*' --env prod",
    }
    result = run(nested, runner_temp, gh, **inputs)
    assert result.exit_code == 0, result.log
    assert result.outputs["summary"] == "Plan: 1 to create, 0 to update, 0 to promote, 0 breaking."
    bad = run(workspace, runner_temp, gh, command="destroy")
    assert bad.exit_code == 1
    assert "error: input command: 'destroy' is not plan, apply or drift" in bad.log


def test_impact_input_puts_evidence_in_the_comment(
    workspace: Path, runner_temp: Path, gh: FakeGitHub, fp: RunningEmulator
) -> None:
    assert run(workspace, runner_temp, gh, command="apply", event="push").exit_code == 0
    record_calls(fp, "support_agent", "prod", {"question": "q"}, {"question": "q", "tone": "dry"})
    require_tone(workspace)
    fp.stats.reset()
    result = run(workspace, runner_temp, gh, impact="true")
    assert result.exit_code == 0, result.log
    assert fp.stats.count("POST", "/search/completions") == 2  # staging and prod
    body = comment_body(gh)
    assert (
        "prod: 2 calls in the last 7 days; 1 of them does not pass `tone`, which this version"
        " now requires" in body
    )
    assert "**Impact: calls recorded since " in body
    assert "**Impact: calls recorded since " in result.summary
    assert json.loads(Path(result.outputs["plan-json"]).read_text())["impact"]["searches"] == 2
    # Without the input nothing is searched, and the comment says nothing about impact.
    plain = run(workspace, runner_temp, gh)
    assert plain.exit_code == 0
    assert fp.stats.count("POST", "/search/completions") == 2
    assert "impact" not in comment_body(gh).lower()


def test_impact_examples_are_refused_in_the_action(
    workspace: Path, runner_temp: Path, gh: FakeGitHub
) -> None:
    result = run(workspace, runner_temp, gh, impact="true", args="--impact-show-examples")
    assert result.exit_code == 1
    assert "error: input args: --impact-show-examples is not allowed in the Action" in result.log


# --- PromptLayer -------------------------------------------------------------------------------

PL_KEY = "PROMPTLAYER_API_KEY"


@pytest.fixture
def pl() -> Iterator[RunningEmulator[Store]]:
    with running_emulator(backend="promptlayer", api_keys=[KEY]) as emulator:
        yield emulator


@pytest.fixture
def pl_workspace(tmp_path: Path, pl: RunningEmulator[Store]) -> Path:
    root = tmp_path / "pl-repo"
    shutil.copytree(EXAMPLE / "prompts", root / "prompts")
    (root / "promptsync.yaml").write_text(
        f"backend: promptlayer\napi_url: {pl.url}\nenvironments: [staging, prod]\n",
        encoding="utf-8",
    )
    return root


def test_promptlayer_plan_comment_then_apply(
    pl_workspace: Path, runner_temp: Path, gh: FakeGitHub
) -> None:
    plan = run(pl_workspace, runner_temp, gh, key_variable=PL_KEY)
    assert plan.exit_code == 0, plan.log
    assert plan.masks == [KEY]
    assert plan.outputs["summary"] == "Plan: 5 to create, 0 to update, 0 to promote, 0 breaking."
    assert json.loads(Path(plan.outputs["plan-json"]).read_text())["backend"]["kind"] == (
        "promptlayer"
    )
    assert "**Plan: 5 to create" in comment_body(gh)
    applied = run(pl_workspace, runner_temp, gh, key_variable=PL_KEY, command="apply", event="push")
    assert applied.exit_code == 0, applied.log
    assert applied.outputs["summary"] == (
        "Apply complete: 5 created, 0 updated, 0 promoted. Remote verified."
    )
    after = run(pl_workspace, runner_temp, gh, key_variable=PL_KEY)
    assert after.outputs["has-changes"] == "false"
    assert "**No changes. Your prompts match the remote.**" in comment_body(gh)
    assert len(gh.comments[PR]) == 1


def test_promptlayer_fork_pr_validates_only_and_says_so(
    pl_workspace: Path, runner_temp: Path, gh: FakeGitHub
) -> None:
    result = run(pl_workspace, runner_temp, gh, key=None, key_variable=PL_KEY, fork=True)
    assert result.exit_code == 0
    assert result.masks == []
    assert "**Remote comparison skipped:** `PROMPTLAYER_API_KEY` is not available" in (
        result.summary
    )
    assert "✅ prompts: 6 file(s), 5 template(s) valid." in result.summary
    assert result.outputs["summary"] == (
        "Remote comparison skipped (no PROMPTLAYER_API_KEY); files validated."
    )
    assert "Remote comparison skipped" in comment_body(gh)
    # apply without the key fails plainly, naming PromptLayer's variable
    applied = run(
        pl_workspace, runner_temp, gh, key=None, key_variable=PL_KEY, command="apply", event="push"
    )
    assert applied.exit_code == 1
    assert "PROMPTLAYER_API_KEY is not set: create the repository secret" in applied.summary


def test_both_registries_keys_are_masked(
    pl_workspace: Path, runner_temp: Path, gh: FakeGitHub
) -> None:
    other = "fp-OTHER-MARKER-03"
    github = {"token": "ghs_rw", "GITHUB_API_URL": gh.url, "GITHUB_REPOSITORY": "octo/prompts"}
    github |= {"GITHUB_EVENT_NAME": "push", "GITHUB_EVENT_PATH": ""}
    result = run_action(
        workspace=pl_workspace,
        runner_temp=runner_temp,
        inputs={},
        env={PL_KEY: KEY, "FREEPLAY_API_KEY": other},
        github=github,
    )
    assert result.exit_code == 0, result.log
    assert result.masks == [other, KEY]
    assert KEY not in result.log + result.summary + json.dumps(result.outputs)


def test_model_provider_keys_are_masked_too(
    workspace: Path, runner_temp: Path, gh: FakeGitHub
) -> None:
    """The default providers' keys (by action.yml) and a configured provider's (by the driver,
    from promptsync.yaml's providers), so that no log line of an evaluation can show one."""
    config = workspace / "promptsync.yaml"
    config.write_text(
        config.read_text(encoding="utf-8")
        + "providers:\n  local: {sdk: openai, base_url: 'http://127.0.0.1:9',"
        " api_key_env: LOCAL_KEY}\n",
        encoding="utf-8",
    )
    openai_key, local_key = "sk-OPENAI-MARKER-04", "local-MARKER-05"
    github = {"token": "ghs_rw", "GITHUB_API_URL": gh.url, "GITHUB_REPOSITORY": "octo/prompts"}
    github |= {"GITHUB_EVENT_NAME": "push", "GITHUB_EVENT_PATH": ""}
    result = run_action(
        workspace=workspace,
        runner_temp=runner_temp,
        inputs={},
        env={"FREEPLAY_API_KEY": KEY, "OPENAI_API_KEY": openai_key, "LOCAL_KEY": local_key},
        github=github,
    )
    assert result.exit_code == 0, result.log
    assert {KEY, openai_key, local_key} <= set(result.masks)
