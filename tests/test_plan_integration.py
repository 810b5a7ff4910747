"""`promptsync plan` against the real emulator over a localhost socket."""

from __future__ import annotations

import http.server
import json
import shutil
import socket
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import git
import httpx
import jsonschema
import pytest

from promptsync.backends.freeplay.wire import create_body
from promptsync.commands.schema import schema
from promptsync.emulator import FaultConfig, RunningEmulator, running_emulator
from promptsync.emulator.faults import Faults
from promptsync.kinds.prompts.changes import CreateVersion
from tests.conftest import REPO, RunCli

ALL_LATEST = "GET /api/v2/projects/{project_id}/prompt-templates/all/{environment}"


def make_project(
    root: Path, fp: RunningEmulator, monkeypatch: pytest.MonkeyPatch, api_url: str | None = None
) -> Path:
    shutil.copytree(REPO / "prompts", root / "prompts")
    (root / "promptsync.yaml").write_text(
        f"project_id: {fp.project_id}\napi_url: {api_url or fp.url}\n"
        "environments: [staging, prod]\n",
        encoding="utf-8",
    )
    monkeypatch.setenv("FREEPLAY_API_KEY", fp.api_key)
    return root


@pytest.fixture
def project(isolated: Path, emulator: RunningEmulator, monkeypatch: pytest.MonkeyPatch) -> Path:
    return make_project(isolated, emulator, monkeypatch)


def plan_json(run_cli: RunCli, *args: str) -> dict[str, Any]:
    code, out, err = run_cli("plan", "--format", "json", *args)
    assert code == 0, err
    return json.loads(out)  # type: ignore[no-any-return]


def execute(fp: RunningEmulator, plan: dict[str, Any]) -> None:
    """Send a plan's operations by hand, with the request bodies apply builds from them."""
    base = f"/projects/{fp.project_id}/prompt-templates"
    with fp.client() as client:
        for change in plan["changes"]:
            for op in change["operations"]:
                if op["op"] == "create_version":
                    name = op["name"].replace("/", "%2F")
                    r = client.post(
                        f"{base}/name/{name}/versions",
                        params={"create_template_if_not_exists": "true"},
                        json=create_body(CreateVersion.model_validate(op)),
                    )
                else:
                    r = client.post(
                        f"{base}/id/{op['template_id']}/versions/{op['version_id']}/environments",
                        json={"environments": op["environments"]},
                    )
                assert r.status_code in (200, 201), r.text


def test_empty_remote_plans_creates_with_one_request_per_environment(
    project: Path, emulator: RunningEmulator, run_cli: RunCli
) -> None:
    plan = plan_json(run_cli)
    assert plan["summary"] == {
        "create": 6,
        "update": 0,
        "promote": 0,
        "no_op": 0,
        "breaking": 0,
        "orphans": 0,
    }
    assert emulator.stats.snapshot()["routes"] == {ALL_LATEST: 3}  # staging, prod, latest
    assert set(plan["remote_fingerprint"]) == {"latest", "staging", "prod"}
    jsonschema.Draft202012Validator(schema("plan")).validate(plan)
    album = next(c for c in plan["changes"] if c["name"] == "album_bot")
    assert [(op["environments"], op["file"]) for op in album["operations"]] == [
        (["prod"], "prompts/album_bot/prod.yaml"),
        (["staging"], "prompts/album_bot/staging.yaml"),
    ]


def test_after_executing_the_plan_there_are_no_changes(
    project: Path, emulator: RunningEmulator, run_cli: RunCli
) -> None:
    execute(emulator, plan_json(run_cli))
    code, out, _ = run_cli("plan", "--detailed-exitcode")
    assert (code, out) == (0, "No changes. Your prompts match the remote.\n")


def test_detailed_exitcode_two_when_changes(project: Path, run_cli: RunCli) -> None:
    code, out, _ = run_cli("--no-color", "plan", "--detailed-exitcode")
    assert code == 2
    assert out.endswith("Plan: 6 to create, 0 to update, 0 to promote, 0 breaking.\n")
    assert run_cli("plan")[0] == 0


