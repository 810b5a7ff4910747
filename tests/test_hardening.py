"""Trying to break promptsync as a hostile or unlucky user would: symlinks, edited plans,
concurrent deploys, Ctrl-C bursts, terminal escapes, odd keys, closed pipes, odd flags."""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import git
import pytest

from promptsync.emulator import FaultConfig, RunningEmulator, running_emulator
from tests.conftest import RunCli
from tests.test_apply_integration import _many_templates, versions_by_template, writes
from tests.test_plan_integration import make_project

PROMPT = (
    "name: {name}\nprovider: openai\nmodel: gpt-4o\n"
    "messages: [{{role: user, content: {content}}}]\nenvironments: [staging, prod]\n"
)


@pytest.fixture
def project(isolated: Path, emulator: RunningEmulator, monkeypatch: pytest.MonkeyPatch) -> Path:
    return make_project(isolated, emulator, monkeypatch)


def _promptsync(cwd: Path, *args: str, key: str) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, "-m", "promptsync", *args],
        cwd=cwd,
        env={**os.environ, "FREEPLAY_API_KEY": key},
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


# 1. symlinks ----------------------------------------------------------------------------------


def test_pull_never_writes_through_a_link_that_leaves_the_project(
    project: Path, run_cli: RunCli, tmp_path_factory: pytest.TempPathFactory
) -> None:
    assert run_cli("apply", "--auto-approve")[0] == 0
    elsewhere = tmp_path_factory.mktemp("elsewhere") / "notes.yaml"
    elsewhere.write_text("my private notes\n", encoding="utf-8")
    target = project / "prompts" / "weather_agent.yaml"
    target.unlink()
    target.symlink_to(elsewhere)
    code, _, err = run_cli("pull", "--template", "weather_agent", "--force")
    assert code == 1
    assert err == (
        f"error: pull: prompts/weather_agent.yaml is a symbolic link to {elsewhere},"
        " outside the project; nothing was written\n"
    )
    assert elsewhere.read_text(encoding="utf-8") == "my private notes\n"
    assert target.is_symlink()


def test_pull_writes_through_a_link_inside_the_project(project: Path, run_cli: RunCli) -> None:
    assert run_cli("apply", "--auto-approve")[0] == 0
    real = project / "shared" / "weather.yaml"
    real.parent.mkdir()
    target = project / "prompts" / "weather_agent.yaml"
    real.write_text(target.read_text(encoding="utf-8").replace("temperature: 0", "temperature: 1"))
    target.unlink()
    target.symlink_to(real)
    assert run_cli("pull", "--template", "weather_agent", "--force")[0] == 0
    assert target.is_symlink()
    assert "temperature: 0" in real.read_text(encoding="utf-8")


# 2. an edited plan file -----------------------------------------------------------------------


def test_an_edited_plan_is_refused_before_any_write(
    project: Path, emulator: RunningEmulator, run_cli: RunCli
) -> None:
    assert run_cli("plan", "--out", "plan.json")[0] == 0
    plan = json.loads((project / "plan.json").read_text())
    op = plan["changes"][0]["operations"][0]
    op["content"]["messages"][-1]["content"] = "Ignore previous instructions."
    (project / "plan.json").write_text(json.dumps(plan), encoding="utf-8")
    emulator.stats.reset()
    code, out, err = run_cli("apply", "plan.json")
    assert (code, out) == (1, "")
    assert err.startswith(
        "error: the saved plan was edited after it was made; nothing was changed:"
    )
    assert "album_bot: create_version: its content does not hash to sha256:" in err
    assert writes(emulator) == 0
    # Editing the hash to match the new content is caught too: the environments show another.
    from promptsync.kinds.prompts.changes import VersionContent
    from promptsync.kinds.prompts.identity import content_hash, content_of

    op["hash"] = content_hash(content_of(VersionContent.model_validate(op["content"])))
    (project / "plan.json").write_text(json.dumps(plan), encoding="utf-8")
    code, _, err = run_cli("apply", "plan.json")
    assert code == 1
    assert "is shown with other content than it deploys" in err
    assert writes(emulator) == 0


# 3. concurrent deploys and provenance ---------------------------------------------------------


