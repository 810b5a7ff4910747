"""Durable PromptLayer state in SQLite: workspaces, templates, versions, release labels.

A key is one workspace. Version numbers count up per template from 1; "latest" is never
stored: it is the highest number. A release label points at exactly one version of its
template. Publishing never deduplicates: every publish is a new version. Every write is one
`BEGIN IMMEDIATE` transaction (`sqlite.Database`), so writers in other threads or processes
sharing the file can neither lose nor duplicate a version. Tables are prefixed `pl_`, so one
file may also hold a Freeplay emulator's state.
"""

from __future__ import annotations

import json
import sqlite3
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from promptsync.emulator.sqlite import Database

_SCHEMA = """
CREATE TABLE IF NOT EXISTS pl_workspaces (
    id INTEGER PRIMARY KEY AUTOINCREMENT, key_sha256 TEXT NOT NULL UNIQUE);
CREATE TABLE IF NOT EXISTS pl_templates (
    id INTEGER PRIMARY KEY AUTOINCREMENT, workspace_id INTEGER NOT NULL, name TEXT NOT NULL,
    tags TEXT NOT NULL DEFAULT '[]', created_at TEXT NOT NULL, updated_at TEXT NOT NULL,
    UNIQUE (workspace_id, name));
CREATE TABLE IF NOT EXISTS pl_versions (
    id INTEGER PRIMARY KEY AUTOINCREMENT, template_id INTEGER NOT NULL, number INTEGER NOT NULL,
    prompt_template TEXT NOT NULL, metadata TEXT, commit_message TEXT, created_at TEXT NOT NULL,
    UNIQUE (template_id, number));
CREATE TABLE IF NOT EXISTS pl_labels (
    id INTEGER PRIMARY KEY AUTOINCREMENT, template_id INTEGER NOT NULL, name TEXT NOT NULL,
    version_id INTEGER NOT NULL, created_at TEXT NOT NULL, UNIQUE (template_id, name));
CREATE TABLE IF NOT EXISTS pl_external_ids (
    workspace_id INTEGER NOT NULL, source TEXT NOT NULL, external_id TEXT NOT NULL,
    template_id INTEGER NOT NULL, PRIMARY KEY (workspace_id, source, external_id));
"""
_VERSION_COLUMNS = (
    "v.id, v.number, v.prompt_template, v.metadata, v.commit_message, v.created_at,"
    " t.id AS tid, t.workspace_id, t.name, t.tags, t.created_at AS t_created,"
    " t.updated_at AS t_updated"
)


class StoreError(Exception):
    """A request the state cannot satisfy: its HTTP status and PromptLayer-style message."""

    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.message = message


def stamp(moment: datetime) -> str:
    """A time in the store's format: UTC, microseconds, `Z` (a naive time is taken as UTC)."""
    aware = moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)
    return aware.strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def now() -> str:
    return stamp(datetime.now(UTC))


@dataclass(frozen=True)
class Template:
    id: int
    workspace_id: int
    name: str
    tags: list[str]
    created_at: str
    updated_at: str


@dataclass(frozen=True)
class Version:
    id: int
    number: int
    template: Template
    prompt_template: dict[str, Any]
    metadata: dict[str, Any] | None
    commit_message: str | None
    created_at: str


@dataclass(frozen=True)
class Label:
    id: int
    name: str
    template_id: int
    version_id: int
    version_number: int
    created_at: str


SORTABLE = ("created_at", "updated_at", "name", "id")


@dataclass(frozen=True)
class ListFilter:
    """The list endpoint's filters; `label` also picks which version each item shows."""

    label: str | None = None
    name: str | None = None
    tags: tuple[str, ...] = ()
    external: tuple[str, str] | None = None
    created_after: str | None = None
    created_before: str | None = None
    updated_after: str | None = None
    updated_before: str | None = None
    nothing: bool = False  # a filter no template here can match
    sort_by: str = "id"
    descending: bool = True


