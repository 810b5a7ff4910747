"""Remote state → prompt files, so that a following `plan` says No changes. Pure.

One file per distinct version of a template: a version served by several environments becomes one
file claiming all of them; a version only `latest` serves becomes the file without
`environments`. File names are derived from template names by `file_stem` (see docs/adopting.md).
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import yaml
from pydantic import ValidationError

from promptsync.identity import remote_hash
from promptsync.models import PromptFile, RemoteVersion
from promptsync.plan import LATEST, PROVENANCE_PREFIX
from promptsync.templating import mustache

_SAFE = re.compile(r"[A-Za-z0-9][A-Za-z0-9_-]{0,79}")
_WINDOWS_RESERVED = {
    "con",
    "prn",
    "aux",
    "nul",
    *(f"com{i}" for i in range(1, 10)),
    *(f"lpt{i}" for i in range(1, 10)),
}
KEY_ORDER = tuple(PromptFile.model_fields)  # the documented order


def _digest(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()[:8]


def file_stem(name: str, folded_collision: bool = False) -> str:
    """A file-name stem for a template name, safe on every OS and inside the prompts directory.

    Names of letters, digits, `_` and `-` (up to 80, not a Windows device name, not clashing with
    another name when case is ignored) are used as they are. Anything else is reduced to those
    characters and suffixed with 8 hex digits of the name's SHA-256, so `a/b`, `a_b` and `A_B`
    never share a file and `..` can never leave the directory.
    """
    if _SAFE.fullmatch(name) and name.lower() not in _WINDOWS_RESERVED and not folded_collision:
        return name
    cleaned = re.sub(r"[^A-Za-z0-9_-]+", "_", name).strip("_-")[:60] or "template"
    return f"{cleaned}-{_digest(name)}"


@dataclass(frozen=True)
class PulledFile:
    template: str
    relative_path: str  # relative to the prompts directory, "/"-separated
    text: str


@dataclass(frozen=True)
class Skipped:
    template: str
    reason: str


def _str_representer(dumper: yaml.SafeDumper, value: str) -> yaml.ScalarNode:
    if "\n" in value:
        return dumper.represent_scalar("tag:yaml.org,2002:str", value, style="|")
    return dumper.represent_scalar("tag:yaml.org,2002:str", value)


class _FlowList(list[str]):
    """A short list of names, written inline: `environments: [staging, prod]`."""


class _Dumper(yaml.SafeDumper):
    def increase_indent(self, flow: bool = False, indentless: bool = False) -> None:
        super().increase_indent(flow, False)  # indent list items under their key


_Dumper.add_representer(str, _str_representer)
_Dumper.add_representer(
    _FlowList, lambda d, v: d.represent_sequence("tag:yaml.org,2002:seq", v, flow_style=True)
)


def _message(m: Any) -> dict[str, Any]:
    if m.kind is not None:
        return {"kind": m.kind}
    item: dict[str, Any] = {"role": m.role, "content": m.content}
    if m.media_slots:
        item["media_slots"] = [
            {"type": s.type, "placeholder_name": s.placeholder_name} for s in m.media_slots
        ]
    return item


def _variables(version: RemoteVersion) -> dict[str, Any] | None:
    names: list[str] = []
    for m in version.messages:
        if m.content is None:
            continue
        try:
            use = mustache.variables(m.content)
        except mustache.MustacheError:
            return None  # leave the typo guard off; validate will point at the bad tag
        names += sorted(use.top_level - set(names))
    return {n: {} for n in names} or None


def document(version: RemoteVersion, environments: Sequence[str] | None) -> dict[str, Any]:
    """The prompt file for a remote version, keys in the documented order, empties left out."""
    doc: dict[str, Any] = {
        "name": version.name,
        "provider": version.provider,
        "model": version.model,
        "llm_parameters": version.llm_parameters or None,
        "messages": [_message(m) for m in version.messages],
        "tool_schema": [t.model_dump() for t in version.tool_schema or []] or None,
        "output_schema": version.output_schema,
        "environments": _FlowList(environments) if environments else None,
        "version_name": version.version_name,
        # promptsync's own provenance is not authored text: leave it undeclared.
        "version_description": None
        if (version.version_description or "").startswith(PROVENANCE_PREFIX)
        else version.version_description,
        "variables": _variables(version),
    }
    return {k: doc[k] for k in KEY_ORDER if doc[k] is not None}


def render_file(doc: dict[str, Any], schema_ref: str) -> str:
    body = yaml.dump(doc, Dumper=_Dumper, sort_keys=False, allow_unicode=True, width=100)
    return f"# yaml-language-server: $schema={schema_ref}\n{body}"


def _check(doc: dict[str, Any]) -> str | None:
    """Why this document would not be a valid prompt file, if it would not."""
    try:
        PromptFile.model_validate(doc)
    except ValidationError as exc:
        first = exc.errors()[0]
        return f"{'.'.join(str(p) for p in first['loc'])}: {first['msg']}"
    return None


def pull_template(
    name: str,
    snapshots: Mapping[str, Mapping[str, RemoteVersion]],
    managed: Sequence[str],
    stem: str,
    schema_ref: str,
) -> tuple[list[PulledFile], Skipped | None]:
    groups: dict[tuple[str, str | None, str | None], tuple[RemoteVersion, list[str]]] = {}
    for env in managed:
        version = snapshots.get(env, {}).get(name)
        if version is not None:
            key = (remote_hash(version), version.version_name, version.version_description)
            groups.setdefault(key, (version, []))[1].append(env)
    latest = snapshots[LATEST][name]
    latest_key = (remote_hash(latest), latest.version_name, latest.version_description)
    docs = [document(v, envs) for v, envs in groups.values()]
    labels = ["+".join(file_stem(e) for e in envs) for _v, envs in groups.values()]
    if latest_key not in groups:
        docs.append(document(latest, None))
        labels.append(LATEST)
    for doc in docs:
        problem = _check(doc)
        if problem:
            return [], Skipped(name, f"cannot be written as a prompt file ({problem})")
    paths = [f"{stem}.yaml"] if len(docs) == 1 else [f"{stem}.{label}.yaml" for label in labels]
    return [
        PulledFile(name, path, render_file(doc, schema_ref))
        for path, doc in zip(paths, docs, strict=True)
    ], None


def pull_all(
    snapshots: Mapping[str, Mapping[str, RemoteVersion]],
    managed: Sequence[str],
    names: Sequence[str],
    schema_ref: str,
) -> tuple[list[PulledFile], list[Skipped]]:
    folded: dict[str, int] = {}
    for name in names:
        folded[name.lower()] = folded.get(name.lower(), 0) + 1
    files: list[PulledFile] = []
    skipped: list[Skipped] = []
    for name in sorted(names):
        stem = file_stem(name, folded_collision=folded[name.lower()] > 1)
        pulled, skip = pull_template(name, snapshots, managed, stem, schema_ref)
        files += pulled
        if skip:
            skipped.append(skip)
    return files, skipped