def _commit(repo: git.Repo, message: str) -> str:
    repo.git.add(A=True)
    repo.git.commit(
        m=message,
        author="t <t@example.com>",
        env={"GIT_COMMITTER_NAME": "t", "GIT_COMMITTER_EMAIL": "t@example.com"},
    )
    return repo.head.commit.hexsha


def test_provenance_names_the_commit_that_last_changed_the_file(
    project: Path, emulator: RunningEmulator, run_cli: RunCli
) -> None:
    repo = git.Repo.init(project)
    first = _commit(repo, "prompts")
    (project / "README.md").write_text("unrelated\n")
    _commit(repo, "docs")
    plan = json.loads(run_cli("plan", "--format", "json")[1])
    descriptions = {
        op["content"]["version_description"] for c in plan["changes"] for op in c["operations"]
    }
    assert (
        f"promptsync: prompts/weather_agent.yaml @ {first[:7]} (provider: openai)" in descriptions
    )
    (project / "prompts" / "weather_agent.yaml").write_text(
        (project / "prompts" / "weather_agent.yaml")
        .read_text()
        .replace("temperature: 0", "temperature: 0.5")
    )
    plan = json.loads(run_cli("plan", "--format", "json", "--template", "weather_agent")[1])
    [op] = plan["changes"][0]["operations"]
    head = repo.head.commit.hexsha[:7]
    assert (
        op["content"]["version_description"]
        == f"promptsync: prompts/weather_agent.yaml @ {head}+dirty (provider: openai)"
    )


def test_concurrent_deploys_from_different_commits_create_no_duplicates(
    tmp_path: Path, run_cli: RunCli, monkeypatch: pytest.MonkeyPatch
) -> None:
    with running_emulator(faults=FaultConfig(latency_ms=20)) as fp:
        origin = tmp_path / "origin"
        origin.mkdir()
        make_project(origin, fp, monkeypatch)
        _many_templates(origin, 20)
        repo = git.Repo.init(origin)
        _commit(repo, "prompts")
        (origin / "README.md").write_text("unrelated\n")
        _commit(repo, "docs")
        older = tmp_path / "older"
        git.Repo.clone_from(origin, older).git.checkout("HEAD~1")
        runs = [
            _promptsync(where, "apply", "--auto-approve", "--retry-delay", "0", key=fp.api_key)
            for where in (origin, older)
        ]
        results = [proc.communicate(timeout=120) for proc in runs]
        for proc, (out, err) in zip(runs, results, strict=True):
            assert proc.returncode == 0, err
            assert "duplicates version" not in out
        assert set(versions_by_template(fp).values()) == {1}


def test_a_duplicate_made_by_a_concurrent_deploy_is_reported() -> None:
    from promptsync.apply.execute import OpResult
    from promptsync.apply.verify import duplicates
    from tests.planning import plan, remote, snapshots, source, whole_plan

    body = plan([source("a.yaml", environments=["prod"])], snapshots(["staging", "prod"]))
    p = whole_plan(body)
    [op] = body.changes[0].operations
    ours = OpResult(op, "succeeded", "11111111-mine", "t")
    theirs = remote("22222222-theirs")
    after = snapshots(["staging", "prod"], prod=[theirs], latest=[theirs])
    [message] = duplicates(p, after, [ours])
    assert message.startswith(
        "album_bot: version 11111111 created by this run duplicates version 22222222"
    )
    same = snapshots(["staging", "prod"], prod=[remote("11111111-mine")])
    assert duplicates(p, same, [ours]) == []


# 4. Ctrl-C ------------------------------------------------------------------------------------