def test_seeded_state_gives_exact_plan(
    project: Path, emulator: RunningEmulator, run_cli: RunCli
) -> None:
    execute(emulator, plan_json(run_cli))
    # Someone edits prod's support_agent in the UI; staging still has the file's content.
    base = f"/projects/{emulator.project_id}/prompt-templates"
    with emulator.client() as client:
        staging = client.get(f"{base}/all/staging").json()["prompt_templates"]
        support = next(t for t in staging if t["prompt_template_name"] == "support_agent")
        edited = {
            "template_messages": [
                {"role": "system", "content": "Be terse. {{topic}}"},
                {"role": "user", "content": "{{question}}"},
            ],
            "provider": "anthropic",
            "model": "claude-sonnet-4-5",
            "environments": ["prod"],
        }
        assert client.post(f"{base}/name/support_agent/versions", json=edited).status_code == 201
        legacy = {
            "template_messages": [{"role": "user", "content": "hi"}],
            "provider": "openai",
            "model": "gpt-4o",
            "environments": ["prod"],
        }
        client.post(
            f"{base}/name/legacy/versions",
            params={"create_template_if_not_exists": "1"},
            json=legacy,
        )
    plan = plan_json(run_cli)
    [change] = plan["changes"]
    assert change["name"] == "support_agent"
    assert change["actions"] == ["promote"]
    assert change["operations"] == [
        {
            "op": "deploy_version",
            "kind": "prompt_template",
            "name": "support_agent",
            "environments": ["staging", "prod"],
            "template_id": support["prompt_template_id"],
            "version_id": support["prompt_template_version_id"],
            "hash": change["environments"]["prod"]["after"]["hash"],
        }
    ]
    assert [b["kind"] for b in change["breaking"]] == [
        "variable_removed",
        "variable_newly_required",
        "variable_newly_required",
    ]
    assert [o["name"] for o in plan["orphans"]] == ["legacy"]
    execute(emulator, plan)
    assert run_cli("plan", "--detailed-exitcode")[0] == 0


def test_out_file_and_formats(project: Path, run_cli: RunCli) -> None:
    code, out, _ = run_cli("plan", "--out", "plan.json", "--format", "markdown")
    assert code == 0
    assert out.startswith("### promptsync plan\n\n**Plan: 6 to create")
    saved = json.loads((project / "plan.json").read_text())
    assert saved["format_version"] == "2"
    assert not list(project.glob(".plan.json.partial"))


@pytest.mark.parametrize("suffix", ["", "/", "/api", "/api/", "/api/v2", "/api/v2/"])
def test_api_url_forms(
    isolated: Path,
    emulator: RunningEmulator,
    run_cli: RunCli,
    monkeypatch: pytest.MonkeyPatch,
    suffix: str,
) -> None:
    make_project(isolated, emulator, monkeypatch, api_url=emulator.url + suffix)
    assert plan_json(run_cli)["summary"]["create"] == 6


def test_env_var_overrides_config(
    isolated: Path, emulator: RunningEmulator, run_cli: RunCli, monkeypatch: pytest.MonkeyPatch
) -> None:
    make_project(isolated, emulator, monkeypatch, api_url="https://unused.invalid")
    monkeypatch.setenv("FREEPLAY_API_URL", emulator.url)
    assert plan_json(run_cli)["backend"]["api_url"] == emulator.url


# --- errors ----------------------------------------------------------------------------------


def one_error(run_cli: RunCli, *args: str) -> str:
    code, out, err = run_cli("plan", "--retry-delay", "0", *args)
    assert code == 1
    assert out == ""
    lines = err.splitlines()
    assert len(lines) == 1, err
    assert "Traceback" not in err
    return lines[0]


