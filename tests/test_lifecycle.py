"""The whole lifecycle against every reading of Freeplay's docs the emulator offers: create,
update, promote, latest-only files, reverting to an older content, provider-only changes —
under both dedup readings, with decorated (looser) responses, `{"error": …}` bodies and empty
environment-update replies. Each step must converge: apply, then plan says No changes."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import git
import pytest

from promptsync.emulator import RunningEmulator, running_emulator
from tests.conftest import RunCli
from tests.test_apply_integration import versions_by_template

READINGS: dict[str, dict[str, Any]] = {
    "tidy": {},
    "any-version": {"dedup": "any-version"},
    "decorated": {
        "decorate_responses": True,
        "error_key": "error",
        "env_update_reply": "empty-204",
    },
    "any-version-decorated": {
        "dedup": "any-version",
        "decorate_responses": True,
        "env_update_reply": "empty-200",
    },
}

FILE = """\
name: {name}
provider: {provider}
model: gpt-4o
llm_parameters: {{temperature: {temperature}}}
messages:
  - role: system
    content: {system}
  - role: user
    content: "Say {{{{word}}}}"
{extra}"""


def write(
    root: Path,
    path: str,
    *,
    name: str = "bot",
    provider: str = "openai",
    temperature: float = 0.2,
    system: str = "Be brief.",
    extra: str = "",
) -> None:
    target = root / "prompts" / path
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text(
        FILE.format(
            name=name, provider=provider, temperature=temperature, system=system, extra=extra
        ),
        encoding="utf-8",
    )


@pytest.fixture(params=sorted(READINGS))
def fp(request: pytest.FixtureRequest) -> Iterator[RunningEmulator]:
    with running_emulator(**READINGS[request.param]) as emulator:
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
    """apply, then plan: No changes. Returns apply's output."""
    code, out, err = run_cli("apply", "--auto-approve", "--retry-delay", "0")
    assert code == 0, out + err
    assert out.endswith("Remote verified.\n"), out
    code, out2, err2 = run_cli("plan", "--detailed-exitcode")
    assert code == 0, out2 + err2
    return out


def test_create_update_promote_and_latest_only(
    root: Path, fp: RunningEmulator, run_cli: RunCli
) -> None:
    write(root, "bot.yaml", extra="environments: [staging, prod]\n")
    write(root, "notes.yaml", name="notes")  # latest only
    assert "2 created" in converge(run_cli)
    write(root, "bot.yaml", temperature=0.5, extra="environments: [staging, prod]\n")
    write(root, "notes.yaml", name="notes", system="Be briefer.")
    assert "2 updated" in converge(run_cli)
    # staging moves on; then prod is promoted to what staging serves, no new version.
    write(root, "bot.yaml", temperature=0.5, extra="environments: [prod]\n")
    write(root, "bot.staging.yaml", temperature=0.9, extra="environments: [staging]\n")
    converge(run_cli)
    (root / "prompts" / "bot.yaml").unlink()
    write(root, "bot.staging.yaml", temperature=0.9, extra="environments: [staging, prod]\n")
    before = versions_by_template(fp)
    assert "1 promoted" in converge(run_cli)
    assert versions_by_template(fp) == before


def test_revert_to_an_older_content(root: Path, fp: RunningEmulator, run_cli: RunCli) -> None:
    write(root, "bot.yaml", extra="environments: [staging, prod]\n")
    converge(run_cli)
    write(root, "bot.yaml", temperature=0.7, extra="environments: [staging, prod]\n")
    converge(run_cli)
    write(root, "bot.yaml", extra="environments: [staging, prod]\n")  # back to the first
    converge(run_cli)
    counts = versions_by_template(fp)
    # Under any-version the first version is reused; otherwise a third one is made. Never more.
    assert counts["bot"] in (2, 3)


def test_provider_only_change_converges(root: Path, fp: RunningEmulator, run_cli: RunCli) -> None:
    write(root, "bot.yaml", extra="environments: [staging, prod]\n")
    converge(run_cli)
    write(root, "bot.yaml", provider="azure", extra="environments: [staging, prod]\n")
    _, out, _ = run_cli("plan", "--format", "json")
    [op] = json.loads(out)["changes"][0]["operations"]
    # Freeplay does not compare provider when it deduplicates: provenance names it, so the
    # registry sees a new version instead of silently keeping the old one.
    assert op["content"]["version_description"].endswith(" (provider: azure)")
    assert "1 updated" in converge(run_cli)
    with fp.client() as client:
        prod = client.get(f"/projects/{fp.project_id}/prompt-templates/all/prod").json()
    assert prod["prompt_templates"][0]["metadata"]["provider"] == "azure"


