"""`promptsync apply` on a PromptLayer workspace (the emulator, over a real socket): every
action, what it sends, idempotence, saved plans, provenance as the commit message."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import git
import pytest

from promptsync.emulator import running_emulator
from tests.conftest import RunCli
from tests.promptlayer import (
    PL,
    edit,
    listing,
    make_project,
    plan_json,
    publish,
    served,
    version_counts,
)

PUBLISH = "POST /rest/prompt-templates"
MOVE = "PATCH /prompt-labels/{prompt_label_id}"
LABEL = "POST /prompts/{prompt_id}/label"


def writes(pl: PL) -> int:
    return sum(n for route, n in pl.stats.routes.items() if route in (PUBLISH, MOVE, LABEL))


@pytest.fixture
def pl() -> Iterator[PL]:
    with running_emulator(backend="promptlayer") as running:
        yield running


@pytest.fixture
def project(isolated: Path, pl: PL, monkeypatch: pytest.MonkeyPatch) -> Path:
    return make_project(isolated, pl, monkeypatch)


def test_create_then_second_apply_has_no_writes(project: Path, pl: PL, run_cli: RunCli) -> None:
    code, out, err = run_cli("apply", "--auto-approve")
    assert code == 0, err
    assert out.endswith("Apply complete: 5 created, 0 updated, 0 promoted. Remote verified.\n")
    assert "[6/6] " in err
    assert version_counts(pl) == {
        "album_bot": 2,
        "invoice_extractor": 1,
        "release_notes": 1,
        "support_agent": 1,
        "weather_agent": 1,
    }
    assert served(pl, "prod") == {
        "album_bot": 1,
        "invoice_extractor": 1,
        "support_agent": 1,
        "weather_agent": 1,
    }
    assert served(pl, "staging")["album_bot"] == 2
    # One publish per version, labels included: nothing else was written.
    assert pl.stats.routes[PUBLISH] == 6 == writes(pl)
    pl.stats.reset()
    code, out, _ = run_cli("apply", "--auto-approve")
    assert (code, out) == (0, "No changes. Your prompts match the remote.\n")
    assert writes(pl) == 0


def test_update_promote_and_mixed(project: Path, pl: PL, run_cli: RunCli) -> None:
    assert run_cli("apply", "--auto-approve")[0] == 0
    edit(project / "prompts/weather_agent.yaml", "temperature: 0", "temperature: 0.1")
    staging = project / "prompts/album_bot/staging.yaml"
    (project / "prompts/album_bot/prod.yaml").write_text(
        staging.read_text(encoding="utf-8").replace("[staging]", "[prod]"), encoding="utf-8"
    )
    edit(staging, "temperature: 0.4", "temperature: 0.5")  # staging moves on meanwhile
    edit(staging, "Title case, a little", "Title case, much")
    plan = plan_json(run_cli)
    assert {c["name"]: c["actions"] for c in plan["changes"]} == {
        "album_bot": ["update", "promote"],
        "weather_agent": ["update"],
    }
    pl.stats.reset()
    code, out, err = run_cli("apply", "--auto-approve")
    assert code == 0, err
    assert out.endswith("Apply complete: 0 created, 2 updated, 1 promoted. Remote verified.\n")
    routes = pl.stats.routes
    assert (routes[PUBLISH], routes[MOVE]) == (2, 1)  # prod's label moved: no new version
    assert LABEL not in routes
    assert version_counts(pl)["album_bot"] == 3
    assert version_counts(pl)["weather_agent"] == 2
    assert (served(pl, "prod")["album_bot"], served(pl, "staging")["album_bot"]) == (2, 3)
    assert run_cli("plan", "--detailed-exitcode")[0] == 0


def test_promotion_creates_a_missing_label(project: Path, pl: PL, run_cli: RunCli) -> None:
    assert run_cli("apply", "--auto-approve")[0] == 0
    edit(
        project / "prompts/release_notes.yaml",
        "llm_parameters:",
        "environments: [prod]\nllm_parameters:",
    )
    plan = plan_json(run_cli)
    [change] = plan["changes"]
    assert (change["name"], change["actions"]) == ("release_notes", ["promote"])
    pl.stats.reset()
    assert run_cli("apply", "--auto-approve")[0] == 0
    assert pl.stats.routes[LABEL] == 1
    assert writes(pl) == 1
    assert served(pl, "prod")["release_notes"] == 1


def test_latest_only_file_and_revert(project: Path, pl: PL, run_cli: RunCli) -> None:
    assert run_cli("apply", "--auto-approve")[0] == 0
    # Someone publishes a newer release_notes: the file (latest only) wants to be the newest.
    publish(pl, "release_notes", "Notes for {{ version }}")
    [change] = plan_json(run_cli)["changes"]
    assert (change["name"], change["actions"]) == ("release_notes", ["update"])
    assert run_cli("apply", "--auto-approve")[0] == 0
    assert version_counts(pl)["release_notes"] == 3
    # Revert album_bot staging to the content prod serves: a promotion (label move).
    staging = project / "prompts/album_bot/staging.yaml"
    prod = (project / "prompts/album_bot/prod.yaml").read_text(encoding="utf-8")
    staging.write_text(prod.replace("[prod]", "[staging]"), encoding="utf-8")
    [change] = plan_json(run_cli)["changes"]
    assert change["actions"] == ["promote"]
    assert run_cli("apply", "--auto-approve")[0] == 0
    assert served(pl, "staging")["album_bot"] == served(pl, "prod")["album_bot"] == 1
    assert version_counts(pl)["album_bot"] == 2
    assert run_cli("plan", "--detailed-exitcode")[0] == 0


def test_saved_plan_applied_twice_and_stale(project: Path, pl: PL, run_cli: RunCli) -> None:
    assert run_cli("plan", "--out", "plan.json")[0] == 0
    code, out, _ = run_cli("apply", "plan.json")
    assert (code, out.endswith("Remote verified.\n")) == (0, True)
    pl.stats.reset()
    assert run_cli("apply", "plan.json") == (
        0,
        "The saved plan is already applied: the remote serves what it planned.\n",
        "",
    )
    assert writes(pl) == 0
    edit(project / "prompts/weather_agent.yaml", "temperature: 0", "temperature: 0.2")
    assert run_cli("plan", "--out", "plan.json")[0] == 0
    publish(pl, "sdk_made", "Someone else's template", labels=["staging"])  # staging changes
    pl.stats.reset()
    code, _out, err = run_cli("apply", "plan.json")
    assert code == 1
    assert err == (
        "error: Saved plan is stale: latest, staging changed since the plan was made."
        " Run plan again.\n"
    )
    assert writes(pl) == 0


def test_saved_plan_is_for_its_registry(
    project: Path, pl: PL, run_cli: RunCli, monkeypatch: pytest.MonkeyPatch
) -> None:
    assert run_cli("plan", "--out", "plan.json")[0] == 0
    (project / "promptsync.yaml").write_text(
        f"project_id: 8f93dd00-2eb5-4ba2-9354-86d5c6831dfd\napi_url: {pl.url}\n", "utf-8"
    )
    monkeypatch.setenv("FREEPLAY_API_KEY", "k")
    code, _, err = run_cli("apply", "plan.json")
    assert code == 1
    assert err == (
        "error: the saved plan is for promptlayer, but the configuration uses freeplay\n"
    )


def test_provenance_is_the_commit_message(project: Path, pl: PL, run_cli: RunCli) -> None:
    deep = project / "prompts" / ("a_rather_long_directory_name_" * 3) / "weather.yaml"
    deep.parent.mkdir()
    (project / "prompts/weather_agent.yaml").rename(deep)
    repo = git.Repo.init(project)
    repo.git.add(A=True)
    repo.git.commit(
        m="init",
        author="t <t@example.com>",
        env={"GIT_COMMITTER_NAME": "t", "GIT_COMMITTER_EMAIL": "t@example.com"},
    )
    assert run_cli("apply", "--auto-approve")[0] == 0
    sha = repo.head.commit.hexsha[:7]
    messages = {i["prompt_name"]: i["commit_message"] for i in listing(pl, "prod")}
    assert messages["support_agent"] == f"promptsync: prompts/support_agent.yaml @ {sha}"
    assert messages["album_bot"] == "First release"  # a declared description, as written
    weather = messages["weather_agent"]
    assert len(weather) == 72
    assert weather.startswith("promptsync: …")
    assert weather.endswith(f"_/weather.yaml @ {sha}")
    assert run_cli("plan", "--detailed-exitcode")[0] == 0


def test_publish_answered_201_is_success(
    isolated: Path, run_cli: RunCli, monkeypatch: pytest.MonkeyPatch
) -> None:
    with running_emulator(backend="promptlayer", publish_status=201) as pl:
        make_project(isolated, pl, monkeypatch)
        code, out, err = run_cli("apply", "--auto-approve", "--format", "json")
        assert code == 0, err
        result = json.loads(out)
        assert result["status"] == "applied"
        ids = {op["version_id"] for op in result["operations"]}
        # album_bot gets two versions; which template id it gets depends on the parallel order
        assert len(ids) == 6
        assert any({f"{t}:v1", f"{t}:v2"} <= ids for t in range(1, 6)), ids
