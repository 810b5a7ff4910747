"""PromptLayer's JSON ↔ neutral types, with literal payloads: the stored shape (defaults filled
in), looser shapes, templates prompt files cannot express, and publish bodies."""

from __future__ import annotations

import copy
import json
from typing import Any

import pytest

from promptsync.backends.promptlayer.wire import (
    parse_version_ref,
    publish_body,
    read_answer,
    read_labels,
    read_page,
)
from promptsync.backends.replies import ShapeError
from promptsync.kinds.prompts.changes import CreateVersion, VersionContent
from promptsync.kinds.prompts.identity import content_hash, content_of
from promptsync.kinds.prompts.models import PromptFile


def text(value: str) -> list[dict[str, Any]]:
    """A text block as PromptLayer stores it: every default filled in."""
    return [
        {"type": "text", "text": value, "id": None, "annotations": None, "thought_signature": None}
    ]


def stored_message(role: str, value: str, fmt: str = "f-string") -> dict[str, Any]:
    return {
        "role": role,
        "content": text(value),
        "input_variables": [],
        "template_format": fmt,
        "name": None,
    }


def item(name: str = "support", number: int = 3, **overrides: Any) -> dict[str, Any]:
    """A `ListPromptTemplateItem` as the emulator (and PromptLayer) returns it."""
    base: dict[str, Any] = {
        "id": 12,
        "prompt_name": name,
        "prompt_template": {
            "type": "chat",
            "messages": [
                stored_message("system", "You help with {product}."),
                {
                    "role": "placeholder",
                    "name": "history",
                    "content": None,
                    "raw_request_display_role": "",
                    "input_variables": [],
                    "template_format": "f-string",
                },
                stored_message("user", "{question}"),
            ],
            "functions": None,
            "tools": [
                {
                    "type": "function",
                    "function": {
                        "name": "lookup",
                        "description": "Look up an order",
                        "strict": False,
                        "parameters": {"type": "object", "properties": {"id": {"type": "string"}}},
                    },
                }
            ],
            "function_call": None,
            "tool_choice": None,
            "input_variables": ["product", "question"],
        },
        "metadata": {
            "model": {
                "provider": "openai",
                "name": "gpt-4o",
                "parameters": {"temperature": 0.2, "max_tokens": 512.0},
                "display_params": {},
                "api_type": None,
                "model_config_display_name": None,
                "base_model": None,
            },
            "customField": "kept by PromptLayer, ignored by promptsync",
        },
        "commit_message": "promptsync: prompts/support.yaml @ 1a2b3c4",
        "llm_kwargs": None,
        "version": number,
        "external_ids": [],
        "is_snippet": False,
    }
    base.update(overrides)
    return base


FILE = {
    "name": "support",
    "provider": "openai",
    "model": "gpt-4o",
    "llm_parameters": {"temperature": 0.2, "max_tokens": 512},
    "template_format": "f-string",
    "messages": [
        {"role": "system", "content": "You help with {product}."},
        {"kind": "history"},
        {"role": "user", "content": "{question}"},
    ],
    "tool_schema": [
        {
            "name": "lookup",
            "description": "Look up an order",
            "parameters": {"type": "object", "properties": {"id": {"type": "string"}}},
        }
    ],
}


def page(*items: dict[str, Any], **fields: Any) -> bytes:
    body = {
        "items": list(items),
        "page": 1,
        "pages": 1,
        "total": len(items),
        "has_next": False,
        "has_prev": False,
        "next_num": 0,
        "prev_num": 0,
        **fields,
    }
    return json.dumps(body).encode()


def test_stored_item_normalizes_like_the_file() -> None:
    result = read_page(page(item()))
    version = result.versions["support"]
    assert version.hash == content_hash(content_of(PromptFile.model_validate(FILE)))
    assert (version.template_id, version.version_id, version.number) == ("12", "12:v3", 3)
    assert version.version_description == "promptsync: prompts/support.yaml @ 1a2b3c4"
    assert version.version_name is None
    assert not result.unreadable


def test_looser_shapes_are_read() -> None:
    loose = item()
    for message in loose["prompt_template"]["messages"]:
        message.pop("template_format")  # absent: PromptLayer's default, f-string
        message["unknown"] = {"nested": True}
    del loose["prompt_template"]["tools"][0]["function"]["strict"]
    loose["id"] = "12"
    loose["brand_new_field"] = [1, 2]
    body = json.loads(page(loose))
    del body["has_next"]  # fall back on page < pages
    body["next_num"] = None
    body["pages"] = 2
    result = read_page(json.dumps(body).encode())
    assert result.has_next
    assert result.versions["support"].hash == read_page(page(item())).versions["support"].hash


def edit(change: Any) -> dict[str, Any]:
    data = item(name="odd")
    change(data)
    return data


def _set(path: str, value: Any) -> Any:
    def change(data: dict[str, Any]) -> None:
        *parents, last = path.split("/")
        target: Any = data
        for part in parents:
            target = target[int(part)] if part.isdigit() else target[part]
        target[int(last) if last.isdigit() else last] = value

    return change