def test_wrong_key(project: Path, run_cli: RunCli, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("FREEPLAY_API_KEY", "wrong-key")
    line = one_error(run_cli)
    assert line.startswith("error: GET /api/v2/projects/")
    assert line.endswith(
        ": 401 Requests must be authenticated with a valid API key. (check FREEPLAY_API_KEY)"
    )
    assert "wrong-key" not in line


def test_missing_key(project: Path, run_cli: RunCli, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("FREEPLAY_API_KEY")
    assert one_error(run_cli) == "error: no API key: set FREEPLAY_API_KEY or pass --api-key-file"


def test_api_key_file(
    project: Path, emulator: RunningEmulator, run_cli: RunCli, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("FREEPLAY_API_KEY")
    (project / "key.txt").write_text(emulator.api_key + "\n")
    assert plan_json(run_cli, "--api-key-file", "key.txt")["summary"]["create"] == 6


def test_unknown_project(project: Path, run_cli: RunCli, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("FREEPLAY_PROJECT_ID", "00000000-0000-4000-8000-000000000000")
    line = one_error(run_cli)
    assert line.startswith(
        "error: GET /api/v2/projects/00000000-0000-4000-8000-000000000000/prompt-templates/all/"
    )
    assert line.endswith(": 404 Project not found (check project_id)")


def _seed_failing_first(method: str, targets: list[str]) -> int:
    """A fault seed under which each target's first attempt fails and its second succeeds."""
    for seed in range(10_000):
        faults = Faults(FaultConfig(fail_rate=0.5, seed=seed))
        if all(
            [faults.decide(method, t, b""), faults.decide(method, t, b"")] == ["fail", "ok"]
            for t in targets
        ):
            return seed
    raise AssertionError("no seed found")


def test_server_error_then_success(
    isolated: Path, run_cli: RunCli, monkeypatch: pytest.MonkeyPatch
) -> None:
    project = "8f93dd00-2eb5-4ba2-9354-86d5c6831dfd"
    targets = [
        f"/api/v2/projects/{project}/prompt-templates/all/{env}?b''"
        for env in ("staging", "prod", "latest")
    ]
    seed = _seed_failing_first("GET", targets)
    with running_emulator(faults=FaultConfig(fail_rate=0.5, seed=seed)) as fp:
        make_project(isolated, fp, monkeypatch)
        plan = plan_json(run_cli, "--retry-delay", "0")
        assert plan["summary"]["create"] == 6
        assert fp.stats.snapshot()["outcomes"] == {
            f"{ALL_LATEST} -> 500": 3,
            f"{ALL_LATEST} -> 200": 3,
        }


def test_persistent_server_error(
    isolated: Path, run_cli: RunCli, monkeypatch: pytest.MonkeyPatch
) -> None:
    with running_emulator(faults=FaultConfig(fail_rate=1.0, seed=1)) as fp:
        make_project(isolated, fp, monkeypatch)
        line = one_error(run_cli)
        assert line.endswith(
            ": 500 Injected failure before processing the request (after 4 attempts)"
        )
        assert fp.stats.count("GET") == 12  # 3 environments x 4 attempts, never more


def test_timeout(isolated: Path, run_cli: RunCli, monkeypatch: pytest.MonkeyPatch) -> None:
    with running_emulator(faults=FaultConfig(latency_ms=1500)) as fp:
        make_project(isolated, fp, monkeypatch)
        line = one_error(run_cli, "--timeout", "0.3")
        assert line.endswith(": timed out after 0.3 s (after 4 attempts)")


def test_dropped_connections(
    isolated: Path, run_cli: RunCli, monkeypatch: pytest.MonkeyPatch
) -> None:
    with running_emulator(faults=FaultConfig(drop_rate=1.0, seed=3)) as fp:
        make_project(isolated, fp, monkeypatch)
        line = one_error(run_cli)
        assert line.endswith(
            ": the server closed the connection without a response (after 4 attempts)"
        )


class _Garbage(http.server.BaseHTTPRequestHandler):
    body = b"<html>not json</html>"

    def do_GET(self) -> None:
        self.send_response(200)
        self.send_header("Content-Type", "text/html")
        self.send_header("Content-Length", str(len(self.body)))
        self.end_headers()
        self.wfile.write(self.body)

    def log_message(self, *args: Any) -> None:
        pass


@pytest.fixture
def garbage_server() -> Iterator[str]:
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _Garbage)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()


def test_garbage_json(
    isolated: Path,
    emulator: RunningEmulator,
    garbage_server: str,
    run_cli: RunCli,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    make_project(isolated, emulator, monkeypatch, api_url=garbage_server)
    assert one_error(run_cli).endswith(": 200 response is not valid JSON")
    _Garbage.body = b'{"prompt_templates": [{"prompt_template_id": 5}]}'
    try:
        assert one_error(run_cli).endswith(
            ": 200 unexpected response shape at prompt_templates.0.prompt_template_name:"
            " missing, not text"
        )
    finally:
        _Garbage.body = b"<html>not json</html>"


def test_connection_refused(
    isolated: Path, emulator: RunningEmulator, run_cli: RunCli, monkeypatch: pytest.MonkeyPatch
) -> None:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    make_project(isolated, emulator, monkeypatch, api_url=f"http://127.0.0.1:{port}")
    assert one_error(run_cli).endswith(f": cannot connect to 127.0.0.1:{port} (after 4 attempts)")


def test_bad_env_flag(project: Path, run_cli: RunCli) -> None:
    assert one_error(run_cli, "--env", "qa") == (
        "error: --env qa: not a managed environment (managed: staging, prod)"
    )


def test_invalid_files_fail_the_plan_and_never_write(
    project: Path, emulator: RunningEmulator, run_cli: RunCli
) -> None:
    (project / "prompts" / "bad.yaml").write_text("name: x\n", encoding="utf-8")
    code, _, err = run_cli("apply", "--auto-approve")
    assert code == 1
    assert err.startswith("error: prompts/bad.yaml:1:1: missing required key 'provider'")
    # The registry may have been read while the files loaded; nothing was written.
    assert emulator.stats.count("GET") <= 3
    assert emulator.stats.snapshot()["total"] == emulator.stats.count("GET")


def test_an_invalid_config_fails_before_any_request(
    project: Path, emulator: RunningEmulator, run_cli: RunCli, monkeypatch: pytest.MonkeyPatch
) -> None:
    config = project / "promptsync.yaml"
    config.write_text(config.read_text() + "prompt_dir: elsewhere\n")
    code, _, err = run_cli("plan")
    assert code == 1
    assert "unknown key 'prompt_dir' (did you mean 'prompts_dir'?)" in err
    assert emulator.stats.snapshot()["total"] == 0
    # Files are reported before a missing key, even though the key is checked first.
    config.write_text(config.read_text().replace("prompt_dir: elsewhere\n", ""))
    (project / "prompts" / "bad.yaml").write_text("name: x\n", encoding="utf-8")
    monkeypatch.delenv("FREEPLAY_API_KEY")
    code, _, err = run_cli("plan")
    assert err.startswith("error: prompts/bad.yaml:1:1: missing required key 'provider'")
    assert emulator.stats.snapshot()["total"] == 0


# --- filters -------------------------------------------------------------------------------


def test_template_glob(project: Path, run_cli: RunCli) -> None:
    plan = plan_json(run_cli, "--template", "a*", "--template", "photo_*")
    assert [c["name"] for c in plan["changes"]] == ["album_bot", "photo_tutor"]
    assert plan["summary"]["no_op"] == 0


def test_a_filtered_plan_says_it_is_partial(
    project: Path, emulator: RunningEmulator, run_cli: RunCli
) -> None:
    execute(emulator, plan_json(run_cli))
    (project / "prompts" / "weather_agent.yaml").unlink()  # now an orphan: a difference
    code, out, _ = run_cli("--no-color", "plan", "--template", "album_*", "--env", "prod")
    assert code == 0
    assert out.endswith(
        "Warnings:\n  ! a partial plan (--env prod; --template album_*): what it leaves out was"
        " not compared and may still differ\n\nNo changes. Your prompts match the remote.\n"
    )
    code, out, _ = run_cli("--no-color", "plan")
    assert "partial" not in out
    _, out, _ = run_cli("--no-color", "plan", "--env", "staging", "--env", "prod")
    assert "a partial plan (--env staging; --env prod):" in out  # latest is left out
    _, out, _ = run_cli(
        "--no-color", "plan", "--env", "staging", "--env", "prod", "--env", "latest"
    )
    assert "partial" not in out  # every environment: nothing left out


def test_env_filter(project: Path, run_cli: RunCli) -> None:
    plan = plan_json(run_cli, "--env", "prod")
    assert {env for c in plan["changes"] for env in c["environments"]} == {"prod"}
    assert "release_notes" not in [c["name"] for c in plan["changes"]]


def test_changed_since(project: Path, emulator: RunningEmulator, run_cli: RunCli) -> None:
    execute(emulator, plan_json(run_cli))
    repo = git.Repo.init(project)
    repo.git.add(A=True)
    repo.git.commit(
        m="prompts",
        author="t <t@example.com>",
        env={"GIT_COMMITTER_NAME": "t", "GIT_COMMITTER_EMAIL": "t@example.com"},
    )
    weather = project / "prompts" / "weather_agent.yaml"
    weather.write_text(weather.read_text().replace("temperature: 0", "temperature: 0.1"))
    (project / "prompts" / "invoice_extractor.yaml").unlink()
    plan = plan_json(run_cli, "--changed-since", "HEAD")
    assert [c["name"] for c in plan["changes"]] == ["weather_agent"]
    assert [o["name"] for o in plan["orphans"]] == ["invoice_extractor"]
    assert plan["git"]["dirty"] is True
    assert plan["git"]["branch"] in ("main", "master")
    full = plan_json(run_cli)
    assert [o["name"] for o in full["orphans"]] == ["invoice_extractor"]
    line = one_error(run_cli, "--changed-since", "no-such-ref")
    assert line == "error: --changed-since: unknown git revision 'no-such-ref'"


def test_awkward_template_names(
    isolated: Path, emulator: RunningEmulator, run_cli: RunCli, monkeypatch: pytest.MonkeyPatch
) -> None:
    make_project(isolated, emulator, monkeypatch)
    shutil.rmtree(isolated / "prompts")
    (isolated / "prompts").mkdir()
    for i, name in enumerate(["team/bot", "..", "with space", "ünï ✓", "a%2Fb", "x/versions"]):
        (isolated / "prompts" / f"{i}.yaml").write_text(
            f"name: {json.dumps(name)}\nprovider: openai\nmodel: m\n"
            "messages: [{role: user, content: hi}]\nenvironments: [prod]\n",
            encoding="utf-8",
        )
    execute_by_client(emulator, plan_json(run_cli))
    assert run_cli("plan", "--detailed-exitcode")[0] == 0


def execute_by_client(fp: RunningEmulator, plan: dict[str, Any]) -> None:
    """Like `execute`, but through promptsync's own client (its name encoding)."""
    from promptsync.backends.freeplay.client import FreeplayBackend
    from promptsync.repo.credentials import ApiKey

    with FreeplayBackend(fp.url, fp.project_id, ApiKey(fp.api_key)) as backend:
        for change in plan["changes"]:
            for op in change["operations"]:
                backend.create_version(CreateVersion.model_validate(op))


def test_key_never_printed_with_verbose(
    project: Path, run_cli: RunCli, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("FREEPLAY_API_KEY", "marker-key-7f3a")
    code, out, err = run_cli("-v", "plan", "--retry-delay", "0")
    assert code == 1
    assert "marker-key-7f3a" not in out + err
    assert httpx.__name__  # the client library is the one under test
