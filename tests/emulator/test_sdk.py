"""The official freeplay SDK, an independent client, works against the emulator."""

from __future__ import annotations

import time
import uuid
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from freeplay import CallInfo, Freeplay, RecordPayload, UsageTokens
from freeplay.freeplay_cli import cli as freeplay_cli
from freeplay.resources.prompts import FilesystemTemplateResolver
from freeplay.support import (
    HistoryTemplateMessage,
    MediaSlot,
    TemplateChatMessage,
    ToolSchema,
)

from promptsync.emulator import RunningEmulator
from tests.emulator.completions import search

TOOL = ToolSchema(
    name="weather_of_location",
    description="Get weather of a location",
    parameters={
        "type": "object",
        "properties": {"location": {"type": "string"}},
        "required": ["location"],
    },
)


def create_support_agent(fp: RunningEmulator, environments: list[str]) -> Any:
    """The anthropic template, created with the SDK's own create_version."""
    return sdk(fp).prompts.create_version(
        project_id=fp.project_id,
        template_name="support/agent",
        template_messages=[
            TemplateChatMessage(role="system", content="Support for {{product}}."),
            TemplateChatMessage(role="user", content="{{question}}"),
        ],
        model="claude-sonnet-4-5",
        provider="anthropic",
        version_name="v1",
        environments=environments,
    )


def sdk(fp: RunningEmulator) -> Freeplay:
    return Freeplay(freeplay_api_key=fp.api_key, api_base=f"{fp.url}/api")


def seed(fp: RunningEmulator) -> dict[str, Any]:
    """An openai template with history, media slot and tool; an anthropic one via the SDK."""
    # freeplay 0.6.1's create_version cannot JSON-encode MediaSlot objects (it serializes
    # message.__dict__), so the media-slot template goes over plain HTTP.
    response = fp.client().post(
        f"/projects/{fp.project_id}/prompt-templates/name/album_bot/versions",
        params={"create_template_if_not_exists": "true"},
        json={
            "template_messages": [
                {"role": "system", "content": "You name albums."},
                {"kind": "history"},
                {
                    "role": "user",
                    "content": "Album in the style of {{pop_star}}",
                    "media_slots": [{"type": "image", "placeholder_name": "cover"}],
                },
            ],
            "model": "gpt-4o",
            "provider": "openai",
            "llm_parameters": {"temperature": 0.2},
            "tool_schema": [TOOL.__dict__],
            "environments": ["staging"],
        },
    )
    assert response.status_code == 201
    # The SDK's create_version never asks to create the template, so it must exist first.
    template = fp.client().post(
        f"/projects/{fp.project_id}/prompt-templates", json={"name": "support/agent"}
    )
    assert template.status_code == 201
    anthropic = create_support_agent(fp, ["staging", "prod"])
    return {"openai": response.json(), "anthropic": anthropic}


@pytest.fixture
def seeded(emulator: RunningEmulator) -> tuple[RunningEmulator, dict[str, Any]]:
    return emulator, seed(emulator)


def test_create_version_and_update_environments(seeded: tuple[RunningEmulator, Any]) -> None:
    fp, versions = seeded
    created = versions["anthropic"]
    assert created is not None
    assert created.prompt_template_name == "support/agent"
    assert created.version_name == "v1"
    client = sdk(fp)
    album = versions["openai"]
    client.prompts.update_version_environments(
        project_id=fp.project_id,
        template_id=album["prompt_template_id"],
        template_version_id=album["prompt_template_version_id"],
        environments=["prod"],
    )
    prod = client.prompts.get_all(fp.project_id, environment="prod").prompt_templates
    assert {p.prompt_template_name for p in prod} == {"album_bot", "support/agent"}
    again = create_support_agent(fp, ["prod"])
    assert again is not None
    assert again.prompt_template_version_id == created.prompt_template_version_id


def test_get_all(seeded: tuple[RunningEmulator, Any]) -> None:
    fp, _ = seeded
    templates = sdk(fp).prompts.get_all(fp.project_id, environment="staging").prompt_templates
    by_name = {t.prompt_template_name: t for t in templates}
    assert set(by_name) == {"album_bot", "support/agent"}
    album = by_name["album_bot"]
    assert album.metadata.flavor == "openai_chat"
    assert album.tool_schema == [TOOL]
    assert isinstance(album.content[1], HistoryTemplateMessage)
    user = album.content[2]
    assert isinstance(user, TemplateChatMessage)
    assert user.media_slots == [MediaSlot(type="image", placeholder_name="cover")]


