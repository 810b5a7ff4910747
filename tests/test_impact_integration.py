"""`plan --impact` against the real emulator over a localhost socket: calls recorded with the
official SDK show up in the plan; failing searches are warnings; the key never appears."""

from __future__ import annotations

import http.server
import json
import shutil
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import jsonschema
import pytest
from freeplay import Freeplay, RecordPayload

from promptsync.commands.schema import schema
from promptsync.emulator import RunningEmulator, running_emulator
from tests.conftest import REPO, RunCli
from tests.recording import record_calls, require_tone
from tests.test_plan_integration import make_project

PRIVATE = "PRIVATE-USER-TEXT"
LINE = (
    "prod: 3 calls in the last 7 days; 2 of them do not pass `tone`, which this version now"
    " requires"
)


@pytest.fixture
def applied(
    isolated: Path, emulator: RunningEmulator, monkeypatch: pytest.MonkeyPatch, run_cli: RunCli
) -> Path:
    project = make_project(isolated, emulator, monkeypatch)
    code, _, err = run_cli("apply", "--auto-approve", "--retry-delay", "0")
    assert code == 0, err
    return project


def sdk_record(fp: RunningEmulator, variables: dict[str, str]) -> None:
    """A call of support_agent in prod, recorded the way an application does it."""
    client = Freeplay(freeplay_api_key=fp.api_key, api_base=f"{fp.url}/api")
    formatted = client.prompts.get_formatted(
        project_id=fp.project_id,
        template_name="support_agent",
        environment="prod",
        variables=variables,
    )
    client.recordings.create(
        RecordPayload(
            project_id=fp.project_id,
            all_messages=[*formatted.llm_prompt, {"role": "assistant", "content": "Sure."}],
            inputs=variables,
            prompt_version_info=formatted.prompt_info,
        )
    )


def test_calls_recorded_with_the_sdk_show_up_in_plan_impact(
    applied: Path, emulator: RunningEmulator, run_cli: RunCli
) -> None:
    for n, extra in enumerate([{}, {"tone": "warm"}, {}]):
        sdk_record(
            emulator,
            {
                "product": "Freeplay",
                "knowledge_base": f"{PRIVATE}-{n} " * 20,
                "question": "Can I get a refund?",
                **extra,
            },
        )
    require_tone(applied)
    emulator.stats.reset()
    code, out, err = run_cli("plan", "--impact", "--format", "json")
    assert code == 0, err
    # One search per changed pair (support_agent in staging and in prod), nothing else.
    assert emulator.stats.count("POST", "/search/completions") == 2
    plan = json.loads(out)
    jsonschema.Draft202012Validator(schema("plan")).validate(plan)
    impact = plan["impact"]
    assert (impact["days"], impact["sample"], impact["searches"]) == (7, 100, 2)
    staging, prod = impact["pairs"]
    assert (staging["environment"], staging["sampled"]) == ("staging", 0)
    assert (prod["environment"], prod["sampled"], prod["more"]) == ("prod", 3, False)
    assert prod["breaking"] == [
        {"kind": "variable_newly_required", "detail": "tone", "affected": 2}
    ]
    assert prod["empty_renders"] == {"after": 2, "before": 0, "variables": {"tone": 2}}
    assert PRIVATE not in out

    code, text, _ = run_cli("--no-color", "plan", "--impact")
    assert code == 0
    assert "    ! prod: variable newly required: tone\n      " + LINE + "\n" in text
    assert "      staging: no calls in the last 7 days\n" in text
    assert PRIVATE not in text
    code, markdown, _ = run_cli("plan", "--impact", "--format", "markdown")
    assert LINE in markdown
    assert PRIVATE not in markdown

    code, shown, _ = run_cli("--no-color", "plan", "--impact", "--impact-show-examples")
    examples = [line for line in shown.splitlines() if line.strip().startswith("example ")]
    assert len(examples) == 3
    assert all(PRIVATE in line for line in examples)
    assert all(len(line) < 400 for line in examples)  # each value cut to 80 characters