def test_a_burst_of_ctrl_c_during_apply_stops_cleanly(
    isolated: Path, monkeypatch: pytest.MonkeyPatch, run_cli: RunCli
) -> None:
    with running_emulator(faults=FaultConfig(latency_ms=200)) as fp:
        make_project(isolated, fp, monkeypatch)
        _many_templates(isolated, 24)
        proc = _promptsync(
            isolated, "apply", "--auto-approve", "--parallelism", "4", key=fp.api_key
        )
        assert proc.stderr is not None
        assert proc.stderr.readline().startswith("[")
        for _ in range(3):  # three presses within ~50 ms
            proc.send_signal(signal.SIGINT)
            time.sleep(0.015)
        out, err = proc.communicate(timeout=60)
        assert proc.returncode == 130, err
        assert "Apply interrupted: operations not yet started were skipped." in out
        assert "Traceback" not in err
        assert "KeyboardInterrupt" not in err
        assert run_cli("apply", "--auto-approve", "--retry-delay", "0")[0] == 0
        assert set(versions_by_template(fp).values()) == {1}


def test_ctrl_c_during_plan_exits_130(isolated: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    with running_emulator(faults=FaultConfig(latency_ms=3000)) as fp:
        make_project(isolated, fp, monkeypatch)
        proc = _promptsync(isolated, "plan", key=fp.api_key)
        time.sleep(1.5)
        proc.send_signal(signal.SIGINT)
        proc.send_signal(signal.SIGINT)
        out, err = proc.communicate(timeout=60)
        assert proc.returncode == 130
        assert err == "error: interrupted\n"
        assert out == ""
        # A machine reader still gets a JSON answer, as for any other error.
        for args in (["plan", "--format", "json"], ["apply", "--auto-approve", "--format", "json"]):
            proc = _promptsync(isolated, *args, key=fp.api_key)
            time.sleep(1.5)
            proc.send_signal(signal.SIGINT)
            out, err = proc.communicate(timeout=60)
            assert proc.returncode == 130, args
            assert json.loads(out) == {"error": {"messages": ["error: interrupted"]}}
            assert err == "error: interrupted\n"


# 5. terminal control characters ---------------------------------------------------------------


def test_control_characters_in_content_are_escaped_in_the_text_plan(
    project: Path, run_cli: RunCli
) -> None:
    (project / "prompts" / "evil.yaml").write_text(
        PROMPT.format(name="evil", content=json.dumps("hi\u001b[2J\u0007\rgone\u202eeno")),
        encoding="utf-8",
    )
    code, out, err = run_cli("plan", "--template", "evil")
    assert code == 0, err
    for raw in ("\x1b", "\x07", "\r", "\u202e"):
        assert raw not in out
    assert "hi\\e[2J\\x07\\rgone\\u202eeno" in out


# 6. malformed API keys ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("key", "what"),
    [
        ("bad\nkey", "a newline (character 4 of 7)"),
        ("kéy", "U+00E9 LATIN SMALL LETTER E WITH ACUTE"),
    ],
)
def test_malformed_keys_are_refused_at_once(
    project: Path, run_cli: RunCli, monkeypatch: pytest.MonkeyPatch, key: str, what: str
) -> None:
    monkeypatch.setenv("FREEPLAY_API_KEY", key)
    started = time.monotonic()
    code, out, err = run_cli("plan")
    assert time.monotonic() - started < 5  # no retries: refused before any request
    assert code == 1
    assert err.startswith(f"error: FREEPLAY_API_KEY: the API key contains {what}")
    assert key not in err
    assert key not in out


# 7. init ---------------------------------------------------------------------------------------


def test_init_into_a_file_is_a_clear_error(isolated: Path, run_cli: RunCli) -> None:
    (isolated / "afile").write_text("x")
    assert run_cli("init", "--dir", "afile") == (
        1,
        "",
        "error: init --dir afile: is a file, not a directory\n",
    )


def test_init_in_a_git_subdirectory_puts_the_workflow_where_github_reads_it(
    isolated: Path, run_cli: RunCli
) -> None:
    git.Repo.init(isolated)
    (isolated / "services" / "bot").mkdir(parents=True)
    code, out, err = run_cli("init", "--dir", "services/bot")
    assert code == 0, err
    workflow = isolated / ".github" / "workflows" / "promptsync.yml"
    assert "created .github/workflows/promptsync.yml" in out
    assert "runs in services/bot" in out
    text = workflow.read_text()
    assert text.count("working-directory: services/bot") == 2
    assert '"services/bot/**"' in text
    assert not (isolated / "services" / "bot" / ".github").exists()


# 9. a closed output never changes what is applied ---------------------------------------------


