"""A version and a test case → the request an application would send the model. Pure.

Every message's text is bound with the test case's inputs exactly as the version's registry
binds them (mustache as Freeplay's SDK does; f-string or jinja2 as PromptLayer does: the
`templating` renderers `render` uses); the test case's history goes where the version has its
history placeholder (nowhere if it has none); the tools, parameters and output schema are the
version's own.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from promptsync.templating import formats


@dataclass(frozen=True)
class ModelRequest:
    provider: str
    model: str
    messages: tuple[dict[str, str], ...]  # {role, content}, system messages included
    params: Mapping[str, Any] = field(default_factory=dict)
    tools: tuple[dict[str, Any], ...] = ()  # {name, description, parameters}
    output_schema: Mapping[str, Any] | None = None

    def key(self, endpoint: str) -> str:
        """The response cache's key: everything that decides the answer, and where it came from
        (never the API key)."""
        data = [
            endpoint,
            self.provider,
            self.model,
            dict(self.params),
            list(self.messages),
            list(self.tools),
            self.output_schema,
        ]
        text = json.dumps(data, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
        return hashlib.sha256(text.encode()).hexdigest()


def render(content: Mapping[str, Any], case: Mapping[str, Any]) -> ModelRequest:
    """The request for one test case (`case`: a normalized test case) of one version (`content`:
    normalized content, as `kinds.prompts.identity` makes it)."""
    fmt = formats.language(content.get("template_format"))
    inputs = dict(case.get("inputs") or {})
    messages: list[dict[str, str]] = []
    for message in content.get("messages") or []:
        if message.get("kind") == "history":
            messages += [dict(m) for m in case.get("history") or []]
            continue
        text = message.get("content")
        if isinstance(text, str):
            messages.append(
                {"role": str(message.get("role")), "content": formats.bind(text, fmt, inputs)}
            )
    return ModelRequest(
        provider=str(content.get("provider")),
        model=str(content.get("model")),
        messages=tuple(messages),
        params=dict(content.get("llm_parameters") or {}),
        tools=tuple(content.get("tool_schema") or ()),
        output_schema=content.get("output_schema"),
    )
