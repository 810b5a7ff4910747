"""What a version *is*, for comparison: normalized content and its hash. Pure functions.

Normalization: key order is irrelevant; 1 == 1.0; null == absent for optional fields (and an
empty tool list or media-slot list is absent); message text is compared exactly.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from dataclasses import dataclass
from functools import cached_property
from typing import Any

from promptsync.models import ChatMessage, PromptFile, RemoteVersion

Content = dict[str, Any]


def normalize_value(value: Any) -> Any:
    """Integral floats become ints (1.0 → 1), recursively; bools and strings are untouched."""
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, dict):
        return {str(k): normalize_value(v) for k, v in value.items()}
    if isinstance(value, list):
        return [normalize_value(v) for v in value]
    return value


def _message(
    role: str | None, content: str | None, kind: str | None, slots: list[Any] | None
) -> dict[str, Any]:
    if kind is not None:
        return {"kind": kind}
    item: dict[str, Any] = {"role": role, "content": content}
    if slots:
        item["media_slots"] = [
            {"type": s.type, "placeholder_name": s.placeholder_name} for s in slots
        ]
    return item


def _tools(tools: list[Any] | None) -> list[dict[str, Any]] | None:
    if not tools:
        return None
    return [
        normalize_value({"name": t.name, "description": t.description, "parameters": t.parameters})
        for t in tools
    ]


def file_content(prompt: PromptFile) -> Content:
    messages = [
        _message(m.role, m.content, None, m.media_slots)
        if isinstance(m, ChatMessage)
        else _message(None, None, m.kind, None)
        for m in prompt.messages
    ]
    return {
        "messages": messages,
        "provider": prompt.provider,
        "model": prompt.model,
        "llm_parameters": normalize_value(dict(prompt.llm_parameters or {})),
        "tool_schema": _tools(prompt.tool_schema),
        "output_schema": normalize_value(prompt.output_schema),
    }


def _normalized(version: RemoteVersion) -> tuple[Content, str]:
    if version._normalized is None:
        content: Content = {
            "messages": [
                _message(m.role, m.content, m.kind, m.media_slots) for m in version.messages
            ],
            "provider": version.provider,
            "model": version.model,
            "llm_parameters": normalize_value(version.llm_parameters),
            "tool_schema": _tools(version.tool_schema),
            "output_schema": normalize_value(version.output_schema),
        }
        version._normalized = (content, content_hash(content))
    return version._normalized


def remote_content(version: RemoteVersion) -> Content:
    """Normalized content of a remote version (computed once per version)."""
    return _normalized(version)[0]


def remote_hash(version: RemoteVersion) -> str:
    return _normalized(version)[1]


def canonical_json(value: Any) -> str:
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def content_hash(content: Content) -> str:
    return "sha256:" + hashlib.sha256(canonical_json(content).encode()).hexdigest()


@dataclass(frozen=True)
class Identity:
    """Content plus the version name/description — each only when the file declares it."""

    content: Content
    version_name: str | None = None
    version_description: str | None = None

    @cached_property
    def hash(self) -> str:
        return content_hash(self.content)

    @property
    def key(self) -> str:
        return canonical_json([self.hash, self.version_name, self.version_description])

    def matches(self, remote: RemoteVersion) -> bool:
        if self.version_name is not None and remote.version_name != self.version_name:
            return False
        if (
            self.version_description is not None
            and remote.version_description != self.version_description
        ):
            return False
        return remote_hash(remote) == self.hash


def file_identity(prompt: PromptFile) -> Identity:
    return Identity(file_content(prompt), prompt.version_name, prompt.version_description)


def short(hash_or_id: str) -> str:
    """For display: 12 hex digits of a `sha256:` hash, the first block of a UUID."""
    if hash_or_id.startswith("sha256:"):
        return hash_or_id.removeprefix("sha256:")[:12]
    return hash_or_id.split("-", 1)[0][:12]


def fingerprint(snapshot: Mapping[str, RemoteVersion]) -> str:
    """A hash of everything one environment serves, to detect that it changed since a plan."""
    rows = [
        [
            name,
            v.template_id,
            v.version_id,
            remote_hash(v),
            v.version_name,
            v.version_description,
        ]
        for name, v in sorted(snapshot.items())
    ]
    return "sha256:" + hashlib.sha256(canonical_json(rows).encode()).hexdigest()
