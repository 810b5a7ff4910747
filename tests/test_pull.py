"""`promptsync pull`: safe names, and a round trip pull → validate → plan says No changes."""

from __future__ import annotations

import hashlib
from pathlib import Path
from typing import Any

import pytest

from promptsync.emulator import RunningEmulator
from promptsync.errors import PromptsyncError
from promptsync.kinds.prompts.pull import file_stem
from promptsync.repo.files import write_atomically
from tests.conftest import RunCli


def h(name: str) -> str:
    return hashlib.sha256(name.encode()).hexdigest()[:8]


@pytest.mark.parametrize(
    ("name", "stem"),
    [
        ("album_bot", "album_bot"),
        ("Album-Bot_2", "Album-Bot_2"),
        ("team/bot", f"team_bot-{h('team/bot')}"),
        ("..", f"template-{h('..')}"),
        ("../../etc/passwd", f"etc_passwd-{h('../../etc/passwd')}"),
        ("with space", f"with_space-{h('with space')}"),
        ("ünïcødé ✓", f"n_c_d-{h('ünïcødé ✓')}"),
        ("CON", f"CON-{h('CON')}"),
        ("a:b*c?", f"a_b_c-{h('a:b*c?')}"),
        ("x" * 100, f"{'x' * 60}-{h('x' * 100)}"),
    ],
)
def test_file_stem(name: str, stem: str) -> None:
    assert file_stem(name) == stem
    assert "/" not in stem
    assert ".." not in stem


def test_case_collisions_get_distinct_stems() -> None:
    assert file_stem("Bot", folded_collision=True) != file_stem("bot", folded_collision=True)


LONG = "\n".join(f"Rule {i}: be precise about item {i}." for i in range(200)) + "\n"


def seed_varied(fp: RunningEmulator) -> None:
    """A project with every feature of the format and awkward names, built over plain HTTP."""
    base = f"/projects/{fp.project_id}/prompt-templates"

    def create(name: str, envs: list[str], **body: Any) -> None:
        body = {"provider": "openai", "model": "gpt-4o", "environments": envs, **body}
        body.setdefault("template_messages", [{"role": "user", "content": f"Hi from {name}"}])
        with fp.client() as client:
            r = client.post(
                f"{base}/name/{name.replace('/', '%2F').replace('.', '%2E')}/versions",
                params={"create_template_if_not_exists": "true"},
                json=body,
            )
        assert r.status_code == 201, r.text

    tool = {
        "name": "lookup",
        "description": "Look up",
        "parameters": {
            "type": "object",
            "properties": {"id": {"type": "string"}},
            "required": ["id"],
        },
    }
    create("tools", ["staging", "prod"], tool_schema=[tool], llm_parameters={"temperature": 0.5})
    create(
        "structured",
        ["prod"],
        output_schema={"type": "object", "properties": {"total": {"type": "number"}}},
        llm_parameters={"max_tokens": 100, "stop": "END"},
    )
    create(
        "chat",
        ["staging", "prod"],
        provider="anthropic",
        model="claude",
        template_messages=[
            {"role": "system", "content": "Tutor for {{subject}}.\n  Indented line.\n"},
            {"kind": "history"},
            {
                "role": "user",
                "content": "{{question}}",
                "media_slots": [
                    {"type": "image", "placeholder_name": "photo"},
                    {"type": "file", "placeholder_name": "doc"},
                ],
            },
        ],
    )
    create(
        "unicode",
        ["prod"],
        template_messages=[
            {"role": "user", "content": "Café ✓ 日本語 — “quotes” \\ back\\slash\ttab"},
            {"role": "assistant", "content": "trailing space here \nand a line"},
            {"role": "user", "content": LONG},
        ],
    )
    create("per_env", ["prod"], llm_parameters={"temperature": 0.1})
    create(
        "per_env",
        ["staging"],
        llm_parameters={"temperature": 0.9},
        version_name="v2",
        version_description="Warmer",
    )
    create("per_env", [], llm_parameters={"temperature": 1})  # only latest serves this one
    for name in ["team/bot", "..", "with space", "ünï ✓", "CON", "a%2Fb", "Bot", "bot"]:
        create(name, ["prod"])
    create("provenance", ["prod"], version_description="promptsync: prompts/old.yaml @ abc1234")


