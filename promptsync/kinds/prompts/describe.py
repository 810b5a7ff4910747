"""What a create sends as `version_description`: the file's own, or provenance — made distinct
where a registry that deduplicates would otherwise answer with an existing version. Pure.

A registry that deduplicates without comparing some fields (Freeplay ignores `provider`) would
answer a create that differs from an existing version only in those fields with that version;
so provenance always names those fields' values. And where `latest` follows the newest version,
a create that must become `latest` may never be answered with an older identical version (it
could not move `latest` back), so its provenance carries the plan's time stamp. A description
the file declares is never changed: when it would collide with a version the plan read, that is
a problem reported before anything is sent.
"""

from __future__ import annotations

from collections.abc import Iterable

from promptsync.kinds.prompts.identity import Identity, canonical_json, short
from promptsync.kinds.prompts.remote import Capabilities, Content, RemoteVersion


def _dedup_key(
    content: Content, name: str | None, description: str | None, caps: Capabilities
) -> str:
    kept = {k: v for k, v in content.items() if k not in caps.dedup_ignores}
    return canonical_json([kept, name, description])


def collision(
    identity: Identity,
    description: str | None,
    fetched: Iterable[RemoteVersion],
    caps: Capabilities,
) -> tuple[RemoteVersion, list[str]] | None:
    """A fetched version the registry would take for this one (and the fields it ignores that
    tell them apart), or None."""
    if not (caps.deduplicates and caps.dedup_ignores):
        return None
    content, name = identity.content, identity.version_name
    ours = _dedup_key(content, name, description, caps)
    for version in sorted(fetched, key=lambda v: v.version_id):
        if version.hash == identity.hash or version.unreadable is not None:
            continue
        remote_name = version.version_name if name is not None else None
        if ours == _dedup_key(version.content, remote_name, version.version_description, caps):
            fields = sorted(
                k for k in caps.dedup_ignores if content.get(k) != version.content.get(k)
            )
            return version, fields
    return None


def provenance_note(
    identity: Identity, caps: Capabilities, *, becomes_latest: bool, stamp: str
) -> str:
    """What provenance adds so that the registry sees a new version (may be empty)."""
    notes = [f"{k}: {identity.content.get(k)}" for k in sorted(caps.dedup_ignores)]
    if becomes_latest and caps.deduplicates and caps.latest_follows_newest and stamp:
        notes.append(f"newest as of {stamp}")
    return f" ({'; '.join(notes)})" if notes else ""


def refusal(path: str, template: str, version: RemoteVersion, fields: list[str]) -> str:
    return (
        f"{path}: {template}: differs from version {short(version.version_id)} only in"
        f" {', '.join(fields)}, which the registry does not compare when it deduplicates"
        " versions: it would reuse that version instead of creating one. Change version_name"
        " or version_description as well"
    )
