"""A small git object store: blobs, trees and commits, hashed exactly as git hashes them.

Trees are kept flat (path → entry) because that is what tests and the contents API want; the
nested trees git would store are hashed (and kept, for GET /git/trees) from that flat view.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from datetime import datetime

FILE_MODES = ("100644", "100755", "120000")
MODES = (*FILE_MODES, "040000", "160000")


@dataclass(frozen=True)
class Entry:
    """One entry of a tree: a blob (file or symlink), a subtree, or a submodule commit."""

    mode: str
    type: str
    sha: str


@dataclass(frozen=True)
class Person:
    name: str
    email: str
    date: str  # ISO 8601, UTC, as the REST API writes it


@dataclass(frozen=True)
class Commit:
    sha: str
    tree: str
    parents: tuple[str, ...]
    message: str
    author: Person
    committer: Person


def _object_sha(kind: str, data: bytes) -> str:
    return hashlib.sha1(kind.encode() + b" %d\0" % len(data) + data).hexdigest()


def _epoch(iso: str) -> int:
    return int(datetime.fromisoformat(iso.replace("Z", "+00:00")).timestamp())


def _signature(person: Person) -> bytes:
    return f"{person.name} <{person.email}> {_epoch(person.date)} +0000".encode()


@dataclass
class ObjectStore:
    blobs: dict[str, bytes] = field(default_factory=dict)
    trees: dict[str, dict[str, Entry]] = field(default_factory=dict)  # sha → flat entries
    commits: dict[str, Commit] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self.add_tree({})  # the empty tree, 4b825dc…, as in every git repository

    def add_blob(self, data: bytes) -> str:
        sha = _object_sha("blob", data)
        self.blobs[sha] = data
        return sha

    def add_tree(self, flat: dict[str, Entry]) -> str:
        """Store a tree given as path → entry (no "tree" entries: they are implied by paths)."""
        top: dict[str, Entry] = {}
        below: dict[str, dict[str, Entry]] = {}
        for path, entry in flat.items():
            head, slash, rest = path.partition("/")
            if slash:
                below.setdefault(head, {})[rest] = entry
            else:
                top[head] = entry
        for name, sub in below.items():
            top[name] = Entry("040000", "tree", self.add_tree(sub))

        def order(name: str) -> bytes:  # git sorts a subtree as if its name ended in "/"
            return (name + "/" if top[name].type == "tree" else name).encode()

        data = b"".join(
            top[name].mode.lstrip("0").encode()
            + b" "
            + name.encode()
            + b"\0"
            + bytes.fromhex(top[name].sha)
            for name in sorted(top, key=order)
        )
        sha = _object_sha("tree", data)
        self.trees[sha] = dict(sorted(flat.items()))
        return sha

    def add_commit(
        self, tree: str, parents: tuple[str, ...], message: str, author: Person, committer: Person
    ) -> Commit:
        lines = [f"tree {tree}", *(f"parent {p}" for p in parents)]
        header = "\n".join(lines).encode()
        data = (
            header
            + b"\nauthor "
            + _signature(author)
            + b"\ncommitter "
            + _signature(committer)
            + b"\n\n"
            + message.encode()
        )
        commit = Commit(_object_sha("commit", data), tree, parents, message, author, committer)
        self.commits[commit.sha] = commit
        return commit

    def listing(self, tree: str, recursive: bool) -> list[tuple[str, Entry]]:
        """A tree's entries as GET /git/trees lists them: one level, or every path (with the
        subtrees) when recursive."""
        flat = self.trees[tree]
        seen: dict[str, Entry] = {}
        for path, entry in flat.items():
            parts = path.split("/")
            for depth in range(1, len(parts)):
                prefix = "/".join(parts[:depth])
                if prefix not in seen:
                    sub = {
                        p.removeprefix(prefix + "/"): e
                        for p, e in flat.items()
                        if p.startswith(prefix + "/")
                    }
                    seen[prefix] = Entry("040000", "tree", self.add_tree(sub))
            seen[path] = entry
        return [(p, e) for p, e in sorted(seen.items()) if recursive or "/" not in p]

    def is_ancestor(self, older: str, newer: str) -> bool:
        """Whether `older` is `newer` or reachable from it through parents."""
        todo, seen = [newer], set()
        while todo:
            sha = todo.pop()
            if sha == older:
                return True
            if sha in seen or sha not in self.commits:
                continue
            seen.add(sha)
            todo.extend(self.commits[sha].parents)
        return False