@pytest.fixture
def adopted(isolated: Path, emulator: RunningEmulator, monkeypatch: pytest.MonkeyPatch) -> Path:
    seed_varied(emulator)
    (isolated / "promptsync.yaml").write_text(
        f"project_id: {emulator.project_id}\napi_url: {emulator.url}\n"
        "environments: [staging, prod]\n",
        encoding="utf-8",
    )
    monkeypatch.setenv("FREEPLAY_API_KEY", emulator.api_key)
    return isolated


def test_round_trip(adopted: Path, run_cli: RunCli) -> None:
    code, out, err = run_cli("pull")
    assert code == 0, err
    assert out.endswith(
        "Pulled 14 template(s) into 16 file(s): 16 created, 0 updated, 0 removed, 0 unchanged.\n"
    )
    assert run_cli("validate")[0] == 0
    code, out, _ = run_cli("plan", "--detailed-exitcode")
    assert (code, out) == (0, "No changes. Your prompts match the remote.\n")
    files = {
        p.relative_to(adopted / "prompts").as_posix()
        for p in adopted.rglob("*.yaml")
        if p.parent != adopted
    }
    assert {
        "tools.yaml",
        "per_env.prod.yaml",
        "per_env.staging.yaml",
        "per_env.latest.yaml",
        f"team_bot-{h('team/bot')}.yaml",
        f"template-{h('..')}.yaml",
        f"Bot-{h('Bot')}.yaml",
        f"bot-{h('bot')}.yaml",
    } <= files
    chat = (adopted / "prompts" / "chat.yaml").read_text(encoding="utf-8")
    assert chat.startswith("# yaml-language-server: $schema=")
    assert "    content: |\n      Tutor for {{subject}}.\n        Indented line.\n" in chat
    assert "environments: [staging, prod]" in chat
    assert "variables:\n  subject: {}\n  question: {}\n" in chat
    unicode = (adopted / "prompts" / "unicode.yaml").read_text(encoding="utf-8")
    assert 'content: "trailing space here \\nand a line"' in unicode  # exact, quoted
    provenance = (adopted / "prompts" / "provenance.yaml").read_text(encoding="utf-8")
    assert "version_description" not in provenance  # promptsync's own note is not pinned


def test_second_pull_writes_nothing(adopted: Path, run_cli: RunCli) -> None:
    assert run_cli("pull")[0] == 0
    before = {p: p.stat().st_mtime_ns for p in (adopted / "prompts").iterdir()}
    code, out, _ = run_cli("pull")
    assert code == 0
    assert out.endswith("0 created, 0 updated, 0 removed, 16 unchanged.\n")
    assert {p: p.stat().st_mtime_ns for p in (adopted / "prompts").iterdir()} == before


def test_refuses_to_overwrite_local_edits(
    adopted: Path, emulator: RunningEmulator, run_cli: RunCli
) -> None:
    assert run_cli("pull")[0] == 0
    tools = adopted / "prompts" / "tools.yaml"
    tools.write_text(tools.read_text().replace("temperature: 0.5", "temperature: 0.6"))
    edited = tools.read_text()
    code, out, err = run_cli("pull")
    assert code == 1
    assert err == (
        "error: pull would overwrite or remove 1 local file(s) that differ from the"
        " remote (prompts/tools.yaml); nothing was written. Review them, then run"
        " pull --force to replace them\n"
    )
    assert tools.read_text() == edited
    code, out, _ = run_cli("pull", "--force")
    assert code == 0
    assert "  ~ prompts/tools.yaml" in out
    assert "temperature: 0.5" in tools.read_text()


