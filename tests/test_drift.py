"""Drift from the registries' own UIs (SPEC 15): each change made the way a person makes it (the
official SDKs, the HTTP API, the emulator's raw-version route), then plan shows it and one apply
puts the files' state back, with no duplicate version and no error for anything else."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from freeplay import Freeplay

from promptsync.emulator import RunningEmulator, running_emulator
from promptsync.emulator.faults import FaultConfig
from tests.conftest import RunCli
from tests.promptlayer import PL, edit, listing, make_project, publish, served, version_counts
from tests.test_apply_integration import versions_by_template

BOT = """\
name: {name}
provider: openai
model: gpt-4o
messages:
  - role: system
    content: {system}
  - role: user
    content: "Say {{{{word}}}}"
environments: [staging, prod]
"""


def write(root: Path, system: str, name: str = "bot", path: str = "bot.yaml") -> None:
    target = root / "prompts" / path
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text(BOT.format(name=name, system=system), encoding="utf-8")


@pytest.fixture
def fp() -> Iterator[RunningEmulator]:
    with running_emulator() as emulator:
        yield emulator


@pytest.fixture
def pl() -> Iterator[PL]:
    with running_emulator(backend="promptlayer") as emulator:
        yield emulator


@pytest.fixture
def root(isolated: Path, fp: RunningEmulator, monkeypatch: pytest.MonkeyPatch) -> Path:
    (isolated / "promptsync.yaml").write_text(
        f"project_id: {fp.project_id}\napi_url: {fp.url}\nenvironments: [staging, prod]\n",
        encoding="utf-8",
    )
    monkeypatch.setenv("FREEPLAY_API_KEY", fp.api_key)
    return isolated


def converge(run_cli: RunCli) -> str:
    code, out, err = run_cli("apply", "--auto-approve", "--retry-delay", "0")
    assert code == 0, out + err
    assert out.endswith("Remote verified.\n"), out
    code, out2, err2 = run_cli("plan", "--detailed-exitcode")
    assert code == 0, out2 + err2
    return out


def raw_version(fp: RunningEmulator, name: str, envs: list[str], **body: Any) -> None:
    """A version as Freeplay's UI may store it (the emulator's raw-version route)."""
    content = [
        {"role": "system", "content": "Be brief."},
        {"role": "user", "content": "Say {{word}}"},
    ]
    with fp.client() as client:
        response = client.post(
            f"{fp.url}/_emulator/raw-version",
            json={
                "project_id": fp.project_id,
                "template_name": name,
                "environments": envs,
                "body": {"content": content, "provider": "openai", "model": "gpt-4o", **body},
            },
        )
        assert response.status_code == 201, response.text


def served_in(fp: RunningEmulator, env: str) -> dict[str, dict[str, Any]]:
    with fp.client() as client:
        body = client.get(f"/projects/{fp.project_id}/prompt-templates/all/{env}").json()
    return {t["prompt_template_name"]: t for t in body["prompt_templates"]}


# --- 1. a version promptsync cannot model is drift, never an error -------------------------------


@pytest.mark.parametrize(
    ("body", "reason"),
    [
        ({"flavor": "anthropic_chat"}, "metadata.flavor is 'anthropic_chat'"),
        ({"provider_info": {"endpoint": "https://eu.example"}}, "metadata.provider_info is set"),
        (
            {"tool_schema": [{"type": "function", "function": {"name": "f"}}]},
            "tool_schema[0].name is null, not text",
        ),
        (
            {"content": [{"role": "user", "content": [{"text": "hi"}]}]},
            "content[0].content is a list, not text",
        ),
    ],
)
def test_a_freeplay_version_that_sends_something_else_is_replaced(
    root: Path, fp: RunningEmulator, run_cli: RunCli, body: dict[str, Any], reason: str
) -> None:
    write(root, "Be brief.")
    write(root, "Be kind.", name="other", path="other.yaml")
    converge(run_cli)
    raw_version(fp, "bot", ["prod"], **body)
    code, out, err = run_cli("plan", "--detailed-exitcode")
    assert code == 2, err
    assert f"(cannot be compared: {reason}" in out
    assert "> prod: " in out  # staging serves the file's version: prod moves back to it
    assert "other" not in out  # the other template is not blocked, and has nothing to do
    before = versions_by_template(fp)
    converge(run_cli)
    assert versions_by_template(fp) == before  # a pointer move, no new version
    # What the SDK now formats for prod is what staging sends: the system message is there.
    sdk = Freeplay(freeplay_api_key=fp.api_key, api_base=f"{fp.url}/api")
    for env in ("staging", "prod"):
        formatted = sdk.prompts.get_formatted(
            project_id=fp.project_id,
            template_name="bot",
            environment=env,
            variables={"word": "hi"},
        )
        assert formatted.llm_prompt[0] == {"role": "system", "content": "Be brief."}


def test_an_unreadable_version_no_environment_shares_gets_a_new_version(
    root: Path, fp: RunningEmulator, run_cli: RunCli
) -> None:
    raw_version(fp, "bot", ["staging", "prod"], flavor="anthropic_chat")
    write(root, "Be brief.")
    code, out, _ = run_cli("plan")
    assert code == 0
    assert out.count("cannot be compared") == 2
    assert "-> new version" in out
    converge(run_cli)


def test_promptlayer_versions_promptsync_cannot_model_are_replaced(
    isolated: Path, pl: PL, run_cli: RunCli, monkeypatch: pytest.MonkeyPatch
) -> None:
    project = make_project(isolated, pl, monkeypatch)
    converge(run_cli)
    names = sorted(version_counts(pl))
    # The SDK's plain publish (no metadata.model), labelled prod; a responses-API version.
    with pl.client() as client:
        no_model = {
            "prompt_template": {"prompt_name": names[0]},
            "prompt_version": {
                "prompt_template": {
                    "type": "chat",
                    "messages": [{"role": "user", "content": [{"type": "text", "text": "x"}]}],
                }
            },
            "release_labels": ["prod"],
        }
        assert client.post("/rest/prompt-templates", json=no_model).status_code == 200
    publish(
        pl,
        names[1],
        "hello",
        labels=["prod"],
        metadata={"model": {"provider": "openai", "name": "gpt-4o", "api_type": "responses"}},
    )
    code, out, err = run_cli("plan", "--detailed-exitcode")
    assert code == 2, err
    assert "metadata.model is missing, so it has no provider and model" in out
    assert "metadata.model.api_type is 'responses'" in out
    converge(run_cli)
    assert project.is_dir()


def test_pull_writes_what_it_can_read_of_a_template(
    root: Path, fp: RunningEmulator, run_cli: RunCli
) -> None:
    write(root, "Be brief.")
    converge(run_cli)
    raw_version(fp, "bot", [], flavor="anthropic_chat")  # only latest is unreadable
    (root / "prompts" / "bot.yaml").unlink()
    code, out, err = run_cli("pull")
    assert code == 0, err
    assert "+ prompts/bot.yaml" in out
    assert err == (
        "warning: bot: latest cannot be read (metadata.flavor is 'anthropic_chat', not"
        " 'openai_chat' (what provider 'openai' formats as), which prompt files cannot"
        " express); wrote staging, prod\n"
    )
    assert run_cli("plan", "--detailed-exitcode")[0] == 0  # latest: files without envs only


# --- 3. a rollback is a pointer move -----------------------------------------------------------


def test_a_rollback_in_git_promotes_the_older_identical_version(
    root: Path, fp: RunningEmulator, run_cli: RunCli
) -> None:
    write(root, "Be brief.")
    converge(run_cli)
    first = served_in(fp, "prod")["bot"]["prompt_template_version_id"]
    write(root, "Be kind.")
    converge(run_cli)
    write(root, "Be brief.")  # git revert
    fp.stats.reset()
    code, out, _ = run_cli("plan")
    assert code == 0
    assert f"> prod: {first[:8]}" not in out  # before: the newer version
    assert f"-> {first[:8]} (existing version)" in out
    assert "[promote]" in out
    versions = "GET /api/v2/projects/{project_id}/prompt-templates/id/{template_id}/versions"
    reads = {r: n for r, n in fp.stats.routes.items() if r.startswith("GET")}
    assert reads[versions] == 1  # one version listing, for the one template that changed
    assert sum(reads.values()) == 4  # and the list reads: staging, prod, latest
    before = versions_by_template(fp)
    converge(run_cli)
    assert versions_by_template(fp) == before
    assert served_in(fp, "prod")["bot"]["prompt_template_version_id"] == first


def test_a_rollback_in_the_ui_is_moved_forward_without_a_new_version(
    root: Path, fp: RunningEmulator, run_cli: RunCli
) -> None:
    write(root, "Be brief.")
    converge(run_cli)
    first = served_in(fp, "prod")["bot"]
    write(root, "Be kind.")
    converge(run_cli)
    with fp.client() as client:  # someone moves prod back in the UI
        client.post(
            f"/projects/{fp.project_id}/prompt-templates/id/{first['prompt_template_id']}"
            f"/versions/{first['prompt_template_version_id']}/environments",
            json={"environments": ["prod"]},
        )
    before = versions_by_template(fp)
    out = run_cli("plan")[1]
    assert "(existing version)" in out
    converge(run_cli)
    assert versions_by_template(fp) == before


def test_a_promptlayer_rollback_moves_the_label_back(
    isolated: Path, pl: PL, run_cli: RunCli, monkeypatch: pytest.MonkeyPatch
) -> None:
    project = make_project(isolated, pl, monkeypatch)
    converge(run_cli)
    name = "support_agent"
    first = served(pl, "prod")[name]
    path = project / "prompts" / f"{name}.yaml"
    original = path.read_text(encoding="utf-8")
    edit(path, "temperature:", "top_p: 0.5\n  temperature:")
    converge(run_cli)
    path.write_text(original, encoding="utf-8")  # the revert
    counts = version_counts(pl)
    code, out, _ = run_cli("plan")
    assert code == 0
    assert "(existing version)" in out
    converge(run_cli)
    assert version_counts(pl) == counts  # before: a sixth identical version
    assert served(pl, "prod")[name] == first


# --- 4. a concurrent publisher cannot make promptsync publish twice ---------------------------


def test_no_duplicate_under_a_concurrent_promptlayer_publisher(
    isolated: Path, run_cli: RunCli, monkeypatch: pytest.MonkeyPatch
) -> None:
    faults = FaultConfig(fail_after_commit_rate=0.5, latency_ms=30, seed=7)
    with running_emulator(backend="promptlayer", faults=faults) as pl:
        make_project(isolated, pl, monkeypatch)
        stop = threading.Event()

        def other_client() -> None:
            while not stop.wait(0.02):
                try:
                    publish(pl, "album_bot", "someone else's version")
                except Exception:  # its own publishes fail as often as promptsync's
                    continue

        thread = threading.Thread(target=other_client, daemon=True)
        thread.start()
        try:
            code, out, err = run_cli("-v", "apply", "--auto-approve", "--retry-delay", "0.05")
        finally:
            stop.set()
            thread.join()
        assert "checking whether it made a version" in err  # -v names the failed publish
        markers: dict[str, int] = {}
        for item in _all_versions(pl):
            token = (item.get("metadata") or {}).get("promptsync_publish")
            if token:
                markers[token] = markers.get(token, 0) + 1
        assert markers
        assert max(markers.values()) == 1  # no publish made two versions
        assert "were both made by one publish" not in out + err, (code, out)


def _all_versions(pl: PL) -> list[dict[str, Any]]:
    versions = []
    with pl.client() as client:
        for item in listing(pl):
            for number in range(1, item["version"] + 1):
                got = client.get(f"/prompt-templates/{item['id']}", params={"version": number})
                versions.append(got.json())
    return versions


# --- 5. a managed environment the registry does not have ----------------------------------------


def test_a_missing_environment_blocks_only_the_work_that_needs_it(
    root: Path, fp: RunningEmulator, run_cli: RunCli
) -> None:
    (root / "promptsync.yaml").write_text(
        f"project_id: {fp.project_id}\napi_url: {fp.url}\nenvironments: [staging, prod, qa]\n",
        encoding="utf-8",
    )
    write(root, "Be brief.")
    code, out, err = run_cli("plan", "--env", "prod")
    assert code == 0, err
    assert "environment 'qa'" not in out
    code, out, err = run_cli("plan")
    assert code == 0, err
    assert "environment 'qa' does not exist in the registry" in out
    assert run_cli("plan", "--env", "prod", "--out", "prod.json")[0] == 0
    code, out, err = run_cli("apply", "prod.json")
    assert code == 0, err
    (root / "prompts" / "bot.yaml").write_text(
        BOT.format(name="bot", system="Be brief.").replace("[staging, prod]", "[qa]"),
        encoding="utf-8",
    )
    code, _, err = run_cli("apply", "--auto-approve")
    assert code == 1
    assert "environment(s) qa do not exist in this Freeplay project" in err


# --- 6. look-alike names -----------------------------------------------------------------------


def test_a_name_spelled_with_combining_characters_is_refused(
    root: Path, fp: RunningEmulator, run_cli: RunCli
) -> None:
    composed, decomposed = "caf\u00e9_bot", "cafe\u0301_bot"
    write(root, "Be brief.", name=composed, path="a.yaml")
    write(root, "Be kind.", name=decomposed, path="b.yaml")
    code, _, err = run_cli("validate")
    assert code == 1
    assert "prompts/b.yaml:1:7: name: must be in Unicode NFC form" in err
    assert "a.yaml" not in err
    (root / "prompts" / "b.yaml").unlink()
    converge(run_cli)
    raw_version(fp, decomposed, ["prod"])
    code, out, _ = run_cli("plan")
    assert code == 0
    assert f"remote template {decomposed!r} looks like {composed!r}" in out
