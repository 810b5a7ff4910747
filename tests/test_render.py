"""Rendering with golden files. Regenerate with UPDATE_GOLDEN=1 after reviewing the change."""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

import pytest

from promptsync.display.markdown import GITHUB_LIMIT, plan_markdown
from promptsync.display.text import plan_text
from promptsync.plan.models import BackendRef, Plan
from promptsync.repo.gitinfo import GitInfo
from tests.planning import SYSTEM, plan, remote, scope, snapshots, source, whole_plan

# What the golden plans have in common: a fixed version, project and commit.
GOLDEN_PLAN: dict[str, Any] = {
    "promptsync_version": "0.0.0-golden",
    "backend": BackendRef(
        kind="freeplay",
        api_url="https://app.freeplay.ai",
        project_id="8f93dd00-2eb5-4ba2-9354-86d5c6831dfd",
    ),
    "git": GitInfo(commit="1a2b3c4d" * 5, branch="main", dirty=False),
}

GOLDEN = Path(__file__).parent / "golden"
MANAGED = ["dev", "staging", "prod"]
RENAMED = [
    {"role": "system", "content": SYSTEM},
    {"role": "user", "content": "Two-word album name in the style of {{artist}}"},
]
TOOL = {
    "name": "weather_of_location",
    "description": "Weather",
    "parameters": {"type": "object", "properties": {"location": {"type": "string"}}},
}


def scenario() -> Plan:
    files = [
        # album_bot: staging gets a new version (a variable renamed: breaking);
        # prod is promoted to the version staging serves today; dev is unclaimed.
        source(
            "prompts/album_bot/staging.yaml",
            environments=["staging"],
            messages=RENAMED,
            version_name="v2",
        ),
        source("prompts/album_bot/prod.yaml", environments=["prod"], version_name="v1"),
        # weather_agent: new template with a tool, history and a media slot.
        source(
            "prompts/weather_agent.yaml",
            name="weather_agent",
            environments=["staging", "prod"],
            tool_schema=[TOOL],
            messages=[
                {"role": "system", "content": "Weather bot.\nBe brief."},
                {"kind": "history"},
                {
                    "role": "user",
                    "content": "{{city}}?",
                    "media_slots": [{"type": "image", "placeholder_name": "map"}],
                },
            ],
        ),
        # notes: env-less file, and a prod file whose new version moves latest.
        source("prompts/notes.yaml", name="notes"),
        source(
            "prompts/notes.prod.yaml",
            name="notes",
            environments=["prod"],
            llm_parameters={"temperature": 0.9},
        ),
    ]
    album_v1 = remote("a1b1c1d1-aaaa-4aaa-8aaa-000000000001", version_name="v1")
    album_dev = remote("d0d0d0d0-aaaa-4aaa-8aaa-000000000009", model="gpt-3.5")
    album_old_prod = remote(
        "a0b0c0d0-aaaa-4aaa-8aaa-000000000000", model="gpt-4", version_name="v0"
    )
    notes = remote("e1e1e1e1-bbbb-4bbb-8bbb-000000000001", name="notes")
    notes_prod = remote(
        "e0e0e0e0-bbbb-4bbb-8bbb-000000000000", name="notes", llm_parameters={"temperature": 0.1}
    )
    legacy = remote("f1f1f1f1-cccc-4ccc-8ccc-000000000001", name="legacy_bot")
    body = plan(
        files,
        snapshots(
            MANAGED,
            dev=[album_dev],
            staging=[album_v1],
            prod=[album_old_prod, notes_prod],
            latest=[album_v1, notes, legacy],
        ),
        scope(managed=MANAGED),
    )
    return whole_plan(
        body,
        MANAGED,
        **GOLDEN_PLAN,
        created_at="2026-01-01T00:00:00Z",
        remote_fingerprint={
            env: f"sha256:{'0' * 63}{i}" for i, env in enumerate(["latest", *MANAGED])
        },
        warnings=["prompts/notes.yaml:9:3: variables: 'x' is declared but not used in any message"],
    )


def check_golden(name: str, text: str) -> None:
    path = GOLDEN / name
    if os.environ.get("UPDATE_GOLDEN"):
        path.write_text(text, encoding="utf-8")
    assert text == path.read_text(encoding="utf-8"), f"{name} changed; UPDATE_GOLDEN=1 to accept"


def test_text() -> None:
    check_golden("plan.txt", plan_text(scenario()))


def test_text_colour() -> None:
    coloured = plan_text(scenario(), color=True)
    check_golden("plan.ansi.txt", coloured)
    assert "\x1b[32m+ weather_agent" in coloured


def test_markdown() -> None:
    check_golden("plan.md", plan_markdown(scenario(), title="promptsync.yaml"))


def test_json() -> None:
    check_golden("plan.json", scenario().model_dump_json(indent=2) + "\n")


def test_no_changes() -> None:
    full = scenario()
    empty = full.model_copy(
        update={
            "changes": [],
            "orphans": [],
            "unclaimed": [],
            "warnings": [],
            "summary": full.summary.model_copy(
                update={"create": 0, "update": 0, "promote": 0, "breaking": 0, "orphans": 0}
            ),
        }
    )
    assert plan_text(empty) == "No changes. Your prompts match the remote.\n"
    assert plan_markdown(empty) == (
        "### promptsync plan\n\n**No changes. Your prompts match the remote.**\n"
    )


def test_same_inputs_byte_identical() -> None:
    assert plan_text(scenario()) == plan_text(scenario())
    assert scenario().model_dump_json() == scenario().model_dump_json()


def _huge(n: int, lines: int) -> Plan:
    text = "\n".join(f"Line {i}: " + "lorem ipsum " * 8 for i in range(lines))
    files = [
        source(
            f"p/t{i:04d}.yaml",
            name=f"t{i:04d}",
            environments=["prod"],
            messages=[{"role": "user", "content": text}],
        )
        for i in range(n)
    ]
    body = plan(files, snapshots(["prod"]), scope(managed=["prod"]))
    return scenario().model_copy(
        update={"changes": body.changes, "summary": body.summary, "orphans": [], "unclaimed": []}
    )


def test_markdown_truncates_details_under_the_limit() -> None:
    md = plan_markdown(_huge(60, 40))
    assert len(md) <= GITHUB_LIMIT
    assert "> **Truncated:** the details of" in md
    assert md.count("<details") < 60
    assert md.count("| `+` |") == 60  # the summary table is complete


def test_markdown_cuts_even_the_table_when_it_must() -> None:
    md = plan_markdown(_huge(2500, 1))
    assert len(md) <= GITHUB_LIMIT
    assert md.rstrip().endswith("to stay under GitHub's 65,536-character limit.")


@pytest.mark.parametrize("name", ["a`b", "pipe|name", "<script>"])
def test_markdown_survives_awkward_names(name: str) -> None:
    body = plan(
        [source("a.yaml", name=name, environments=["prod"])],
        snapshots(["prod"]),
        scope(managed=["prod"]),
    )
    md = plan_markdown(scenario().model_copy(update={"changes": body.changes}))
    assert "<code>+ <script>" not in md
    if name == "<script>":
        assert "<code>+ &lt;script&gt;</code>" in md
    if name == "pipe|name":
        assert "| `pipe\\|name` |" in md
    if name == "a`b":
        assert "| `aˋb` |" in md


def test_plan_json_matches_schema() -> None:
    import jsonschema

    from promptsync.commands.schema import schema

    jsonschema.Draft202012Validator(schema("plan")).validate(
        json.loads(scenario().model_dump_json())
    )