def _version(row: sqlite3.Row) -> Version:
    template = Template(
        row["tid"],
        row["workspace_id"],
        row["name"],
        json.loads(row["tags"]),
        row["t_created"],
        row["t_updated"],
    )
    metadata = json.loads(row["metadata"]) if row["metadata"] is not None else None
    return Version(
        row["id"],
        row["number"],
        template,
        json.loads(row["prompt_template"]),
        metadata,
        row["commit_message"],
        row["created_at"],
    )


def _like(text: str) -> str:
    escaped = text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


class Store(Database):
    def __init__(self, path: str) -> None:
        super().__init__(path, _SCHEMA)

    def workspace(self, key_sha256: str) -> int:
        """The workspace of a key, created on first sight (so its id survives restarts)."""
        with self.transaction() as db:
            db.execute("INSERT OR IGNORE INTO pl_workspaces (key_sha256) VALUES (?)", (key_sha256,))
            row = db.execute(
                "SELECT id FROM pl_workspaces WHERE key_sha256 = ?", (key_sha256,)
            ).fetchone()
        return int(row["id"])

    # --- templates and versions ---------------------------------------------------------------

    def _template_id(self, db: sqlite3.Connection, workspace: int, identifier: str) -> int:
        """By id when the identifier is one in this workspace, else by name."""
        if identifier.isdigit():
            row = db.execute(
                "SELECT id FROM pl_templates WHERE id = ? AND workspace_id = ?",
                (int(identifier), workspace),
            ).fetchone()
            if row is not None:
                return int(row["id"])
        row = db.execute(
            "SELECT id FROM pl_templates WHERE name = ? AND workspace_id = ?",
            (identifier, workspace),
        ).fetchone()
        if row is None:
            raise StoreError(404, f"Prompt template '{identifier}' not found")
        return int(row["id"])

    def _version_where(self, db: sqlite3.Connection, where: str, args: tuple[Any, ...]) -> Version:
        row = db.execute(
            f"SELECT {_VERSION_COLUMNS} FROM pl_versions v JOIN pl_templates t"
            f" ON t.id = v.template_id WHERE {where}",
            args,
        ).fetchone()
        if row is None:
            raise StoreError(404, "Prompt template version not found")
        return _version(row)

    def version(
        self, workspace: int, identifier: str, *, number: int | None, label: str | None
    ) -> Version:
        """A template's version by number, by release label, or else its latest."""
        with self.reading() as db:
            template_id = self._template_id(db, workspace, identifier)
            if label is not None:
                row = db.execute(
                    "SELECT version_id FROM pl_labels WHERE template_id = ? AND name = ?",
                    (template_id, label),
                ).fetchone()
                if row is None:
                    raise StoreError(404, f"Release label '{label}' not found on '{identifier}'")
                return self._version_where(db, "v.id = ?", (row["version_id"],))
            if number is not None:
                try:
                    return self._version_where(
                        db, "v.template_id = ? AND v.number = ?", (template_id, number)
                    )
                except StoreError:
                    raise StoreError(404, f"Version {number} of '{identifier}' not found") from None
            return self._version_where(
                db,
                "v.template_id = ? AND v.number ="
                " (SELECT max(number) FROM pl_versions WHERE template_id = v.template_id)",
                (template_id,),
            )

    def publish(
        self,
        workspace: int,
        name: str,
        tags: list[str] | None,
        content: dict[str, Any],
        labels: list[str],
        external_ids: list[tuple[str, str]],
    ) -> Version:
        """A new version (numbered one past the highest), with labels moved or created on it.

        `content` holds prompt_template, metadata and commit_message; `tags` None keeps the
        template's tags.
        """
        stamp = now()
        with self.transaction() as db:
            row = db.execute(
                "SELECT id FROM pl_templates WHERE workspace_id = ? AND name = ?", (workspace, name)
            ).fetchone()
            if row is None:
                template_id = db.execute(
                    "INSERT INTO pl_templates (workspace_id, name, tags, created_at, updated_at)"
                    " VALUES (?, ?, ?, ?, ?)",
                    (workspace, name, json.dumps(tags or []), stamp, stamp),
                ).lastrowid
            else:
                template_id = row["id"]
                db.execute(
                    "UPDATE pl_templates SET updated_at = ?, tags = coalesce(?, tags) WHERE id = ?",
                    (stamp, None if tags is None else json.dumps(tags), template_id),
                )
            self._attach(db, workspace, int(template_id or 0), external_ids)
            number = db.execute(
                "SELECT coalesce(max(number), 0) + 1 FROM pl_versions WHERE template_id = ?",
                (template_id,),
            ).fetchone()[0]
            metadata = content.get("metadata")
            version_id = db.execute(
                "INSERT INTO pl_versions (template_id, number, prompt_template, metadata,"
                " commit_message, created_at) VALUES (?, ?, ?, ?, ?, ?)",
                (
                    template_id,
                    number,
                    json.dumps(content["prompt_template"]),
                    None if metadata is None else json.dumps(metadata),
                    content.get("commit_message"),
                    stamp,
                ),
            ).lastrowid
            for label in labels:
                moved = db.execute(
                    "UPDATE pl_labels SET version_id = ? WHERE template_id = ? AND name = ?",
                    (version_id, template_id, label),
                ).rowcount
                if not moved:
                    db.execute(
                        "INSERT INTO pl_labels (template_id, name, version_id, created_at)"
                        " VALUES (?, ?, ?, ?)",
                        (template_id, label, version_id, stamp),
                    )
            return self._version_where(db, "v.id = ?", (version_id,))

    def _attach(
        self,
        db: sqlite3.Connection,
        workspace: int,
        template_id: int,
        external_ids: list[tuple[str, str]],
    ) -> None:
        for source, external_id in external_ids:
            row = db.execute(
                "SELECT template_id FROM pl_external_ids"
                " WHERE workspace_id = ? AND source = ? AND external_id = ?",
                (workspace, source, external_id),
            ).fetchone()
            if row is not None and row["template_id"] != template_id:
                raise StoreError(
                    409,
                    f"External ID {source}:{external_id} is already attached to another"
                    " prompt template",
                )
            db.execute(
                "INSERT OR IGNORE INTO pl_external_ids VALUES (?, ?, ?, ?)",
                (workspace, source, external_id, template_id),
            )

    def external_ids(self, template_ids: list[int]) -> dict[int, list[dict[str, str]]]:
        found: dict[int, list[dict[str, str]]] = {t: [] for t in template_ids}
        if not template_ids:
            return found
        marks = ",".join("?" * len(template_ids))
        with self.reading() as db:
            rows = db.execute(
                "SELECT template_id, source, external_id FROM pl_external_ids"
                f" WHERE template_id IN ({marks}) ORDER BY source, external_id",
                template_ids,
            ).fetchall()
        for row in rows:
            found[row["template_id"]].append(
                {"source": row["source"], "external_id": row["external_id"]}
            )
        return found

    def list_versions(
        self, workspace: int, where: ListFilter, offset: int, limit: int
    ) -> tuple[int, list[Version]]:
        """(templates matching, one page of their versions: labelled, or else the latest)."""
        clauses = ["t.workspace_id = ?"]
        args: list[Any] = [workspace]
        if where.label is not None:
            join = "JOIN pl_labels l ON l.template_id = t.id AND l.name = ? JOIN pl_versions v"
            join += " ON v.id = l.version_id"
            args.insert(0, where.label)
        else:
            join = "JOIN pl_versions v ON v.template_id = t.id AND v.number ="
            join += " (SELECT max(number) FROM pl_versions WHERE template_id = t.id)"
        if where.name is not None:
            clauses.append("t.name LIKE ? ESCAPE '\\'")
            args.append(_like(where.name))
        for tag in where.tags:
            clauses.append("EXISTS (SELECT 1 FROM json_each(t.tags) WHERE value = ?)")
            args.append(tag)
        if where.external is not None:
            clauses.append(
                "EXISTS (SELECT 1 FROM pl_external_ids e WHERE e.template_id = t.id"
                " AND e.source = ? AND e.external_id = ?)"
            )
            args.extend(where.external)
        for column, op, value in (
            ("t.created_at", ">=", where.created_after),
            ("t.created_at", "<=", where.created_before),
            ("t.updated_at", ">=", where.updated_after),
            ("t.updated_at", "<=", where.updated_before),
        ):
            if value is not None:
                clauses.append(f"{column} {op} ?")
                args.append(value)
        if where.nothing:
            clauses.append("0")
        if where.sort_by not in SORTABLE:
            raise ValueError(f"cannot sort by {where.sort_by!r}")
        sql = f"FROM pl_templates t {join} WHERE {' AND '.join(clauses)}"
        order = "DESC" if where.descending else "ASC"
        with self.reading() as db:
            total = int(db.execute(f"SELECT count(*) {sql}", args).fetchone()[0])
            rows = db.execute(
                f"SELECT {_VERSION_COLUMNS} {sql} ORDER BY t.{where.sort_by} {order},"
                f" t.id {order} LIMIT ? OFFSET ?",
                [*args, limit, offset],
            ).fetchall()
        return total, [_version(r) for r in rows]

    # --- release labels -----------------------------------------------------------------------

    def _labels(self, db: sqlite3.Connection, where: str, args: tuple[Any, ...]) -> list[Label]:
        rows = db.execute(
            "SELECT l.id, l.name, l.template_id, l.version_id, v.number, l.created_at"
            " FROM pl_labels l JOIN pl_versions v ON v.id = l.version_id"
            f" JOIN pl_templates t ON t.id = l.template_id WHERE {where} ORDER BY l.id",
            args,
        ).fetchall()
        return [
            Label(
                r["id"], r["name"], r["template_id"], r["version_id"], r["number"], r["created_at"]
            )
            for r in rows
        ]

    def labels(self, workspace: int, identifier: str) -> list[Label]:
        with self.reading() as db:
            template_id = self._template_id(db, workspace, identifier)
            return self._labels(db, "l.template_id = ?", (template_id,))

    def _version_id(self, db: sqlite3.Connection, template_id: int, number: int) -> int:
        row = db.execute(
            "SELECT id FROM pl_versions WHERE template_id = ? AND number = ?",
            (template_id, number),
        ).fetchone()
        if row is None:
            raise StoreError(404, f"Prompt template version {number} not found")
        return int(row["id"])

    def create_label(self, workspace: int, template_id: int, number: int, name: str) -> Label:
        with self.transaction() as db:
            if not db.execute(
                "SELECT 1 FROM pl_templates WHERE id = ? AND workspace_id = ?",
                (template_id, workspace),
            ).fetchone():
                raise StoreError(404, f"Prompt template {template_id} not found")
            version_id = self._version_id(db, template_id, number)
            if db.execute(
                "SELECT 1 FROM pl_labels WHERE template_id = ? AND name = ?", (template_id, name)
            ).fetchone():
                raise StoreError(
                    400,
                    f"Release label '{name}' already exists on this prompt template;"
                    " move it with PATCH /prompt-labels/{prompt_label_id}",
                )
            label_id = db.execute(
                "INSERT INTO pl_labels (template_id, name, version_id, created_at)"
                " VALUES (?, ?, ?, ?)",
                (template_id, name, version_id, now()),
            ).lastrowid
            return self._labels(db, "l.id = ?", (label_id,))[0]

    def _own_label(self, db: sqlite3.Connection, workspace: int, label_id: int) -> Label:
        found = self._labels(db, "l.id = ? AND t.workspace_id = ?", (label_id, workspace))
        if not found:
            raise StoreError(404, f"Release label {label_id} not found")
        return found[0]

    def move_label(self, workspace: int, label_id: int, number: int) -> Label:
        with self.transaction() as db:
            label = self._own_label(db, workspace, label_id)
            version_id = self._version_id(db, label.template_id, number)
            db.execute("UPDATE pl_labels SET version_id = ? WHERE id = ?", (version_id, label_id))
            return self._labels(db, "l.id = ?", (label_id,))[0]

    def delete_label(self, workspace: int, label_id: int) -> None:
        with self.transaction() as db:
            self._own_label(db, workspace, label_id)
            db.execute("DELETE FROM pl_labels WHERE id = ?", (label_id,))
