"""The remote state as the planner sees it, whatever the registry: snapshots of environments.

A backend reads each environment into a `Snapshot` (template name → the version it serves) and
declares its `Capabilities`; the planner decides from these alone. Pure data, no I/O.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from promptsync.repo.rules import LATEST

__all__ = [
    "LATEST",
    "Capabilities",
    "Content",
    "RemoteVersion",
    "Snapshot",
    "Snapshots",
    "Unreadable",
]


Content = dict[str, Any]  # normalized content (see promptsync.kinds.prompts.identity)


@dataclass(frozen=True, slots=True)
class RemoteVersion:
    """One version of one template as an environment serves it, content already normalized.

    Built by `promptsync.kinds.prompts.identity.remote_version`, which computes `hash` once.
    """

    template_id: str
    version_id: str
    name: str
    content: Content
    hash: str
    version_name: str | None = None
    version_description: str | None = None
    number: int | None = None  # the registry's version number, where it has one
    # Why promptsync cannot model this version (its content is then empty and its hash matches
    # nothing): drift that apply replaces. None for every version that was read.
    unreadable: str | None = None


@dataclass(frozen=True, slots=True)
class Unreadable:
    """A template an environment serves that promptsync cannot model (and why)."""

    name: str
    reason: str
    template_id: str | None = None
    version_id: str | None = None


@dataclass(frozen=True)
class Snapshot:
    """What one environment serves: readable versions by name, and the unreadable ones."""

    versions: Mapping[str, RemoteVersion] = field(default_factory=dict)
    unreadable: Mapping[str, Unreadable] = field(default_factory=dict)
    missing: bool = False  # the environment does not exist in the registry (it serves nothing)

    def get(self, name: str) -> RemoteVersion | None:
        return self.versions.get(name)

    def __contains__(self, name: object) -> bool:
        return name in self.versions

    def names(self) -> set[str]:
        return {*self.versions, *self.unreadable}

    def served(self, name: str) -> RemoteVersion | None:
        """What this environment serves for `name`: the version read, or an opaque stand-in for
        one that cannot be modelled (it never equals any file's content)."""
        version = self.versions.get(name)
        if version is not None:
            return version
        bad = self.unreadable.get(name)
        return None if bad is None else opaque(bad)


def opaque(bad: Unreadable) -> RemoteVersion:
    """A version promptsync cannot model, as the planner compares it: with nothing."""
    return RemoteVersion(
        template_id=bad.template_id or "",
        version_id=bad.version_id or "",
        name=bad.name,
        content={},
        hash=f"unreadable:{bad.version_id or bad.name}",
        unreadable=bad.reason,
    )


Snapshots = Mapping[str, Snapshot]  # environment (managed ones and latest) → snapshot


@dataclass(frozen=True)
class Capabilities:
    """What a registry does on its own, which the planner must take into account.

    latest_follows_newest: `latest` is the newest version; creating a version moves it, and it
        cannot be pointed at an existing version.
    create_deploys: one create call can also deploy the new version to environments.
    deduplicates: the server may answer a create with an existing identical version.
    dedup_ignores: content fields the server does not compare when it deduplicates.
    description_limit: the most characters a version description may have (None: no limit);
        promptsync's own provenance is shortened to fit.
    """

    latest_follows_newest: bool = True
    create_deploys: bool = True
    deduplicates: bool = False
    dedup_ignores: frozenset[str] = frozenset()
    description_limit: int | None = None
