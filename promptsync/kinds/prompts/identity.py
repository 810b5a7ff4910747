"""What a version *is*, for comparison: normalized content and its hash. Pure functions.

The one normalizer of messages and tools: files, saved plans and every backend's responses go
through it. Normalization: key order is irrelevant; 1 == 1.0; null == absent for optional
fields (an empty tool list or media-slot list is absent); message text is compared exactly;
keys promptsync does not model (a tool's `strict`, a message's metadata) are ignored.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from functools import cached_property
from typing import Any, Protocol

from promptsync.kinds.prompts.remote import Content, RemoteVersion, Snapshot


class _Slot(Protocol):
    type: str
    placeholder_name: str


class _Tool(Protocol):
    name: str
    description: str
    parameters: dict[str, Any]


class VersionFields(Protocol):
    """A prompt file or a plan's version content: the fields that make up a version."""

    @property
    def messages(self) -> Sequence[Any]: ...
    @property
    def provider(self) -> str: ...
    @property
    def model(self) -> str: ...
    @property
    def llm_parameters(self) -> Mapping[str, Any] | None: ...
    @property
    def tool_schema(self) -> Sequence[Any] | None: ...
    @property
    def output_schema(self) -> dict[str, Any] | None: ...


def normalize_value(value: Any) -> Any:
    """Integral floats become ints (1.0 → 1), recursively; bools and strings are untouched."""
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, dict):
        return {str(k): normalize_value(v) for k, v in value.items()}
    if isinstance(value, list):
        return [normalize_value(v) for v in value]
    return value


def message(
    role: str | None, content: str | None, kind: str | None, slots: Iterable[Any] | None
) -> dict[str, Any]:
    """One normalized message: `{"kind": …}` for a placeholder, else role, content, slots.

    Slots may be objects with `type`/`placeholder_name` or mappings with those keys.
    """
    if kind is not None:
        return {"kind": kind}
    item: dict[str, Any] = {"role": role, "content": content}
    normalized = [_slot(s) for s in slots or ()]
    if normalized:
        item["media_slots"] = normalized
    return item


def _slot(slot: Any) -> dict[str, Any]:
    if isinstance(slot, Mapping):
        return {"type": slot.get("type"), "placeholder_name": slot.get("placeholder_name")}
    return {"type": slot.type, "placeholder_name": slot.placeholder_name}


def tools(items: Iterable[Any] | None) -> list[dict[str, Any]] | None:
    """Normalized tools (name, description, parameters), or None for no tools."""
    result = []
    for t in items or ():
        if isinstance(t, Mapping):
            name, description, parameters = t.get("name"), t.get("description"), t.get("parameters")
        else:
            name, description, parameters = t.name, t.description, t.parameters
        result.append(
            normalize_value({"name": name, "description": description, "parameters": parameters})
        )
    return result or None


def _messages(items: Sequence[Any]) -> list[dict[str, Any]]:
    out = []
    for m in items:
        kind = getattr(m, "kind", None)
        if kind is not None:
            out.append({"kind": kind})
        else:
            out.append(message(m.role, m.content, None, m.media_slots))
    return out


def content_of(version: VersionFields) -> Content:
    """Normalized content of a prompt file or of a plan's version content."""
    return make_content(
        messages=_messages(version.messages),
        provider=version.provider,
        model=version.model,
        llm_parameters=version.llm_parameters,
        tool_schema=tools(version.tool_schema),
        output_schema=version.output_schema,
        template_format=getattr(version, "template_format", None),
    )


def make_content(
    *,
    messages: list[dict[str, Any]],
    provider: str | None,
    model: str | None,
    llm_parameters: Mapping[str, Any] | None,
    tool_schema: list[dict[str, Any]] | None,
    output_schema: dict[str, Any] | None,
    template_format: str | None = None,
) -> Content:
    """Assemble normalized content from already-normalized messages and tools."""
    content: Content = {
        "messages": messages,
        "provider": provider,
        "model": model,
        "llm_parameters": normalize_value(dict(llm_parameters or {})),
        "tool_schema": tool_schema or None,
        "output_schema": normalize_value(output_schema),
    }
    if template_format is not None:  # absent for registries with a single template language
        content["template_format"] = template_format
    return content


def remote_version(
    *,
    template_id: str,
    version_id: str,
    name: str,
    content: Content,
    version_name: str | None = None,
    version_description: str | None = None,
    number: int | None = None,
) -> RemoteVersion:
    """A remote version with its hash computed once."""
    return RemoteVersion(
        template_id=template_id,
        version_id=version_id,
        name=name,
        content=content,
        hash=content_hash(content),
        version_name=version_name,
        version_description=version_description,
        number=number,
    )


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
        """Equal for equal identities (cheap: no JSON; repr tells None from a text)."""
        return f"{self.hash}\0{self.version_name!r}\0{self.version_description!r}"

    def matches(self, remote: RemoteVersion) -> bool:
        if self.version_name is not None and remote.version_name != self.version_name:
            return False
        if (
            self.version_description is not None
            and remote.version_description != self.version_description
        ):
            return False
        return remote.hash == self.hash


def short(hash_or_id: str) -> str:
    """For display: 12 hex digits of a `sha256:` hash, the first block of a UUID."""
    if hash_or_id.startswith("sha256:"):
        return hash_or_id.removeprefix("sha256:")[:12]
    return hash_or_id.split("-", 1)[0][:12]


def fingerprint(snapshot: Snapshot) -> str:
    """A hash of everything one environment serves, to detect that it changed since a plan."""
    rows: list[list[Any]] = [
        [name, v.template_id, v.version_id, v.hash, v.version_name, v.version_description]
        for name, v in sorted(snapshot.versions.items())
    ]
    rows += [
        [name, u.template_id, u.version_id, "unreadable"]
        for name, u in sorted(snapshot.unreadable.items())
    ]
    return "sha256:" + hashlib.sha256(canonical_json(rows).encode()).hexdigest()