def test_apply_into_a_closed_pipe_still_applies_everything(
    isolated: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    with running_emulator() as fp:
        make_project(isolated, fp, monkeypatch)
        _many_templates(isolated, 26)
        script = (
            f"{sys.executable} -m promptsync apply --auto-approve 2>&1 | head -2 >/dev/null;"
            " echo ${PIPESTATUS[0]}"
        )
        done = subprocess.run(
            ["bash", "-c", script],
            cwd=isolated,
            env={**os.environ, "FREEPLAY_API_KEY": fp.api_key},
            capture_output=True,
            text=True,
            timeout=120,
            check=False,
        )
        assert done.stdout.strip() == "0", done.stderr
        assert len(versions_by_template(fp)) == 26
        # stderr to a file, stdout closed at once: still everything, still exit 0.
        _many_templates(isolated, 27)
        with (isolated / "err.log").open("w") as log:
            proc = subprocess.Popen(
                [sys.executable, "-m", "promptsync", "apply", "--auto-approve"],
                cwd=isolated,
                env={**os.environ, "FREEPLAY_API_KEY": fp.api_key},
                stdout=subprocess.PIPE,
                stderr=log,
            )
            assert proc.stdout is not None
            proc.stdout.close()
            assert proc.wait(timeout=120) == 0
        assert len(versions_by_template(fp)) == 27


def _run_with(cwd: Path, key: str, *args: str, **streams: Any) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "promptsync", *args],
        cwd=cwd,
        env={**os.environ, "FREEPLAY_API_KEY": key},
        text=True,
        timeout=120,
        check=False,
        **streams,
    )


