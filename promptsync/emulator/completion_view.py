"""A stored completion as the search API returns it (`CompletionSearchInfo`), and as filters see it.

Search results carry messages in Freeplay's normalized form (user, system and assistant
messages; text, tool-call and tool-result blocks), whatever provider shape was recorded. Other
blocks (images, audio, documents) become text blocks holding their compact JSON.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

from promptsync.emulator.completion_store import Completion
from promptsync.emulator.search import Facts


def timestamp(seconds: float | None) -> str | None:
    """Naive UTC ISO time, as in Freeplay's samples (`2024-07-05T14:33:02.721000`)."""
    if seconds is None:
        return None
    moment = datetime.fromtimestamp(seconds, UTC).replace(tzinfo=None)
    return moment.isoformat(timespec="microseconds")


def facts(c: Completion) -> Facts:
    record = c.record
    session = record.get("session_info") or {}
    test_run = record.get("test_run_info") or {}
    return Facts(
        completion_id=c.id,
        session_id=c.session_id,
        start_time=c.start_time,
        end_time=c.end_time,
        environment=c.environment,
        prompt_template=c.template_name,
        prompt_template_id=c.template_id,
        model=c.model,
        provider=c.provider,
        test_run_id=test_run.get("test_run_id"),
        completion_output=output(record["messages"]),
        completion_inputs=record.get("inputs") or {},
        session_custom_metadata=session.get("custom_metadata") or {},
        completion_client_evaluation_results=record.get("eval_results") or {},
    )


def search_info(c: Completion, include_children: bool) -> dict[str, Any]:
    record = c.record
    body = c.version_body or {}
    usage = (record.get("call_info") or {}).get("usage")
    info: dict[str, Any] = {
        "completion_id": c.id,
        "session_id": c.session_id,
        "review_queue_id": None,
        "evaluation_results": {
            "auto_evaluations": {},
            "human_labels": {},
            "client_evaluations": record.get("eval_results") or {},
        },
        "completion_metadata": {
            "environment": c.environment,
            "start_time": timestamp(c.start_time),
            "end_time": timestamp(c.end_time),
            "model": c.model,
            "provider": c.provider,
            "prompt_template": (
                {"id": c.template_id, "name": c.template_name} if c.template_id else None
            ),
            "prompt_template_version_id": c.version_id,
            "assignee": None,
            "prompt_version_name": body.get("version_name"),
            "prompt_version_description": body.get("version_description"),
        },
        "customer_feedback": {},
        "usage": usage or {"prompt_tokens": 0, "completion_tokens": 0},
        "messages": [normalized(m) for m in record["messages"]],
        "input_variables": record.get("inputs") or {},
    }
    if include_children:
        info["children"] = []  # traces are not emulated: a completion has no children
    return info


def output(messages: list[dict[str, Any]]) -> str:
    """The text of the last assistant (or Gemini `model`) message."""
    for message in reversed(messages):
        if message.get("role") in ("assistant", "model"):
            content = normalized(message)["content"]
            return content if isinstance(content, str) else _text(content)
    return ""


def normalized(message: dict[str, Any]) -> dict[str, Any]:
    role = message.get("role")
    if "parts" in message:  # Gemini / Vertex
        blocks = [_part(p) for p in message["parts"]]
        return {"role": "assistant" if role == "model" else "user", "content": blocks}
    content = message.get("content")
    if role == "tool":  # OpenAI's tool message is a tool result from the user's side
        result = {"type": "tool_result", "tool_call_id": message.get("tool_call_id", "")}
        return {"role": "user", "content": [{**result, "content": _content(content)}]}
    if role == "system":  # a system message holds a string
        flat = _content(content)
        return {"role": "system", "content": flat if isinstance(flat, str) else _text(flat)}
    calls = [
        {
            "type": "tool_call",
            "id": str(call.get("id", "")),
            "name": str((call.get("function") or {}).get("name", "")),
            "arguments": (call.get("function") or {}).get("arguments"),
        }
        for call in message.get("tool_calls") or []
        if isinstance(call, dict)
    ]
    if not calls:
        return {"role": role, "content": _content(content)}
    text = [] if not content else _content(content)
    blocks = [{"type": "text", "text": text}] if isinstance(text, str) else text
    return {"role": role, "content": [*blocks, *calls]}


def _content(content: Any) -> Any:
    if isinstance(content, str):
        return content
    if isinstance(content, list):
        return [_block(b) for b in content]
    return ""


def _block(block: Any) -> dict[str, Any]:
    if not isinstance(block, dict):
        return _json_text(block)
    kind = block.get("type")
    if isinstance(block.get("text"), str) and kind in (None, "text"):
        return {"type": "text", "text": block["text"]}
    if kind == "tool_use":  # Anthropic
        return _call(block.get("id"), block.get("name"), block.get("input"))
    if kind == "tool_result":  # Anthropic
        return _result(block.get("tool_use_id"), block.get("content"))
    if isinstance(block.get("toolUse"), dict):  # Bedrock
        use = block["toolUse"]
        return _call(use.get("toolUseId"), use.get("name"), use.get("input"))
    if isinstance(block.get("toolResult"), dict):  # Bedrock
        result = block["toolResult"]
        return _result(result.get("toolUseId"), result.get("content"))
    return _json_text(block)


def _part(part: Any) -> dict[str, Any]:
    if isinstance(part, dict) and isinstance(part.get("text"), str):
        return {"type": "text", "text": part["text"]}
    if isinstance(part, dict) and isinstance(part.get("functionCall"), dict):
        call = part["functionCall"]
        return _call(call.get("name"), call.get("name"), call.get("args"))
    if isinstance(part, dict) and isinstance(part.get("functionResponse"), dict):
        response = part["functionResponse"]
        return _result(response.get("name"), _json_text(response.get("response"))["text"])
    return _json_text(part)


def _call(call_id: Any, name: Any, arguments: Any) -> dict[str, Any]:
    return {
        "type": "tool_call",
        "id": str(call_id or ""),
        "name": str(name or ""),
        "arguments": arguments,
    }


def _result(call_id: Any, content: Any) -> dict[str, Any]:
    return {"type": "tool_result", "tool_call_id": str(call_id or ""), "content": _content(content)}


def _json_text(value: Any) -> dict[str, Any]:
    return {"type": "text", "text": json.dumps(value, separators=(",", ":"))}


def _text(blocks: list[dict[str, Any]]) -> str:
    return "".join(b["text"] for b in blocks if b.get("type") == "text")
