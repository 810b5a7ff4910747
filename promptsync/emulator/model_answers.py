"""The emulated model's answer: a pure function of the request's `Prompt` (docs/emulator.md,
"Model endpoints"), so a test can make a check pass or fail by what it puts in the prompt.

- Directives come from the last instructions or user text that contains one: `[[reply: TEXT]]`
  answers TEXT; each `[[call: NAME {json}]]` naming a callable tool is a tool call.
- With no reply and no call the answer is `echo: ` + the last user (or tool result) text.
- JSON mode: a text that is not a JSON object becomes `{"answer": text}`.
- The text is cut after `max_tokens` words (whitespace-separated), which also drops the calls.
- Tokens are whitespace-separated words.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from typing import Any

from promptsync.emulator.model_requests import Prompt

_REPLY = re.compile(r"\[\[reply:(.*?)\]\]", re.DOTALL)
_CALL = re.compile(r"\[\[call:\s*([A-Za-z0-9_.-]+)\s*")
_CLOSE = re.compile(r"\s*\]\]")
_WORD = re.compile(r"\S+")
_JSON = json.JSONDecoder()


def words(text: str) -> int:
    return sum(1 for _ in _WORD.finditer(text))


@dataclass(frozen=True)
class ToolCall:
    name: str
    arguments: dict[str, Any] = field(default_factory=dict)

    @property
    def arguments_json(self) -> str:
        return json.dumps(self.arguments, ensure_ascii=False)


@dataclass(frozen=True)
class Answer:
    text: str | None
    calls: tuple[ToolCall, ...]
    cut: bool  # stopped at max_tokens
    prompt_tokens: int

    @property
    def completion_tokens(self) -> int:
        text = words(self.text or "")
        return text + sum(1 + words(c.arguments_json) for c in self.calls)


@dataclass(frozen=True)
class Directives:
    reply: str | None
    calls: tuple[ToolCall, ...]


def _calls(text: str) -> list[ToolCall]:
    """Every well-formed `[[call: NAME]]` or `[[call: NAME {json object}]]`, in order."""
    found: list[ToolCall] = []
    for match in _CALL.finditer(text):
        pos, arguments = match.end(), {}
        if text.startswith("{", pos):
            try:
                value, pos = _JSON.raw_decode(text, pos)
            except json.JSONDecodeError:
                continue
            if not isinstance(value, dict):
                continue
            arguments = value
        if _CLOSE.match(text, pos):
            found.append(ToolCall(match.group(1), arguments))
    return found


def directives(text: str) -> Directives | None:
    """The directives in one text (the first reply counts), or None when it has none."""
    reply = _REPLY.search(text)
    calls = _calls(text)
    if reply is None and not calls:
        return None
    return Directives(reply.group(1).strip() if reply else None, tuple(calls))


def _directives(prompt: Prompt) -> Directives:
    for turn in reversed(prompt.turns):
        if turn.role in ("instructions", "user"):
            found = directives(turn.text)
            if found is not None:
                return found
    return Directives(None, ())


def _allowed_calls(prompt: Prompt, asked: tuple[ToolCall, ...]) -> tuple[ToolCall, ...]:
    # After a tool result the model answers in text, so a client's tool loop ends.
    if prompt.after_tool_result or not prompt.tools:
        return ()
    wanted = {prompt.forced_tool} if prompt.forced_tool else set(prompt.tools)
    calls = tuple(c for c in asked if c.name in wanted)
    if not calls and prompt.must_call:
        calls = (ToolCall(prompt.forced_tool or prompt.tools[0]),)
    return calls


def _last_user_text(prompt: Prompt) -> str:
    return next((t.text for t in reversed(prompt.turns) if t.role in ("user", "tool")), "")


def as_json(text: str) -> str:
    try:
        value = json.loads(text)
    except json.JSONDecodeError:
        value = None
    if isinstance(value, dict):
        return text
    return json.dumps({"answer": text}, ensure_ascii=False)


def cut(text: str, max_words: int) -> tuple[str, bool]:
    """The text up to the end of its `max_words`-th word, and whether anything was cut."""
    ends = [m.end() for m in _WORD.finditer(text)]
    if len(ends) <= max_words:
        return text, False
    return text[: ends[max_words - 1]], True


def answer(prompt: Prompt) -> Answer:
    found = _directives(prompt)
    calls = _allowed_calls(prompt, found.calls)
    text = found.reply
    if text is None and not calls:
        text = f"echo: {_last_user_text(prompt)}"
    if text is not None and prompt.json_mode:
        text = as_json(text)
    was_cut = False
    if text is not None and prompt.max_tokens is not None:
        text, was_cut = cut(text, prompt.max_tokens)
    if was_cut:
        calls = ()
    prompt_tokens = sum(words(t.text) for t in prompt.turns)
    return Answer(text, calls, was_cut, prompt_tokens)