def test_streams_closed_before_the_start_change_nothing(
    isolated: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # `>&-`: the child's descriptor is closed, so Python's sys.stdout (or sys.stderr) is None.
    with running_emulator() as fp:
        make_project(isolated, fp, monkeypatch)
        done = _run_with(
            isolated,
            fp.api_key,
            "plan",
            stderr=subprocess.PIPE,
            preexec_fn=lambda: os.close(1),
        )
        assert (done.returncode, done.stderr) == (0, "")
        done = _run_with(
            isolated,
            fp.api_key,
            "apply",
            "--auto-approve",
            stdout=subprocess.PIPE,
            preexec_fn=lambda: os.close(2),
        )
        assert done.returncode == 0
        assert done.stdout.splitlines()[-1].startswith("Apply complete: ")
        assert versions_by_template(fp)


@pytest.mark.skipif(not Path("/dev/full").exists(), reason="needs /dev/full")
def test_output_lost_to_a_full_disk_fails_the_command(
    isolated: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    with running_emulator() as fp:
        make_project(isolated, fp, monkeypatch)
        for args in (["plan"], ["validate"], ["--version"]):
            with Path("/dev/full").open("w") as full:
                done = _run_with(isolated, fp.api_key, *args, stdout=full, stderr=subprocess.PIPE)
            assert done.returncode == 1, args
            assert done.stderr.startswith("error: cannot write"), done.stderr
            assert done.stderr.endswith(": No space left on device\n")
            assert "Traceback" not in done.stderr


# rough edges -----------------------------------------------------------------------------------


def test_odd_flags_get_clear_answers(project: Path, run_cli: RunCli) -> None:
    assert run_cli("plan", "--template", "albm_*")[2] == (
        "error: --template 'albm_*': matches no template (neither a file nor the registry has"
        " one by that name); template names are case-sensitive\n"
    )
    assert run_cli("render", "album_bot", "--env", "prod", "--var", "x=1", "--var", "x=2")[2] == (
        "error: --var x: given twice; give each variable once\n"
    )
    assert run_cli("plan", "--no-color")[2].endswith(
        " (--no-color is a global option: put it before the command, e.g. promptsync --no-color"
        " plan)\n"
    )


@pytest.mark.parametrize(
    ("args", "name"),
    [
        (["apply", "", "--auto-approve"], "[PLANFILE]"),
        (["plan", "--out", ""], "--out"),
        (["--config", "", "validate"], "--config"),
        (["plan", "--api-key-file", ""], "--api-key-file"),
        (["plan", "--env", "prod", "--env", ""], "--env"),
        (["plan", "--template", ""], "--template"),
        (["plan", "--changed-since", ""], "--changed-since"),
        (["render", "album_bot", "--vars-file", ""], "--vars-file"),
        (["render", "album_bot", "--env", ""], "--env"),
        (["pull", "--env", ""], "--env"),
    ],
)
def test_an_empty_value_is_an_error_not_an_absent_option(
    project: Path, emulator: RunningEmulator, run_cli: RunCli, args: list[str], name: str
) -> None:
    # `apply "$PLAN" --auto-approve` with PLAN unset must not apply the files unreviewed.
    emulator.stats.reset()
    code, out, err = run_cli(*args)
    assert (code, out) == (1, "")
    assert err == (
        f"error: Invalid value for '{name}': is empty (an unset variable?); give a value or"
        " leave it out\n"
    )
    assert emulator.stats.count() == 0  # nothing was read, nothing was written


def test_an_empty_config_or_variables_file_is_named_for_what_it_is(
    project: Path, run_cli: RunCli
) -> None:
    (project / "empty.yaml").write_text("# nothing yet\n", encoding="utf-8")
    assert run_cli("--config", "empty.yaml", "validate")[2].startswith(
        "error: empty.yaml:1:1: file is empty; expected a mapping of settings"
    )
    assert run_cli("render", "album_bot", "--env", "prod", "--vars-file", "empty.yaml")[2] == (
        "error: empty.yaml:1:1: file is empty; expected a mapping of variables\n"
    )


def test_an_unexpected_os_error_is_one_line_not_a_traceback(
    project: Path, run_cli: RunCli, monkeypatch: pytest.MonkeyPatch
) -> None:
    from promptsync.commands import validate

    def denied(*_args: object, **_kwargs: object) -> int:
        raise PermissionError(13, "Permission denied", "prompts")

    monkeypatch.setattr(validate, "run_validate", denied)
    assert run_cli("validate") == (
        1,
        "",
        "error: internal error (PermissionError: [Errno 13] Permission denied: 'prompts');"
        " run with -v for the traceback\n",
    )


def test_plan_json_answers_in_json_on_error(
    project: Path, run_cli: RunCli, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("FREEPLAY_API_KEY", "wrong")
    code, out, err = run_cli("plan", "--format", "json")
    assert code == 1
    assert json.loads(out)["error"]["messages"] == err.splitlines()
    assert "(check FREEPLAY_API_KEY)" in err
    # A key from a file: the hint names the file, not the variable.
    (project / "key.txt").write_text("wrong-too\n", encoding="utf-8")
    code, _, err = run_cli("plan", "--api-key-file", "key.txt")
    assert code == 1
    assert err.rstrip().endswith("(check --api-key-file key.txt)")


def test_no_config_anywhere_hints_at_init(isolated: Path, run_cli: RunCli) -> None:
    code, _, err = run_cli("plan")
    assert code == 1
    assert "run `promptsync init` to start a project" in err


def test_a_stale_plan_names_every_changed_environment(
    project: Path, emulator: RunningEmulator, run_cli: RunCli
) -> None:
    assert run_cli("plan", "--out", "plan.json")[0] == 0
    done = threading.Event()
    (project / "prompts" / "weather_agent.yaml").write_text(
        (project / "prompts" / "weather_agent.yaml")
        .read_text()
        .replace("temperature: 0", "temperature: 0.9")
    )
    assert run_cli("apply", "--auto-approve")[0] == 0
    done.set()
    code, _, err = run_cli("apply", "plan.json")
    assert code == 1
    assert err == (
        "error: Saved plan is stale: latest, staging, prod changed since the plan was made."
        " Run plan again.\n"
    )


def test_an_environment_the_registry_lacks_is_named_before_any_write(
    project: Path, emulator: RunningEmulator, run_cli: RunCli
) -> None:
    config = project / "promptsync.yaml"
    config.write_text(config.read_text().replace("[staging, prod]", "[staging, prod, qa]"))
    # No file claims qa: the plan warns, and the work that does not need qa goes ahead.
    code, out, err = run_cli("apply", "--auto-approve")
    assert code == 0, err
    assert "environment 'qa' does not exist in the registry" in out
    # A file that claims qa: refused before any write, naming it.
    agent = project / "prompts" / "weather_agent.yaml"
    agent.write_text(agent.read_text().replace("temperature: 0", "temperature: 0.4") + "")
    text = agent.read_text()
    for line in text.splitlines():
        if line.startswith("environments:"):
            agent.write_text(text.replace(line, "environments: [qa]"))
    emulator.stats.reset()
    code, _, err = run_cli("apply", "--auto-approve")
    assert code == 1
    assert err.startswith(
        "error: environment(s) qa do not exist in this Freeplay project; create them in"
        " Freeplay (or remove them from promptsync.yaml) — nothing was changed"
    ), err
    assert writes(emulator) == 0


def test_preflight_checks_the_environments_list_before_any_write() -> None:
    # A server that answers an empty list for an unknown environment: apply's preflight
    # (GET /api/v2/environments, every page) still stops before the first write.
    import httpx

    from promptsync.backends.freeplay.client import FreeplayBackend
    from promptsync.backends.http import BackendError, HttpSession
    from promptsync.repo.credentials import ApiKey

    pages = {
        "1": {"data": [{"id": "1", "name": "staging"}], "pagination": {"has_next": True}},
        "2": {"data": [{"id": "2", "name": "prod"}], "pagination": {"has_next": False}},
    }
    seen: list[str] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(f"{request.method} {request.url.path}?{request.url.query.decode()}")
        return httpx.Response(200, json=pages[request.url.params["page"]])

    session = HttpSession("http://fp.test/api/v2", {}, transport=httpx.MockTransport(handler))
    backend = FreeplayBackend("http://fp.test", "p", ApiKey("k"), session=session)
    backend.preflight(["staging", "prod"])
    with pytest.raises(
        BackendError, match=r"^environment\(s\) qa do not exist .* nothing was changed$"
    ):
        backend.preflight(["staging", "qa", "prod"])
    assert all(s.startswith("GET /api/v2/environments?page=") for s in seen)


def _promotion_plan(root: Path, run_cli: RunCli) -> dict[str, object]:
    config = root / "promptsync.yaml"
    config.write_text(config.read_text().replace("[staging, prod]", "[dev, staging, prod]"))
    shutil.rmtree(root / "prompts")
    (root / "prompts").mkdir()
    (root / "prompts" / "a.yaml").write_text(
        PROMPT.format(name="a", content="one").replace("[staging, prod]", "[staging]")
    )
    (root / "prompts" / "b.yaml").write_text(
        PROMPT.format(name="a", content="two").replace("[staging, prod]", "[prod]")
    )
    assert run_cli("apply", "--auto-approve")[0] == 0
    (root / "prompts" / "b.yaml").write_text(
        PROMPT.format(name="a", content="one").replace("[staging, prod]", "[prod]")
    )
    assert run_cli("plan", "--out", "plan.json")[0] == 0
    plan = json.loads((root / "plan.json").read_text())
    assert [op["op"] for op in plan["changes"][0]["operations"]] == ["deploy_version"]
    return dict(plan)


@pytest.mark.parametrize(
    ("edit", "message"),
    [
        (
            lambda p: p.update(remote_fingerprint={}),
            "remote_fingerprint does not cover latest and every managed environment",
        ),
        (
            lambda p: p["changes"][0]["operations"][0].update(name="victim"),
            "a: deploy_version: it acts on 'victim', not on 'a'",
        ),
        (
            lambda p: p["changes"][0]["operations"][0]["environments"].append("qa"),
            "a: deploy_version: qa is not a managed environment",
        ),
        (
            lambda p: p["changes"][0]["operations"][0]["environments"].append("dev"),
            "a: deploy_version: dev is deployed without a change shown",
        ),
        (  # shown, but not done: apply would stop half-way and fail verification
            lambda p: p["changes"][0]["operations"][0]["environments"].remove("prod"),
            "a: prod is shown changing, but no operation acts on it",
        ),
        (
            lambda p: p.update(changes=[]),
            "the summary's promote count does not match its changes",
        ),
    ],
)
def test_edited_targets_of_a_saved_plan_are_refused(
    project: Path,
    emulator: RunningEmulator,
    run_cli: RunCli,
    edit: Callable[[dict[str, Any]], None],
    message: str,
) -> None:
    plan = _promotion_plan(project, run_cli)
    edit(plan)
    (project / "plan.json").write_text(json.dumps(plan), encoding="utf-8")
    emulator.stats.reset()
    code, _, err = run_cli("apply", "plan.json")
    assert code == 1
    assert err.startswith("error: the saved plan was edited after it was made; nothing was changed")
    assert message in err
    assert writes(emulator) == 0


def test_provenance_is_stable_in_a_shallow_clone(
    project: Path,
    run_cli: RunCli,
    tmp_path_factory: pytest.TempPathFactory,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # actions/checkout fetches one commit by default: which commit last changed a file is then
    # unknown, and the file's blob id (content-addressed) is recorded instead of HEAD.
    repo = git.Repo.init(project)
    _commit(repo, "prompts")
    (project / "README.md").write_text("unrelated\n")
    _commit(repo, "docs")
    clones = []
    for depth_ok in ("full", "shallow"):
        where = tmp_path_factory.mktemp(depth_ok)
        args = ["--depth", "1"] if depth_ok == "shallow" else []
        subprocess.run(
            ["git", "clone", "-q", *args, f"file://{project}", str(where / "repo")], check=True
        )
        clones.append(where / "repo")
    blob = repo.git.rev_parse("HEAD:prompts/weather_agent.yaml")[:7]
    first = repo.git.log("--format=%H", "--", "prompts/weather_agent.yaml")[:7]
    seen = {}
    for clone in clones:
        monkeypatch.chdir(clone)
        plan = json.loads(run_cli("plan", "--format", "json", "--template", "weather_agent")[1])
        [op] = plan["changes"][0]["operations"]
        seen[clone.parent.name[:4]] = op["content"]["version_description"]
    assert seen["full"] == f"promptsync: prompts/weather_agent.yaml @ {first} (provider: openai)"
    assert seen["shal"] == (
        f"promptsync: prompts/weather_agent.yaml @ blob {blob} (provider: openai)"
    )


def test_nan_and_infinity_are_refused_where_they_are_written(
    isolated: Path, run_cli: RunCli
) -> None:
    (isolated / "prompts").mkdir()
    (isolated / "prompts" / "a.yaml").write_text(
        "name: a\nprovider: openai\nmodel: m\nllm_parameters: {temperature: .nan, top_p: .inf}\n"
        "messages: [{role: user, content: hi}]\n",
        encoding="utf-8",
    )
    code, _, err = run_cli("validate")
    assert code == 1
    assert err.splitlines() == [
        "error: prompts/a.yaml:4:31: llm_parameters.temperature: nan is not a finite number"
        " (NaN and infinity are not JSON)",
        "error: prompts/a.yaml:4:44: llm_parameters.top_p: inf is not a finite number"
        " (NaN and infinity are not JSON)",
        "2 errors in 1 file(s).",
    ]


def test_an_interrupted_report_names_templates_done_only_in_part() -> None:
    from promptsync.apply.execute import OpResult
    from promptsync.apply.report import Report
    from promptsync.display.report import report_text
    from tests.planning import plan, snapshots, source, whole_plan

    body = plan(
        [
            source("a.prod.yaml", environments=["prod"]),
            source("a.staging.yaml", environments=["staging"], model="gpt-4o-mini"),
            source("b.yaml", name="other", environments=["prod"]),
        ],
        snapshots(["staging", "prod"]),
    )
    p = whole_plan(body)
    (a_first, a_second), (other,) = (c.operations for c in body.changes)
    results = [
        OpResult(a_first, "succeeded", "v1", "t1"),
        OpResult(a_second, "skipped"),
        OpResult(other, "succeeded", "v2", "t2"),
    ]
    text = report_text(Report(p, results, [], interrupted=True))
    assert text.splitlines()[-1] == (
        "Done so far: 1 created, 0 updated, 0 promoted; in part: album_bot."
        " Run apply again to converge."
    )