def test_nothing_is_searched_without_impact_nor_for_creates(
    isolated: Path, emulator: RunningEmulator, monkeypatch: pytest.MonkeyPatch, run_cli: RunCli
) -> None:
    project = make_project(isolated, emulator, monkeypatch)
    config = project / "promptsync.yaml"
    config.write_text(config.read_text() + "impact: {days: 3, sample: 10}\n")
    code, out, _ = run_cli("--no-color", "plan", "--impact")  # every template is a create
    assert code == 0
    assert "Impact: no updated or promoted template in an environment that serves it" in out
    assert emulator.stats.count("POST", "/search/completions") == 0
    assert run_cli("apply", "--auto-approve")[0] == 0
    require_tone(project)
    assert run_cli("plan")[0] == 0
    assert emulator.stats.count("POST", "/search/completions") == 0
    code, out, _ = run_cli("plan", "--impact", "--format", "json")
    impact = json.loads(out)["impact"]
    assert (impact["days"], impact["sample"]) == (3, 10)
    code, out, _ = run_cli("plan", "--impact", "--impact-days", "30", "--format", "json")
    assert json.loads(out)["impact"]["days"] == 30
    assert emulator.stats.count("POST", "/search/completions") == 4


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--impact-days", "3"], "error: --impact-days only applies with --impact"),
        (["--impact-show-examples"], "error: --impact-show-examples only applies with --impact"),
        (["--impact", "--impact-sample", "101"], "error: Invalid value for '--impact-sample'"),
    ],
)
def test_impact_options_are_checked(
    applied: Path, run_cli: RunCli, args: list[str], message: str
) -> None:
    code, out, err = run_cli("plan", *args)
    assert (code, out) == (1, "")
    assert err.startswith(message)
    assert len(err.strip().splitlines()) == 1


def test_a_bad_impact_config_is_located(applied: Path, run_cli: RunCli) -> None:
    config = applied / "promptsync.yaml"
    config.write_text(config.read_text() + "impact:\n  days: 0\n  sampel: 5\n")
    code, _, err = run_cli("plan", "--impact")
    assert code == 1
    assert err.splitlines() == [
        "error: promptsync.yaml:5:9: impact.days: Input should be greater than or equal to 1",
        "error: promptsync.yaml:6:3: impact: unknown key 'sampel'",
    ]


# --- failing searches, over a real socket ------------------------------------------------------


class SearchFault(http.server.BaseHTTPRequestHandler):
    """Forwards everything to the emulator, except searches, which fail as `mode` says."""

    upstream = ""
    mode = "401"

    def _forward(self) -> None:
        body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
        if "/search/completions" not in self.path:
            headers = {"Authorization": self.headers.get("Authorization", "")}
            if body:
                headers["Content-Type"] = "application/json"
            upstream = httpx.request(
                self.command, self.upstream + self.path, content=body, headers=headers
            )
            return self._reply(upstream.status_code, upstream.content)
        if self.mode == "slow":
            time.sleep(3)
            return self._reply(200, b'{"data": [], "pagination": {"has_next": false}}')
        replies = {
            "401": (401, b'{"message": "Invalid API key"}'),
            "403": (403, b'{"error": "Search is not enabled for this key"}'),
            "500": (500, b'{"message": "search backend down"}'),
            "garbage": (200, b"<html>Gateway</html>"),
            "shape": (200, b'{"results": []}'),
        }
        return self._reply(*replies[self.mode])

    do_GET = do_POST = _forward

    def _reply(self, status: int, body: bytes) -> None:
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args: Any) -> None:
        pass


@pytest.fixture
def faulty(emulator: RunningEmulator) -> Iterator[str]:
    SearchFault.upstream = emulator.url
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), SearchFault)
    server.daemon_threads = True
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


SEARCH_PATH = "POST /api/v2/projects/{project_id}/search/completions"


