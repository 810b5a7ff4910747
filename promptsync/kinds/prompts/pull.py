"""Remote state → prompt files, so that a following `plan` says No changes. Pure.

One file per distinct version of a template: a version served by several environments becomes one
file claiming all of them; a version only `latest` serves becomes the file without
`environments`. A version promptsync cannot read is left out (the caller warns): the others of
its template are still written. File names are derived from template names by `file_stem`
(see docs/adopting.md).
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from promptsync.kinds.prompts.models import PromptFile
from promptsync.kinds.prompts.remote import LATEST, RemoteVersion, Snapshots
from promptsync.repo.provenance import is_provenance
from promptsync.repo.rules import DEFAULT_TEMPLATE_FORMAT
from promptsync.templating import formats

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
    """A prompt file to write: its document, keys in the documented order (yamlwrite writes it,
    headed by a `$schema` comment pointing at `schema_ref`)."""

    template: str
    relative_path: str  # relative to the prompts directory, "/"-separated
    document: dict[str, Any]
    schema_ref: str


def _variables(version: RemoteVersion) -> dict[str, Any] | None:
    names: list[str] = []
    fmt = formats.language(version.content.get("template_format"))
    for m in version.content["messages"]:
        if not isinstance(m.get("content"), str):
            continue
        try:
            use = formats.variables(m["content"], fmt)
        except formats.TemplateError:
            return None  # leave the typo guard off; validate will point at the bad tag
        names += sorted(use.top_level - set(names))
    return {n: {} for n in names} or None


def document(version: RemoteVersion, environments: Sequence[str] | None) -> dict[str, Any]:
    """The prompt file for a remote version, keys in the documented order, empties left out."""
    c = version.content
    doc: dict[str, Any] = {
        "name": version.name,
        "provider": c["provider"],
        "model": c["model"],
        "llm_parameters": c["llm_parameters"] or None,
        # PromptLayer's default is left implicit, as a hand-written file would leave it.
        "template_format": None
        if c.get("template_format") == DEFAULT_TEMPLATE_FORMAT
        else c.get("template_format"),
        "messages": c["messages"],
        "tool_schema": c["tool_schema"],
        "output_schema": c["output_schema"],
        "environments": list(environments) if environments else None,
        "version_name": version.version_name,
        # promptsync's own provenance is not authored text: leave it undeclared.
        "version_description": None
        if is_provenance(version.version_description)
        else version.version_description,
        "variables": _variables(version),
    }
    return {k: doc[k] for k in KEY_ORDER if doc[k] is not None}


def pull_template(
    name: str,
    snapshots: Snapshots,
    managed: Sequence[str],
    stem: str,
    schema_ref: str,
) -> list[PulledFile]:
    """The files of one template: whether `validate` accepts them is checked by the caller
    (promptsync.jobs.workspace.valid_files), with validate's own rules."""
    groups: dict[tuple[str, str | None, str | None], tuple[RemoteVersion, list[str]]] = {}
    for env in managed:
        snapshot = snapshots.get(env)
        version = snapshot.get(name) if snapshot is not None else None
        if version is not None:
            key = (version.hash, version.version_name, version.version_description)
            groups.setdefault(key, (version, []))[1].append(env)
    docs = [document(v, envs) for v, envs in groups.values()]
    labels = ["+".join(file_stem(e) for e in envs) for _v, envs in groups.values()]
    latest = snapshots[LATEST].versions.get(name)  # None: unreadable, or not there
    if latest is not None:
        latest_key = (latest.hash, latest.version_name, latest.version_description)
        if latest_key not in groups:
            docs.append(document(latest, None))
            labels.append(LATEST)
    paths = [f"{stem}.yaml"] if len(docs) == 1 else [f"{stem}.{label}.yaml" for label in labels]
    return [PulledFile(name, path, doc, schema_ref) for path, doc in zip(paths, docs, strict=True)]


def pull_all(
    snapshots: Snapshots,
    managed: Sequence[str],
    names: Sequence[str],
    schema_ref: str,
) -> list[PulledFile]:
    folded: dict[str, int] = {}
    for name in names:
        folded[name.lower()] = folded.get(name.lower(), 0) + 1
    files: list[PulledFile] = []
    for name in sorted(names):
        stem = file_stem(name, folded_collision=folded[name.lower()] > 1)
        files += pull_template(name, snapshots, managed, stem, schema_ref)
    return files


def unreadable_notes(
    snapshots: Snapshots, environments: Sequence[str], selected: Sequence[str]
) -> list[str]:
    """One line per template with versions pull left out because they cannot be read (the
    environments named together), saying what was written instead."""
    from fnmatch import fnmatchcase

    by_name: dict[str, tuple[list[str], str]] = {}
    for env in environments:
        for name, bad in sorted(snapshots[env].unreadable.items()):
            if selected and not any(fnmatchcase(name, p) for p in selected):
                continue
            by_name.setdefault(name, ([], bad.reason))[0].append(env)
    notes = []
    for name, (envs, reason) in sorted(by_name.items()):
        others = [e for e in environments if snapshots[e].get(name) is not None]
        kept = f"wrote {', '.join(others)}" if others else "nothing written"
        notes.append(f"{name}: {', '.join(envs)} cannot be read ({reason}); {kept}")
    return notes