@pytest.mark.parametrize(
    ("change", "reason"),
    [
        (_set("prompt_template/type", "completion"), "a 'completion' template"),
        (_set("prompt_template/messages/0/role", "developer"), "role is 'developer'"),
        (
            _set("prompt_template/messages/0/content", [*text("a"), *text("b")]),
            "content is 2 content blocks, not one text block",
        ),
        (
            _set(
                "prompt_template/messages/2/content",
                [{"type": "image_url", "image_url": {"url": "x"}}],
            ),
            "content[0] is a 'image_url' block",
        ),
        (_set("prompt_template/messages/1/name", "chat"), "a placeholder named 'chat'"),
        (_set("prompt_template/messages/0/name", "bot"), "messages[0].name is set"),
        (_set("prompt_template/messages/0/template_format", "jinja2"), "mix template formats"),
        (_set("prompt_template/messages/0/template_format", "mustache"), "not f-string or jinja2"),
        (_set("prompt_template/tool_choice", "auto"), "tool_choice is set"),
        (_set("prompt_template/functions", [{"name": "f"}]), "legacy functions"),
        (_set("prompt_template/tools/0/type", "web_search"), "a 'web_search' tool"),
        (_set("prompt_template/tools/0/function/strict", True), "strict is true"),
        (_set("metadata/model/parameters/stream", True), "parameters.stream is a boolean"),
        (_set("metadata/model/parameters/stop", ["x"]), "parameters.stop is a list"),
        (_set("metadata/model", None), "metadata.model is missing"),
        (_set("metadata", None), "metadata.model is missing"),
        (_set("metadata/model/name", ""), "metadata.model.name is empty"),
        (_set("metadata/model/api_type", "responses"), "api_type is 'responses'"),
        (_set("metadata/model/base_model", "gpt-4o-mini"), "base_model is set"),
        (_set("version", None), "version is missing"),
        (_set("commit_message", 7), "commit_message is int"),
    ],
)
def test_templates_prompt_files_cannot_express_are_unreadable(change: Any, reason: str) -> None:
    result = read_page(page(item(), edit(change)))
    assert "support" in result.versions  # the rest of the page is still read
    assert reason in result.unreadable["odd"].reason
    assert result.unreadable["odd"].template_id == "12"


@pytest.mark.parametrize(
    ("raw", "message"),
    [
        (b"<html>", "response is not valid JSON"),
        (b'{"data": []}', "no list 'items'"),
        (page({"id": 1}), "items.0.prompt_name: missing"),
    ],
)
def test_malformed_pages(raw: bytes, message: str) -> None:
    with pytest.raises(ShapeError, match=message):
        read_page(raw)


def test_cache_shares_versions_between_lists() -> None:
    cache: dict[str, Any] = {}
    first = read_page(page(item()), cache).versions["support"]
    assert read_page(page(item()), cache).versions["support"] is first


def op(**content: Any) -> CreateVersion:
    data = {key: value for key, value in FILE.items() if key != "name"}
    data.update(content)
    version = VersionContent.model_validate({**data, "version_description": "made by a test"})
    return CreateVersion(
        name="support",
        environments=["staging", "prod"],
        content=version,
        hash=content_hash(content_of(version)),
        file="prompts/support.yaml",
    )


def stored(body: dict[str, Any], number: int) -> dict[str, Any]:
    """What PromptLayer answers a publish with: the body's version, defaults filled in."""
    version = copy.deepcopy(body["prompt_version"])
    for message in version["prompt_template"]["messages"]:
        if message["role"] != "placeholder":
            message["content"] = text(message["content"][0]["text"])
    return {
        "id": 40,
        "prompt_name": body["prompt_template"]["prompt_name"],
        "prompt_version_id": 900,
        "version_number": number,
        "tags": [],
        "release_labels": body.get("release_labels"),
        "external_ids": [],
        **version,
    }


@pytest.mark.parametrize("fmt", ["f-string", "jinja2"])
def test_publish_body_reads_back_as_sent(fmt: str) -> None:
    texts = {"f-string": ("You help with {product}.", "{question}")}
    texts["jinja2"] = ("You help with {{ product }}.", "{% if q %}{{ q }}{% endif %}")
    system, user = texts[fmt]
    create = op(
        template_format=fmt,
        messages=[
            {"role": "system", "content": system},
            {"kind": "history"},
            {"role": "user", "content": user},
        ],
    )
    body = publish_body(create)
    template = body["prompt_version"]["prompt_template"]
    assert body["prompt_template"] == {"prompt_name": "support"}
    assert body["release_labels"] == ["staging", "prod"]
    assert body["prompt_version"]["commit_message"] == "made by a test"
    assert body["prompt_version"]["metadata"] == {
        "model": {
            "provider": "openai",
            "name": "gpt-4o",
            "parameters": {"temperature": 0.2, "max_tokens": 512},
        }
    }
    assert template["messages"][1] == {
        "role": "placeholder",
        "name": "history",
        "template_format": fmt,
    }
    assert {m["template_format"] for m in template["messages"]} == {fmt}
    assert template["input_variables"] == (
        ["product", "question"] if fmt == "f-string" else ["product", "q"]
    )
    assert template["tools"][0]["function"]["name"] == "lookup"
    answer = read_answer(stored(body, 7), "version_number")
    assert (answer.hash, answer.version_id) == (create.hash, "40:v7")


def test_env_less_publish_sends_no_labels() -> None:
    body = publish_body(op().model_copy(update={"environments": []}))
    assert "release_labels" not in body


def test_labels_and_version_refs() -> None:
    labels = read_labels(
        {
            "release_labels": [
                {
                    "release_label": "prod",
                    "release_label_id": 5,
                    "prompt_version_id": 90,
                    "prompt_version_number": 2,
                },
                {"release_label": "broken"},
            ]
        }
    )
    assert {name: (label.id, label.number) for name, label in labels.items()} == {"prod": (5, 2)}
    assert parse_version_ref("12:v3") == 3
    for bad in ("12", "12:vx", "v3"):
        with pytest.raises(ShapeError):
            parse_version_ref(bad)
    with pytest.raises(ShapeError, match="release_labels"):
        read_labels({"labels": []})