def test_force_replaces_files_that_no_longer_fit(
    adopted: Path, emulator: RunningEmulator, run_cli: RunCli
) -> None:
    assert run_cli("pull", "--template", "per_env")[0] == 0
    assert len(list((adopted / "prompts").glob("per_env*.yaml"))) == 3
    base = f"/projects/{emulator.project_id}/prompt-templates"
    with emulator.client() as client:  # prod is promoted to what staging serves
        staging = client.get(f"{base}/all/staging").json()["prompt_templates"]
        v = next(t for t in staging if t["prompt_template_name"] == "per_env")
        client.post(
            f"{base}/id/{v['prompt_template_id']}/versions/"
            f"{v['prompt_template_version_id']}/environments",
            json={"environments": ["prod"]},
        )
    assert run_cli("pull", "--template", "per_env")[0] == 1  # would remove per_env.prod.yaml
    code, out, _ = run_cli("pull", "--template", "per_env", "--force")
    assert code == 0
    assert "  - prompts/per_env.prod.yaml" in out
    assert sorted(p.name for p in (adopted / "prompts").glob("per_env*.yaml")) == [
        "per_env.latest.yaml",
        "per_env.staging+prod.yaml",
    ]
    assert run_cli("plan", "--detailed-exitcode", "--template", "per_env")[0] == 0


def test_pull_needs_environments(adopted: Path, run_cli: RunCli) -> None:
    (adopted / "promptsync.yaml").write_text(
        (adopted / "promptsync.yaml").read_text().replace("environments: [staging, prod]\n", "")
    )
    assert run_cli("pull")[2] == (
        "error: pull: which environments? List them in promptsync.yaml"
        " (environments: [...]) or pass --env\n"
    )
    assert run_cli("pull", "--env", "latest")[2].startswith("error: --env latest:")
    code, out, _ = run_cli("pull", "--env", "prod", "--template", "tools")
    assert code == 0
    assert "  + prompts/tools.yaml" in out
    assert "environments: [prod]" in (adopted / "prompts" / "tools.yaml").read_text()


def test_atomic_write_leaves_no_partial_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    target = tmp_path / "a.yaml"
    target.write_text("original\n")

    def fail(self: Path, other: Path) -> None:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(Path, "replace", fail)
    with pytest.raises(PromptsyncError, match=r"cannot write .*No space left on device"):
        write_atomically(target, "new content\n")
    assert target.read_text() == "original\n"
    assert [p.name for p in tmp_path.iterdir()] == ["a.yaml"]


def test_a_version_validate_would_refuse_is_skipped_not_written(
    isolated: Path, emulator: RunningEmulator, monkeypatch: pytest.MonkeyPatch, run_cli: RunCli
) -> None:
    base = f"/projects/{emulator.project_id}/prompt-templates"
    for name, text in (("broken", "{{#items}}never closed"), ("fine", "Hi {{name}}")):
        with emulator.client() as client:
            r = client.post(
                f"{base}/name/{name}/versions",
                params={"create_template_if_not_exists": "true"},
                json={
                    "provider": "openai",
                    "model": "gpt-4o",
                    "environments": ["prod"],
                    "template_messages": [{"role": "user", "content": text}],
                },
            )
        assert r.status_code == 201, r.text
    (isolated / "promptsync.yaml").write_text(
        f"project_id: {emulator.project_id}\napi_url: {emulator.url}\nenvironments: [prod]\n",
        encoding="utf-8",
    )
    monkeypatch.setenv("FREEPLAY_API_KEY", emulator.api_key)
    code, out, err = run_cli("pull")
    assert code == 0, err
    assert out.endswith(
        "Pulled 1 template(s) into 1 file(s): 1 created, 0 updated, 0 removed, 0 unchanged.\n"
    )
    assert err.startswith(
        "warning: skipped broken: its version would not be a valid prompt file"
        " (messages[0].content:"
    )
    assert [p.name for p in (isolated / "prompts").iterdir()] == ["fine.yaml"]
    assert run_cli("validate")[0] == 0
    code, out, _ = run_cli("--no-color", "plan", "--detailed-exitcode")
    assert code == 0
    assert "  ? broken (version " in out
