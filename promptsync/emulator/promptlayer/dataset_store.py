"""Dataset groups and their immutable versions, durable beside the prompt templates.

A group is created with a draft dataset (version_number -1), as PromptLayer does. A file upload
makes the next version (one past the group's highest): it fills the group's draft when there is
one, else a new dataset. PromptLayer processes uploads in the background and the draft shows -1
until then; here the version is complete when the upload is answered. A version's rows never
change. Writes are one `BEGIN IMMEDIATE` transaction each, so concurrent uploads never share a
number; a unique index on (group, number) says so too.
"""

from __future__ import annotations

import json
import sqlite3
from dataclasses import dataclass
from typing import Any

from promptsync.emulator.promptlayer.dataset_files import Table
from promptsync.emulator.promptlayer.store import Store, StoreError, now

DRAFT = -1
_SCHEMA = """
CREATE TABLE IF NOT EXISTS pl_dataset_groups (
    id INTEGER PRIMARY KEY AUTOINCREMENT, workspace_id INTEGER NOT NULL, name TEXT NOT NULL,
    created_at TEXT NOT NULL, UNIQUE (workspace_id, name));
CREATE TABLE IF NOT EXISTS pl_datasets (
    id INTEGER PRIMARY KEY AUTOINCREMENT, group_id INTEGER NOT NULL,
    version_number INTEGER NOT NULL, column_names TEXT NOT NULL, file_name TEXT,
    created_at TEXT NOT NULL, updated_at TEXT NOT NULL);
CREATE UNIQUE INDEX IF NOT EXISTS pl_dataset_numbers
    ON pl_datasets (group_id, version_number) WHERE version_number > 0;
CREATE TABLE IF NOT EXISTS pl_dataset_rows (
    dataset_id INTEGER NOT NULL, position INTEGER NOT NULL, cells TEXT NOT NULL,
    PRIMARY KEY (dataset_id, position));
CREATE TABLE IF NOT EXISTS pl_dataset_external_ids (
    workspace_id INTEGER NOT NULL, source TEXT NOT NULL, external_id TEXT NOT NULL,
    group_id INTEGER NOT NULL, PRIMARY KEY (workspace_id, source, external_id));
"""
_COLUMNS = (
    "d.id, d.version_number, d.column_names, d.created_at, d.updated_at,"
    " g.id AS gid, g.workspace_id, g.name"
)
SORTABLE = {
    "created_at": "d.created_at",
    "updated_at": "d.updated_at",
    "name": "g.name",
    "id": "d.id",
}


@dataclass(frozen=True)
class Group:
    id: int
    workspace_id: int
    name: str


@dataclass(frozen=True)
class Dataset:
    id: int
    group: Group
    version_number: int
    column_names: list[str]
    created_at: str
    updated_at: str


@dataclass(frozen=True)
class DatasetFilter:
    group_id: int | None = None
    name: str | None = None
    external: tuple[str, str] | None = None
    created_after: str | None = None
    created_before: str | None = None
    updated_after: str | None = None
    updated_before: str | None = None
    nothing: bool = False  # a filter no dataset here can match
    sort_by: str = "created_at"
    descending: bool = True


def _dataset(row: sqlite3.Row) -> Dataset:
    group = Group(row["gid"], row["workspace_id"], row["name"])
    return Dataset(
        row["id"],
        group,
        row["version_number"],
        json.loads(row["column_names"]),
        row["created_at"],
        row["updated_at"],
    )


def _like(text: str) -> str:
    escaped = text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


