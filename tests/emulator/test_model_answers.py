"""The model endpoints' answer rule, on literal prompts (no I/O)."""

from __future__ import annotations

from dataclasses import replace

import pytest

from promptsync.emulator.model_answers import ToolCall, answer, as_json, cut, directives
from promptsync.emulator.model_requests import Prompt, Turn, from_anthropic, from_openai

BASE = Prompt(
    model="m",
    turns=(),
    tools=(),
    forced_tool=None,
    must_call=False,
    json_mode=False,
    max_tokens=None,
)


def prompt(*turns: tuple[str, str], **changes: object) -> Prompt:
    return replace(BASE, turns=tuple(Turn(role, text) for role, text in turns), **changes)  # type: ignore[arg-type]


def test_echo_is_the_last_user_text() -> None:
    got = answer(
        prompt(("instructions", "Be kind."), ("user", "a"), ("assistant", "b"), ("user", "c d"))
    )
    assert (got.text, got.calls, got.cut) == ("echo: c d", (), False)
    assert (got.prompt_tokens, got.completion_tokens) == (6, 3)


def test_the_last_text_with_a_directive_decides() -> None:
    system = ("instructions", "[[reply: from the template]]")
    assert answer(prompt(system, ("user", "plain"))).text == "from the template"
    assert answer(prompt(system, ("user", "[[reply: from the case]]"))).text == "from the case"
    # An assistant's text is never a directive source.
    assert (
        answer(prompt(("user", "x"), ("assistant", "[[reply: no]]"), ("user", "y"))).text
        == "echo: y"
    )


def test_the_first_reply_counts_and_may_span_lines() -> None:
    found = directives("[[reply:\n  line one\n  line two ]] [[reply: second]]")
    assert found is not None
    assert found.reply == "line one\n  line two"


@pytest.mark.parametrize(
    ("text", "calls"),
    [
        ("[[call: lookup]]", [ToolCall("lookup")]),
        ('[[call: lookup {"id": 1}]]', [ToolCall("lookup", {"id": 1})]),
        ('[[call:lookup{"xs": [[1, 2]]}  ]]', [ToolCall("lookup", {"xs": [[1, 2]]})]),
        ("[[call: a]] and [[call: b {}]]", [ToolCall("a"), ToolCall("b")]),
        ("[[call: lookup [1]]]", []),  # arguments must be a JSON object
        ('[[call: lookup {"id": }]]', []),  # malformed JSON: not a directive
        ('[[call: lookup {"id": 1}', []),  # no closing ]]
    ],
)
def test_call_directives(text: str, calls: list[ToolCall]) -> None:
    found = directives(text)
    assert (list(found.calls) if found else []) == calls


def test_calls_need_a_declared_tool_and_end_after_a_tool_result() -> None:
    asked = ("user", "[[call: lookup {}]] [[call: other]]")
    assert answer(prompt(asked)).calls == ()
    assert answer(prompt(asked, tools=("lookup",))).calls == (ToolCall("lookup"),)
    after = prompt(asked, ("assistant", "{}"), ("tool", "found it"), tools=("lookup",))
    assert (answer(after).text, answer(after).calls) == ("echo: found it", ())


def test_a_required_tool_is_called_even_without_a_directive() -> None:
    forced = prompt(("user", "hi"), tools=("a", "b"), forced_tool="b", must_call=True)
    assert answer(forced).calls == (ToolCall("b"),)
    assert answer(forced).text is None
    anything = prompt(("user", "hi"), tools=("a", "b"), must_call=True)
    assert answer(anything).calls == (ToolCall("a"),)


def test_json_mode_and_cutting() -> None:
    assert as_json('{"a": 1}') == '{"a": 1}'
    assert as_json("[1]") == '{"answer": "[1]"}'
    assert as_json("café") == '{"answer": "café"}'
    assert cut("a  b\nc d", 3) == ("a  b\nc", True)
    assert cut("a b", 2) == ("a b", False)
    got = answer(
        prompt(("user", "[[reply: one two three]] [[call: t]]"), tools=("t",), max_tokens=2)
    )
    assert (got.text, got.calls, got.cut) == ("one two", (), True)


def test_openai_requests_read_into_a_prompt() -> None:
    read = from_openai(
        {
            "model": "gpt",
            "messages": [
                {"role": "developer", "content": [{"type": "text", "text": "Rules"}]},
                {"role": "user", "content": [{"type": "text", "text": "a"}, {"type": "image_url"}]},
                {
                    "role": "assistant",
                    "content": None,
                    "tool_calls": [{"function": {"arguments": "{}"}}],
                },
                {"role": "tool", "content": "result"},
            ],
            "tools": [{"type": "function", "function": {"name": "t"}}],
            "response_format": {"type": "json_object"},
            "max_tokens": 9,
            "max_completion_tokens": 7,
            "temperature": 0.2,
        }
    )
    assert [t.role for t in read.turns] == ["instructions", "user", "assistant", "tool"]
    assert (read.tools, read.json_mode, read.max_tokens, read.after_tool_result) == (
        ("t",),
        True,
        7,
        True,
    )


def test_anthropic_requests_read_into_a_prompt() -> None:
    read = from_anthropic(
        {
            "model": "claude",
            "max_tokens": 5,
            "system": [{"type": "text", "text": "Rules"}],
            "messages": [
                {"role": "user", "content": "q"},
                {"role": "assistant", "content": [{"type": "tool_use", "input": {"a": 1}}]},
                {
                    "role": "user",
                    "content": [
                        {"type": "tool_result", "content": [{"type": "text", "text": "r"}]}
                    ],
                },
            ],
            "tools": [{"name": "t"}, {"name": "web_search", "type": "web_search_20250305"}],
            "tool_choice": {"type": "tool", "name": "t"},
        }
    )
    assert read.turns == (
        Turn("instructions", "Rules"),
        Turn("user", "q"),
        Turn("assistant", '{"a": 1}'),
        Turn("tool", "r"),
    )
    assert (read.tools, read.forced_tool, read.must_call) == (("t",), "t", True)