def test_provider_only_change_with_a_declared_description_is_held_back_alone(
    root: Path, fp: RunningEmulator, run_cli: RunCli
) -> None:
    extra = "environments: [prod]\nversion_description: Shorter system prompt\n"
    write(root, "bot.yaml", extra=extra)
    converge(run_cli)
    write(root, "bot.yaml", provider="anthropic", extra=extra)
    write(root, "other.yaml", name="other", extra="environments: [prod]\n")
    code, out, err = run_cli("plan", "--detailed-exitcode")
    assert code == 2, err  # the plan is made: the other template is not blocked
    assert "+ other" in out
    assert "Held back (apply makes the other changes, then fails):" in out
    assert "prompts/bot.yaml: bot: differs from version " in out
    fp.stats.reset()
    code, out, err = run_cli("apply", "--auto-approve")
    assert code == 1
    assert "1 created" in out  # other
    assert "\nerror: not applied: prompts/bot.yaml: bot: differs from version " in err, err
    assert "only in provider, which the registry does not compare when it deduplicates" in err
    assert "Change version_name or version_description as well" in err
    assert fp.stats.count("POST") == 1  # other's create; nothing sent for bot
    # Naming the version makes it distinct, and it converges.
    write(root, "bot.yaml", provider="anthropic", extra=extra + "version_name: v2-anthropic\n")
    assert "1 updated" in converge(run_cli)


def test_an_unmanaged_template_from_the_ui_never_blocks(
    root: Path, fp: RunningEmulator, run_cli: RunCli
) -> None:
    with fp.client() as client:
        response = client.post(
            f"{fp.url}/_emulator/raw-version",
            json={
                "project_id": fp.project_id,
                "template_name": "from_the_ui",
                "environments": ["prod"],
                "body": {
                    "content": [{"role": "user", "content": [{"type": "text", "text": "hi"}]}],
                    "provider": "openai",
                    "model": "gpt-4o",
                    "params": {"stream": True},
                },
            },
        )
        assert response.status_code == 201, response.text
    write(root, "bot.yaml", extra="environments: [staging, prod]\n")
    code, out, err = run_cli("plan")
    assert code == 0, err
    assert (
        "template 'from_the_ui' in prod, latest cannot be read (content[0].content is a list,"
        " not text)" in out
    )
    assert "? from_the_ui" in out  # an orphan, as every template without a file
    converge(run_cli)
    code, out, err = run_cli("pull", "--force")
    assert code == 0, err
    assert (
        "warning: from_the_ui: prod, latest cannot be read (content[0].content is a list, not"
        " text); nothing written"
    ) in err


def test_a_managed_version_that_cannot_be_read_is_drift_that_apply_replaces(
    root: Path, fp: RunningEmulator, run_cli: RunCli
) -> None:
    with fp.client() as client:
        client.post(
            f"{fp.url}/_emulator/raw-version",
            json={
                "project_id": fp.project_id,
                "template_name": "bot",
                "environments": ["prod"],
                "body": {
                    "content": [{"role": "user", "content": None}],
                    "provider": "openai",
                    "model": "m",
                },
            },
        )
    write(root, "bot.yaml", extra="environments: [staging, prod]\n")
    code, out, err = run_cli("plan", "--detailed-exitcode")
    assert code == 2, err
    assert "(cannot be compared: content[0].content is null, not text) -> new version" in out
    assert out.count("cannot be compared") == 1  # prod; latest matters to env-less files only
    assert "error" not in err
    converge(run_cli)


def test_a_sibling_change_with_an_env_less_file_converges_in_git(
    root: Path, fp: RunningEmulator, run_cli: RunCli
) -> None:
    # The env-less version must be created again after its sibling moves latest; under the
    # any-version reading an identical older version must not be the answer.
    repo = git.Repo.init(root)
    write(root, "a.yaml", extra="environments: [prod]\n")
    write(root, "b.yaml", system="Be kind.")  # latest only
    commit(repo)
    converge(run_cli)
    write(root, "a.yaml", temperature=0.9, extra="environments: [prod]\n")
    commit(repo)
    converge(run_cli)
    write(root, "a.yaml", temperature=0.4, extra="environments: [prod]\n")
    commit(repo)
    converge(run_cli)


def commit(repo: git.Repo) -> None:
    repo.git.add(A=True)
    repo.git.commit(
        m="change",
        author="t <t@example.com>",
        env={"GIT_COMMITTER_NAME": "t", "GIT_COMMITTER_EMAIL": "t@example.com"},
    )
