"""`promptsync plan` on a PromptLayer workspace (the emulator, over a real socket): list pages
only, every kind of change, drift made by the official SDK, orphans, unclaimed labels."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from promptsync.emulator import running_emulator
from tests.conftest import RunCli
from tests.promptlayer import (
    LIST,
    PL,
    edit,
    listing,
    make_project,
    plan_json,
    publish,
    served,
)


@pytest.fixture
def pl() -> Iterator[PL]:
    with running_emulator(backend="promptlayer") as running:
        yield running


@pytest.fixture
def project(isolated: Path, pl: PL, monkeypatch: pytest.MonkeyPatch) -> Path:
    return make_project(isolated, pl, monkeypatch)


def test_empty_workspace_plans_creates_with_one_page_per_list(
    project: Path, pl: PL, run_cli: RunCli
) -> None:
    plan = plan_json(run_cli)
    assert plan["backend"] == {"kind": "promptlayer", "api_url": pl.url, "project_id": None}
    assert plan["summary"] == {
        "create": 5,
        "update": 0,
        "promote": 0,
        "no_op": 0,
        "breaking": 0,
        "orphans": 0,
    }
    ops = {c["name"]: c["operations"] for c in plan["changes"]}
    assert [op["environments"] for op in ops["album_bot"]] == [["prod"], ["staging"]]
    assert [op["environments"] for op in ops["release_notes"]] == [[]]  # latest only
    assert ops["release_notes"][0]["content"]["template_format"] == "jinja2"
    assert ops["support_agent"][0]["content"]["template_format"] == "f-string"
    assert ops["album_bot"][0]["content"]["version_description"] == "First release"
    provenance = ops["weather_agent"][0]["content"]["version_description"]
    assert provenance == "promptsync: prompts/weather_agent.yaml"
    # staging, prod and the unlabelled list for latest: one page each, nothing per template.
    assert pl.stats.snapshot()["routes"] == {LIST: 3}


def test_applied_workspace_has_no_changes(project: Path, pl: PL, run_cli: RunCli) -> None:
    assert run_cli("apply", "--auto-approve")[0] == 0
    pl.stats.reset()
    code, out, err = run_cli("-v", "plan", "--detailed-exitcode")
    assert (code, out) == (0, "No changes. Your prompts match the remote.\n"), err
    assert pl.stats.snapshot()["routes"] == {LIST: 3}
    assert err.endswith(f"3 request(s) to {pl.url}\n")


def test_pages_are_followed_and_requests_are_pages(
    isolated: Path, pl: PL, run_cli: RunCli, monkeypatch: pytest.MonkeyPatch
) -> None:
    (isolated / "promptsync.yaml").write_text(
        f"backend: promptlayer\napi_url: {pl.url}\nenvironments: [staging, prod]\n", "utf-8"
    )
    monkeypatch.setenv("PROMPTLAYER_API_KEY", pl.api_key)
    (isolated / "prompts").mkdir()
    for i in range(250):
        (isolated / "prompts" / f"t{i:03d}.yaml").write_text(
            f"name: t{i:03d}\nprovider: openai\nmodel: gpt-4o\n"
            f"messages: [{{role: user, content: 'Template {i} for {{who}}'}}]\n"
            "environments: [staging, prod]\n",
            "utf-8",
        )
    assert run_cli("apply", "--auto-approve", "--parallelism", "8")[0] == 0
    pl.stats.reset()
    code, out, _ = run_cli("plan")
    assert (code, out) == (0, "No changes. Your prompts match the remote.\n")
    assert pl.stats.snapshot()["routes"] == {LIST: 9}  # 3 lists x 3 pages of 100


def test_a_version_published_with_the_sdk_is_drift(project: Path, pl: PL, run_cli: RunCli) -> None:
    assert run_cli("apply", "--auto-approve")[0] == 0
    applied = served_ref(pl, "album_bot", "prod")
    publish(pl, "album_bot", "Name an album like {pop_star}. Be edgy.", labels=["prod"])
    plan = plan_json(run_cli)
    [change] = plan["changes"]
    # prod moves back to the file's version, which exists (v2): a label move, no new version.
    assert (change["name"], change["actions"]) == ("album_bot", ["promote"])
    prod = change["environments"]["prod"]
    assert prod["via"] == "promote"
    assert prod["before"]["version_id"].endswith(":v3")  # the SDK's version
    assert prod["after"]["version_id"] == applied
    messages = next(d for d in change["diff"] if d["path"] == "messages")
    assert "-Name an album like {pop_star}. Be edgy." in messages["text_diff"]
    assert "+Two-word album name in the style of {pop_star}" in messages["text_diff"]


def test_promote_is_a_label_move_and_breaking_changes_are_found(
    project: Path, pl: PL, run_cli: RunCli
) -> None:
    assert run_cli("apply", "--auto-approve")[0] == 0
    staging = (project / "prompts/album_bot/staging.yaml").read_text(encoding="utf-8")
    (project / "prompts/album_bot/prod.yaml").write_text(
        staging.replace("environments: [staging]", "environments: [prod]"), encoding="utf-8"
    )
    (project / "prompts/album_bot/staging.yaml").unlink()
    edit(project / "prompts/support_agent.yaml", "{knowledge_base}", "(none)")
    edit(project / "prompts/support_agent.yaml", "  knowledge_base: {example:", "  # kb: {x:")
    plan = plan_json(run_cli)
    by_name = {c["name"]: c for c in plan["changes"]}
    assert by_name["album_bot"]["actions"] == ["promote"]
    [deploy] = by_name["album_bot"]["operations"]
    assert deploy["op"] == "deploy_version"
    assert deploy["environments"] == ["staging", "prod"]
    assert deploy["version_id"] == served_ref(pl, "album_bot", "staging")
    assert {
        (b["kind"], b["environment"], b["detail"]) for b in by_name["support_agent"]["breaking"]
    } == {
        ("variable_removed", "staging", "knowledge_base"),
        ("variable_removed", "prod", "knowledge_base"),
    }
    assert plan["summary"]["breaking"] == 2
    code, text, _ = run_cli("--no-color", "plan")
    assert "> prod:" in text
    assert "(existing version)" in text
    assert "! prod: variable removed: knowledge_base" in text
    code, markdown, _ = run_cli("plan", "--format", "markdown")
    assert code == 0
    assert "knowledge_base" in markdown


def served_ref(pl: PL, name: str, label: str) -> str:
    template_id = next(item["id"] for item in listing(pl) if item["prompt_name"] == name)
    return f"{template_id}:v{served(pl, label)[name]}"


def test_orphans_unclaimed_labels_and_unreadable_templates(
    project: Path, pl: PL, run_cli: RunCli
) -> None:
    assert run_cli("apply", "--auto-approve")[0] == 0
    publish(pl, "sdk_only", "Made in the UI", labels=["prod"])
    with pl.client() as client:  # release_notes is latest-only in the files: label it anyway
        notes = next(
            i
            for i in client.get("/prompt-templates").json()["items"]
            if i["prompt_name"] == "release_notes"
        )
        client.post(
            f"/prompts/{notes['id']}/label", json={"prompt_version_number": 1, "name": "prod"}
        )
        # An unmanaged template promptsync cannot model (a developer message): a warning.
        body = {
            "prompt_template": {"prompt_name": "odd"},
            "prompt_version": {
                "prompt_template": {
                    "type": "chat",
                    "messages": [{"role": "developer", "content": [{"type": "text", "text": "x"}]}],
                },
                "metadata": {"model": {"provider": "openai", "name": "gpt-4o"}},
            },
        }
        assert client.post("/rest/prompt-templates", json=body).status_code == 200
    plan = plan_json(run_cli)
    assert plan["changes"] == []
    assert sorted(o["name"] for o in plan["orphans"]) == ["odd", "sdk_only"]
    assert plan["unclaimed"] == [
        {
            "kind": "prompt_template",
            "name": "release_notes",
            "environment": "prod",
            "version_id": f"{notes['id']}:v1",
        }
    ]
    assert any("'odd' in latest cannot be read" in w and "developer" in w for w in plan["warnings"])
    # The same for a template a file manages: drift, which one apply replaces.
    with pl.client() as client:
        body["prompt_template"] = {"prompt_name": "weather_agent"}
        body["release_labels"] = ["prod"]
        assert client.post("/rest/prompt-templates", json=body).status_code == 200
    code, out, err = run_cli("plan", "--detailed-exitcode")
    assert code == 2, err
    # staging still serves the file's version: prod moves back to it, no new version
    assert "> weather_agent   [promote]" in out
    assert "> prod: " in out
    assert "(existing version)" in out
    assert "(cannot be compared: prompt_template.messages[0].role is 'developer'" in out
    assert "Traceback" not in err
    assert run_cli("apply", "--auto-approve")[0] == 0
    assert run_cli("plan", "--detailed-exitcode")[0] == 0


def test_key_problems(
    project: Path, pl: PL, run_cli: RunCli, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("PROMPTLAYER_API_KEY", "wrong")
    code, _, err = run_cli("plan", "--retry-delay", "0")
    assert code == 1
    assert err.startswith("error: GET /prompt-templates: 401 ")
    assert err.rstrip().endswith("(check PROMPTLAYER_API_KEY)")
    monkeypatch.delenv("PROMPTLAYER_API_KEY")
    monkeypatch.setenv("FREEPLAY_API_KEY", pl.api_key)  # the other registry's key is not used
    assert run_cli("plan") == (
        1,
        "",
        "error: no API key: set PROMPTLAYER_API_KEY or pass --api-key-file\n",
    )
    (project / "key.txt").write_text(pl.api_key + "\n", encoding="utf-8")
    assert run_cli("plan", "--api-key-file", "key.txt")[0] == 0


def test_url_from_the_environment_overrides_the_config(
    project: Path, pl: PL, run_cli: RunCli, monkeypatch: pytest.MonkeyPatch
) -> None:
    edit(project / "promptsync.yaml", f"api_url: {pl.url}", "api_url: http://127.0.0.1:9")
    monkeypatch.setenv("PROMPTLAYER_API_URL", pl.url)
    monkeypatch.setenv("FREEPLAY_API_URL", "http://127.0.0.1:9")  # not PromptLayer's
    assert plan_json(run_cli)["backend"]["api_url"] == pl.url
    monkeypatch.setenv("PROMPTLAYER_API_URL", "http://example.com")
    code, _, err = run_cli("plan")
    assert code == 1
    assert err.startswith("error: PROMPTLAYER_API_URL: 'http://example.com' uses http://")