class DatasetStore:
    def __init__(self, store: Store) -> None:
        self._store = store
        store.ensure_schema(_SCHEMA)

    def _one(self, db: sqlite3.Connection, dataset_id: int) -> Dataset:
        row = db.execute(
            f"SELECT {_COLUMNS} FROM pl_datasets d JOIN pl_dataset_groups g ON g.id = d.group_id"
            " WHERE d.id = ?",
            (dataset_id,),
        ).fetchone()
        return _dataset(row)

    def create_group(
        self, workspace: int, name: str, external_ids: list[tuple[str, str]]
    ) -> Dataset:
        """A new group and its draft dataset (returned)."""
        stamp = now()
        with self._store.transaction() as db:
            if db.execute(
                "SELECT 1 FROM pl_dataset_groups WHERE workspace_id = ? AND name = ?",
                (workspace, name),
            ).fetchone():
                raise StoreError(400, f"A dataset group named '{name}' already exists")
            group_id = db.execute(
                "INSERT INTO pl_dataset_groups (workspace_id, name, created_at) VALUES (?, ?, ?)",
                (workspace, name, stamp),
            ).lastrowid
            for source, external_id in external_ids:
                if db.execute(
                    "SELECT 1 FROM pl_dataset_external_ids"
                    " WHERE workspace_id = ? AND source = ? AND external_id = ?",
                    (workspace, source, external_id),
                ).fetchone():
                    raise StoreError(
                        409,
                        f"External ID {source}:{external_id} is already attached to another"
                        " dataset group",
                    )
                db.execute(
                    "INSERT INTO pl_dataset_external_ids VALUES (?, ?, ?, ?)",
                    (workspace, source, external_id, group_id),
                )
            draft_id = db.execute(
                "INSERT INTO pl_datasets (group_id, version_number, column_names, created_at,"
                " updated_at) VALUES (?, ?, '[]', ?, ?)",
                (group_id, DRAFT, stamp, stamp),
            ).lastrowid
            return self._one(db, int(draft_id or 0))

    def add_version(self, workspace: int, group_id: int, file_name: str, table: Table) -> Dataset:
        """The group's next version holding `table`."""
        stamp = now()
        with self._store.transaction() as db:
            if not db.execute(
                "SELECT 1 FROM pl_dataset_groups WHERE id = ? AND workspace_id = ?",
                (group_id, workspace),
            ).fetchone():
                raise StoreError(404, f"Dataset group {group_id} not found")
            number = db.execute(
                "SELECT coalesce(max(version_number), 0) + 1 FROM pl_datasets"
                " WHERE group_id = ? AND version_number > 0",
                (group_id,),
            ).fetchone()[0]
            columns = json.dumps(table.columns)
            draft = db.execute(
                "SELECT id FROM pl_datasets WHERE group_id = ? AND version_number = ?"
                " ORDER BY id LIMIT 1",
                (group_id, DRAFT),
            ).fetchone()
            if draft is not None:
                dataset_id = int(draft["id"])
                db.execute(
                    "UPDATE pl_datasets SET version_number = ?, column_names = ?, file_name = ?,"
                    " updated_at = ? WHERE id = ?",
                    (number, columns, file_name, stamp, dataset_id),
                )
            else:
                dataset_id = int(
                    db.execute(
                        "INSERT INTO pl_datasets (group_id, version_number, column_names,"
                        " file_name, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?)",
                        (group_id, number, columns, file_name, stamp, stamp),
                    ).lastrowid
                    or 0
                )
            db.executemany(
                "INSERT INTO pl_dataset_rows VALUES (?, ?, ?)",
                (
                    (dataset_id, position, json.dumps(cells, ensure_ascii=False))
                    for position, cells in enumerate(table.rows)
                ),
            )
            return self._one(db, dataset_id)

    def external_ids(self, group_ids: list[int]) -> dict[int, list[dict[str, str]]]:
        found: dict[int, list[dict[str, str]]] = {g: [] for g in group_ids}
        if not group_ids:
            return found
        marks = ",".join("?" * len(group_ids))
        with self._store.reading() as db:
            rows = db.execute(
                "SELECT group_id, source, external_id FROM pl_dataset_external_ids"
                f" WHERE group_id IN ({marks}) ORDER BY source, external_id",
                group_ids,
            ).fetchall()
        for row in rows:
            found[row["group_id"]].append(
                {"source": row["source"], "external_id": row["external_id"]}
            )
        return found

    def list_datasets(
        self, workspace: int, where: DatasetFilter, offset: int, limit: int
    ) -> tuple[int, list[Dataset]]:
        """(datasets matching, one page of them): every version and draft of every group."""
        clauses = ["g.workspace_id = ?"]
        args: list[Any] = [workspace]
        if where.group_id is not None:
            clauses.append("g.id = ?")
            args.append(where.group_id)
        if where.name is not None:
            clauses.append("g.name LIKE ? ESCAPE '\\'")
            args.append(_like(where.name))
        if where.external is not None:
            clauses.append(
                "EXISTS (SELECT 1 FROM pl_dataset_external_ids e WHERE e.group_id = g.id"
                " AND e.source = ? AND e.external_id = ?)"
            )
            args.extend(where.external)
        for column, op, value in (
            ("d.created_at", ">=", where.created_after),
            ("d.created_at", "<=", where.created_before),
            ("d.updated_at", ">=", where.updated_after),
            ("d.updated_at", "<=", where.updated_before),
        ):
            if value is not None:
                clauses.append(f"{column} {op} ?")
                args.append(value)
        if where.nothing:
            clauses.append("0")
        sql = (
            "FROM pl_datasets d JOIN pl_dataset_groups g ON g.id = d.group_id"
            f" WHERE {' AND '.join(clauses)}"
        )
        order = "DESC" if where.descending else "ASC"
        with self._store.reading() as db:
            total = int(db.execute(f"SELECT count(*) {sql}", args).fetchone()[0])
            rows = db.execute(
                f"SELECT {_COLUMNS} {sql} ORDER BY {SORTABLE[where.sort_by]} {order},"
                f" d.id {order} LIMIT ? OFFSET ?",
                [*args, limit, offset],
            ).fetchall()
        return total, [_dataset(r) for r in rows]

    def dataset(self, workspace: int, dataset_id: int) -> Dataset:
        with self._store.reading() as db:
            row = db.execute(
                f"SELECT {_COLUMNS} FROM pl_datasets d JOIN pl_dataset_groups g"
                " ON g.id = d.group_id WHERE d.id = ? AND g.workspace_id = ?",
                (dataset_id, workspace),
            ).fetchone()
        if row is None:
            raise StoreError(404, f"Dataset {dataset_id} not found")
        return _dataset(row)

    def rows(
        self, dataset_id: int, q: str | None, offset: int, limit: int
    ) -> tuple[int, list[list[Any]]]:
        """(rows matching, one page of them, in file order); `q` is a case-insensitive
        substring of some cell (a non-string cell as JSON)."""
        with self._store.reading() as db:
            if not q:
                total = db.execute(
                    "SELECT count(*) FROM pl_dataset_rows WHERE dataset_id = ?", (dataset_id,)
                ).fetchone()[0]
                page = db.execute(
                    "SELECT cells FROM pl_dataset_rows WHERE dataset_id = ?"
                    " ORDER BY position LIMIT ? OFFSET ?",
                    (dataset_id, limit, offset),
                ).fetchall()
                return int(total), [json.loads(r["cells"]) for r in page]
            every = db.execute(
                "SELECT cells FROM pl_dataset_rows WHERE dataset_id = ? ORDER BY position",
                (dataset_id,),
            ).fetchall()
        needle = q.lower()
        found = [
            cells
            for cells in (json.loads(r["cells"]) for r in every)
            if any(needle in _cell_text(cell).lower() for cell in cells)
        ]
        return len(found), found[offset : offset + limit]


def _cell_text(cell: Any) -> str:
    return cell if isinstance(cell, str) else json.dumps(cell, ensure_ascii=False)