def test_get_formatted_openai(seeded: tuple[RunningEmulator, Any]) -> None:
    fp, _ = seeded
    formatted = sdk(fp).prompts.get_formatted(
        project_id=fp.project_id,
        template_name="album_bot",
        environment="staging",
        variables={"pop_star": "Taylor Swift"},
        history=[{"role": "user", "content": "earlier"}],
    )
    assert formatted.llm_prompt == [
        {"role": "system", "content": "You name albums."},
        {"role": "user", "content": "earlier"},
        {"role": "user", "content": "Album in the style of Taylor Swift"},
    ]
    assert formatted.tool_schema[0]["function"]["name"] == "weather_of_location"
    assert formatted.prompt_info.model_parameters == {"temperature": 0.2}


def test_get_formatted_anthropic(seeded: tuple[RunningEmulator, Any]) -> None:
    fp, _ = seeded
    formatted = sdk(fp).prompts.get_formatted(
        project_id=fp.project_id,
        template_name="support/agent",
        environment="prod",
        variables={"product": "Freeplay", "question": "Refund?"},
    )
    assert formatted.system_content == "Support for Freeplay."
    assert formatted.llm_prompt == [{"role": "user", "content": "Refund?"}]
    assert formatted.prompt_info.flavor_name == "anthropic_chat"


def test_get_by_version_id(seeded: tuple[RunningEmulator, Any]) -> None:
    fp, versions = seeded
    created = versions["anthropic"]
    prompt = sdk(fp).prompts.get_by_version_id(
        fp.project_id, created.prompt_template_id, created.prompt_template_version_id
    )
    assert prompt.prompt_info.template_name == "support/agent"
    bound = prompt.bind({"product": "X", "question": "Q"})
    assert bound.messages[0] == {"role": "system", "content": "Support for X."}


def test_download_bundle_read_by_filesystem_resolver(
    seeded: tuple[RunningEmulator, Any], tmp_path: Path
) -> None:
    fp, versions = seeded
    # `freeplay download` writes <name>.json, so it cannot bundle names containing "/":
    # the bundle is taken from `dev`, which holds only slash-free names.
    fp.client().post(f"/projects/{fp.project_id}/prompt-templates", json={"name": "support_agent"})
    sdk(fp).prompts.create_version(
        project_id=fp.project_id,
        template_name="support_agent",
        template_messages=[TemplateChatMessage(role="user", content="{{question}}")],
        model="claude-sonnet-4-5",
        provider="anthropic",
        environments=["dev"],
    )
    album = versions["openai"]
    sdk(fp).prompts.update_version_environments(
        project_id=fp.project_id,
        template_id=album["prompt_template_id"],
        template_version_id=album["prompt_template_version_id"],
        environments=["dev"],
    )
    result = CliRunner().invoke(
        freeplay_cli,
        [
            "download",
            "--project-id",
            fp.project_id,
            "--environment",
            "dev",
            "--output-dir",
            str(tmp_path),
        ],
        env={
            "FREEPLAY_API_KEY": fp.api_key,
            "FREEPLAY_SUBDOMAIN": "unused",
            "FREEPLAY_API_URL": fp.url,
        },
    )
    assert result.exit_code == 0, result.output
    offline = Freeplay(
        freeplay_api_key="unused",
        api_base="http://unused.invalid/api",
        template_resolver=FilesystemTemplateResolver(tmp_path),
    )
    formatted = offline.prompts.get_formatted(
        project_id=fp.project_id,
        template_name="support_agent",
        environment="dev",
        variables={"question": "Where is my order?"},
    )
    assert formatted.llm_prompt == [{"role": "user", "content": "Where is my order?"}]
    album_offline = offline.prompts.get_formatted(
        project_id=fp.project_id,
        template_name="album_bot",
        environment="dev",
        variables={"pop_star": "Prince"},
        history=[],
    )
    assert album_offline.llm_prompt[-1] == {
        "role": "user",
        "content": "Album in the style of Prince",
    }
    assert album_offline.tool_schema[0]["function"]["name"] == "weather_of_location"


