from __future__ import annotations

from typing import Any

import pytest

from promptsync.kinds.prompts.breaking import breaking_changes


def content(*texts: str, tools: Any = None, output: Any = None, history: bool = False) -> Any:
    messages: list[dict[str, Any]] = [{"role": "user", "content": t} for t in texts]
    if history:
        messages.insert(0, {"kind": "history"})
    return {
        "messages": messages,
        "provider": "openai",
        "model": "m",
        "llm_parameters": {},
        "tool_schema": tools,
        "output_schema": output,
    }


def kinds(before: Any, after: Any) -> list[tuple[str, str]]:
    return [(c.kind, c.detail) for c in breaking_changes(before, after)]


@pytest.mark.parametrize(
    ("before", "after", "expected"),
    [
        (content("{{a}} {{b}}"), content("{{a}}"), [("variable_removed", "b")]),
        (
            content("{{pop_star}}"),
            content("{{pop_artist}}"),
            [("variable_renamed", "pop_star -> pop_artist")],
        ),
        (
            content("{{x}}"),
            content("{{completely_different}}"),
            [("variable_renamed", "x -> completely_different")],
        ),
        (content("{{a}}"), content("{{a}} {{b}}"), [("variable_newly_required", "b")]),
        (content("{{#vip}}VIP{{/vip}}"), content("{{vip}}"), [("variable_newly_required", "vip")]),
        (content("{{a}}"), content("{{#b}}{{a}}{{/b}}"), [("variable_removed", "a")]),
        (content("{{a}}"), content("{{a}} {{#extra}}!{{/extra}}"), []),
        (content("{{#items}}{{title}}{{/items}}"), content("{{#items}}{{name}}{{/items}}"), []),
        (
            content("x", tools=[{"name": "t", "description": "d", "parameters": {"a": 1}}]),
            content("x"),
            [("tool_removed", "t")],
        ),
        (
            content("x", tools=[{"name": "t", "description": "d", "parameters": {"a": 1}}]),
            content("x", tools=[{"name": "t", "description": "new words", "parameters": {"a": 1}}]),
            [],
        ),
        (
            content("x", tools=[{"name": "t", "description": "d", "parameters": {"a": 1}}]),
            content("x", tools=[{"name": "t", "description": "d", "parameters": {"a": 2}}]),
            [("tool_changed", "t")],
        ),
        (
            content("x", output={"type": "object"}),
            content("x", output={"type": "array"}),
            [("output_schema_changed", "output_schema")],
        ),
        (
            content("x"),
            content("x", output={"type": "object"}),
            [("output_schema_changed", "output_schema")],
        ),
        (content("x", history=True), content("x"), [("history_removed", "history placeholder")]),
        (content("x"), content("x", history=True), []),
        (content("{{#broken}"), content("{{a}}"), [("variable_newly_required", "a")]),
    ],
)
def test_breaking_kinds(before: Any, after: Any, expected: list[tuple[str, str]]) -> None:
    assert kinds(before, after) == expected


def test_two_removed_two_added_pairs_by_similarity() -> None:
    assert kinds(
        content("{{user_name}} {{order_id}}"), content("{{username}} {{order_number}}")
    ) == [
        ("variable_renamed", "order_id -> order_number"),
        ("variable_renamed", "user_name -> username"),
    ]