@pytest.mark.parametrize(
    ("mode", "problem"),
    [
        ("401", "401 Invalid API key (check FREEPLAY_API_KEY)"),
        ("403", "403 Search is not enabled for this key (this API key may not search completions)"),
        ("500", "500 search backend down (after 4 attempts)"),
        ("garbage", "200 response is not valid JSON"),
        ("shape", "200 unexpected response shape: no list 'data'"),
        ("slow", "timed out after 0.5 s (after 4 attempts)"),
    ],
)
def test_a_failing_search_is_a_warning_not_a_failed_plan(
    applied: Path,
    emulator: RunningEmulator,
    faulty: str,
    run_cli: RunCli,
    monkeypatch: pytest.MonkeyPatch,
    mode: str,
    problem: str,
) -> None:
    require_tone(applied)
    monkeypatch.setattr(SearchFault, "mode", mode)
    monkeypatch.setenv("FREEPLAY_API_URL", faulty)
    args = ["--retry-delay", "0", "--timeout", "0.5"]
    code, out, err = run_cli("plan", "--impact", "--format", "json", *args)
    assert code == 0, err
    plan = json.loads(out)
    path = SEARCH_PATH.format(project_id=emulator.project_id)
    warning = (
        f"impact: could not sample the calls of support_agent (staging, prod): {path}: {problem}"
    )
    assert plan["warnings"] == [warning]
    assert [p["error"] for p in plan["impact"]["pairs"]] == [f"{path}: {problem}"] * 2
    code, text, _ = run_cli("--no-color", "plan", "--impact", "--detailed-exitcode", *args)
    assert code == 2
    assert f"  ! {warning}\n" in text
    assert "      prod: calls unknown (the search failed; see Warnings)\n" in text
    assert text.endswith("Plan: 0 to create, 1 to update, 0 to promote, 2 breaking.\n")


MARKER = "fp-IMPACT-SECRET-3c7a"


def test_the_key_never_appears(tmp_path: Path) -> None:
    with running_emulator(api_keys=[MARKER]) as fp:
        root = tmp_path / "p"
        root.mkdir()
        (root / "promptsync.yaml").write_text(
            f"project_id: {fp.project_id}\napi_url: {fp.url}\nenvironments: [staging, prod]\n"
        )
        shutil.copytree(REPO / "prompts", root / "prompts")

        def run(*args: str, url: str = fp.url) -> str:
            proc = subprocess.run(
                [sys.executable, "-m", "promptsync", *args],
                cwd=root,
                env={"PATH": "/usr/bin:/bin", "FREEPLAY_API_KEY": MARKER, "FREEPLAY_API_URL": url},
                capture_output=True,
                text=True,
                timeout=120,
                check=False,
            )
            return proc.stdout + proc.stderr

        assert "Remote verified" in run("apply", "--auto-approve")
        record_calls(fp, "support_agent", "prod", {"question": "q"})
        require_tone(root)
        outputs = []
        SearchFault.upstream = fp.url
        server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), SearchFault)
        threading.Thread(target=server.serve_forever, daemon=True).start()
        faulty = f"http://127.0.0.1:{server.server_address[1]}"
        try:
            for verbosity in ([], ["-v"], ["-vv"]):
                examples = ["--impact", "--impact-show-examples", "--out", "plan.json"]
                outputs.append(run(*verbosity, "plan", *examples))
                failing = ["--impact", "--retry-delay", "0", "--format", "markdown"]
                outputs.append(run(*verbosity, "plan", *failing, url=faulty))
        finally:
            server.shutdown()
            server.server_close()
    everything = "".join(outputs) + (root / "plan.json").read_text()
    assert "Impact:" in everything
    assert "example " in everything
    assert "401 Invalid API key" in everything
    assert MARKER not in everything


def test_a_saved_plan_with_impact_applies_like_any_other(
    applied: Path, emulator: RunningEmulator, run_cli: RunCli
) -> None:
    record_calls(emulator, "support_agent", "prod", {"question": "q"})
    require_tone(applied)
    assert run_cli("plan", "--impact", "--env", "prod", "--out", "p.json")[0] == 0
    saved = json.loads((applied / "p.json").read_text())
    assert [(p["environment"], p["sampled"]) for p in saved["impact"]["pairs"]] == [("prod", 1)]
    code, out, err = run_cli("apply", "p.json", "--retry-delay", "0")
    assert code == 0, err
    assert "Remote verified" in out