def test_sdk_reads_decorated_responses() -> None:
    from promptsync.emulator import running_emulator

    with running_emulator(decorate_responses=True) as fp:
        seed(fp)
        templates = sdk(fp).prompts.get_all(fp.project_id, environment="staging").prompt_templates
        assert {t.prompt_template_name for t in templates} == {"album_bot", "support/agent"}
        album = next(t for t in templates if t.prompt_template_name == "album_bot")
        assert album.format_version == 3
        assert album.tool_schema == [TOOL]
        formatted = sdk(fp).prompts.get_formatted(
            project_id=fp.project_id,
            template_name="support/agent",
            environment="prod",
            variables={"product": "Freeplay", "question": "Refund?"},
        )
        assert formatted.llm_prompt == [{"role": "user", "content": "Refund?"}]


def _search(fp: RunningEmulator, filters: dict[str, Any]) -> list[dict[str, Any]]:
    return search(fp, filters)["data"]  # type: ignore[no-any-return]


@pytest.mark.parametrize("decorated", [False, True])
def test_sdk_records_and_search_finds_it(decorated: bool) -> None:
    from promptsync.emulator import running_emulator

    with running_emulator(decorate_responses=decorated) as fp:
        seed(fp)
        client = sdk(fp)
        formatted = client.prompts.get_formatted(
            project_id=fp.project_id,
            template_name="album_bot",
            environment="staging",
            variables={"pop_star": "Taylor Swift"},
            history=[],
        )
        session = client.sessions.create(custom_metadata={"user_type": "premium"})
        trace = session.create_trace(input="album please")
        start = time.time() - 3600  # an "old" call: its own start time is kept
        recorded = client.recordings.create(
            RecordPayload(
                project_id=fp.project_id,
                all_messages=[*formatted.llm_prompt, {"role": "assistant", "content": "Rainy"}],
                inputs={"pop_star": "Taylor Swift"},
                session_info=session.session_info,
                prompt_version_info=formatted.prompt_info,
                call_info=CallInfo.from_prompt_info(
                    formatted.prompt_info, start, start + 1.5, usage=UsageTokens(12, 3)
                ),
                tool_schema=formatted.tool_schema,
                eval_results={"polite": True},
                parent_id=uuid.UUID(trace.trace_id),
            )
        )
        found = _search(
            fp,
            {
                "and": [
                    {"field": "prompt_template", "op": "eq", "value": "album_bot"},
                    {"field": "environment", "op": "eq", "value": "staging"},
                    {"field": "completion_inputs.pop_star", "op": "contains", "value": "taylor"},
                    {
                        "field": "session_custom_metadata.user_type",
                        "op": "contains",
                        "value": "premium",
                    },
                    {"field": "start_time", "op": "lt", "value": time.time() - 1800},
                    {"field": "latency", "op": "between", "value": [1, 2]},
                ]
            },
        )
        assert [item["completion_id"] for item in found] == [recorded.completion_id]
        (item,) = found
        assert item["session_id"] == session.session_id
        assert item["usage"] == {"prompt_tokens": 12, "completion_tokens": 3}
        assert item["evaluation_results"]["client_evaluations"] == {"polite": True}
        assert item["completion_metadata"]["model"] == "gpt-4o"
        assert item["messages"] == [
            {"role": "system", "content": "You name albums."},
            {"role": "user", "content": "Album in the style of Taylor Swift"},
            {"role": "assistant", "content": "Rainy"},
        ]


def test_sdk_records_anthropic_blocks(seeded: tuple[RunningEmulator, Any]) -> None:
    fp, _ = seeded
    client = sdk(fp)
    formatted = client.prompts.get_formatted(
        project_id=fp.project_id,
        template_name="support/agent",
        environment="prod",
        variables={"product": "Freeplay", "question": "Refund?"},
    )
    answer = {"role": "assistant", "content": [{"type": "text", "text": "Refund approved."}]}
    recorded = client.recordings.create(
        RecordPayload(
            project_id=fp.project_id,
            all_messages=[*formatted.llm_prompt, answer],
            inputs={"product": "Freeplay", "question": "Refund?"},
            prompt_version_info=formatted.prompt_info,
        )
    )
    output = {"field": "completion_output", "op": "contains", "value": "approved"}
    assert [item["completion_id"] for item in _search(fp, output)] == [recorded.completion_id]
