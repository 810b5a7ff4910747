"""Prompt datasets and their test cases, durable in the emulator's SQLite file.

A deleted dataset is archived (Freeplay: "Archive a prompt dataset and its test cases"): it and
its test cases are gone from every route and its name is free again, but test runs made from it
keep their test case ids. Test cases keep their insertion order (`seq`); a bulk create is one
transaction, so it adds all of its test cases or none.
"""

from __future__ import annotations

import json
import sqlite3
import uuid
from dataclasses import dataclass
from typing import Any

from promptsync.emulator.store import Store, StoreError

_SCHEMA = """
CREATE TABLE IF NOT EXISTS datasets (
    seq INTEGER PRIMARY KEY AUTOINCREMENT,
    id TEXT NOT NULL UNIQUE, project_id TEXT NOT NULL, name TEXT NOT NULL,
    description TEXT, input_names TEXT NOT NULL, media_input_names TEXT NOT NULL,
    support_history INTEGER NOT NULL DEFAULT 0, archived INTEGER NOT NULL DEFAULT 0);
CREATE UNIQUE INDEX IF NOT EXISTS datasets_by_name
    ON datasets(project_id, name) WHERE archived = 0;
CREATE TABLE IF NOT EXISTS test_cases (
    seq INTEGER PRIMARY KEY AUTOINCREMENT,
    id TEXT NOT NULL UNIQUE, dataset_id TEXT NOT NULL, body TEXT NOT NULL);
CREATE INDEX IF NOT EXISTS test_cases_by_dataset ON test_cases(dataset_id, seq);
"""
_DATASET_COLUMNS = "id, name, description, input_names, media_input_names, support_history"


@dataclass(frozen=True)
class Dataset:
    id: str
    name: str
    description: str | None
    input_names: list[str]
    media_input_names: list[str]
    support_history: bool

    @classmethod
    def from_row(cls, row: sqlite3.Row) -> Dataset:
        return cls(
            id=row["id"],
            name=row["name"],
            description=row["description"],
            input_names=json.loads(row["input_names"]),
            media_input_names=json.loads(row["media_input_names"]),
            support_history=bool(row["support_history"]),
        )


@dataclass(frozen=True)
class Case:
    """A stored test case. `body` holds inputs, output, output_message, metadata, history and
    media_inputs (each None when not given)."""

    id: str
    body: dict[str, Any]

    @classmethod
    def from_row(cls, row: sqlite3.Row) -> Case:
        return cls(row["id"], json.loads(row["body"]))


class DatasetStore:
    def __init__(self, store: Store) -> None:
        self._store = store
        store.ensure_schema(_SCHEMA)

    # --- datasets -------------------------------------------------------------------------------

    def create(self, project_id: str, fields: dict[str, Any]) -> Dataset:
        """`fields`: name, description, input_names, media_input_names, support_history."""
        dataset = Dataset(id=str(uuid.uuid4()), **fields)
        with self._store.transaction() as db:
            self._refuse_taken_name(db, project_id, dataset.name, None)
            db.execute(
                f"INSERT INTO datasets (project_id, {_DATASET_COLUMNS})"
                " VALUES (?, ?, ?, ?, ?, ?, ?)",
                (project_id, *_columns(dataset)),
            )
        return dataset

    def datasets(
        self, project_id: str, offset: int, limit: int, name: str | None, dataset_id: str | None
    ) -> list[Dataset]:
        """A page of the project's datasets, oldest first; `name` and `dataset_id` filter."""
        with self._store.reading() as db:
            rows = db.execute(
                f"SELECT {_DATASET_COLUMNS} FROM datasets WHERE project_id = ? AND archived = 0"
                " AND (? IS NULL OR name = ?) AND (? IS NULL OR id = ?)"
                " ORDER BY seq LIMIT ? OFFSET ?",
                (project_id, name, name, dataset_id, dataset_id, limit, offset),
            ).fetchall()
        return [Dataset.from_row(r) for r in rows]

    def dataset(self, project_id: str, dataset_id: str) -> Dataset:
        with self._store.reading() as db:
            return self._dataset(db, project_id, dataset_id)

    def by_name(self, project_id: str, name: str) -> Dataset:
        with self._store.reading() as db:
            return _one(db, project_id, "name", name, f"Dataset '{name}' not found")

    def update(self, project_id: str, dataset_id: str, changes: dict[str, Any]) -> Dataset:
        with self._store.transaction() as db:
            dataset = Dataset(**{**self._dataset(db, project_id, dataset_id).__dict__, **changes})
            self._refuse_taken_name(db, project_id, dataset.name, dataset.id)
            db.execute(
                "UPDATE datasets SET name = ?, description = ?, input_names = ?,"
                " media_input_names = ?, support_history = ? WHERE id = ?",
                (*_columns(dataset)[1:], dataset.id),
            )
        return dataset

    def archive(self, project_id: str, dataset_id: str) -> None:
        with self._store.transaction() as db:
            self._dataset(db, project_id, dataset_id)
            db.execute("UPDATE datasets SET archived = 1 WHERE id = ?", (dataset_id,))

    def _dataset(self, db: sqlite3.Connection, project_id: str, dataset_id: str) -> Dataset:
        return _one(db, project_id, "id", dataset_id, "Dataset not found")

    def _refuse_taken_name(
        self, db: sqlite3.Connection, project_id: str, name: str, own_id: str | None
    ) -> None:
        row = db.execute(
            "SELECT id FROM datasets WHERE project_id = ? AND name = ? AND archived = 0",
            (project_id, name),
        ).fetchone()
        if row is not None and row["id"] != own_id:
            raise StoreError(400, f"A dataset named '{name}' already exists")

    # --- test cases -----------------------------------------------------------------------------

    def add_cases(
        self, project_id: str, dataset_id: str, bodies: list[dict[str, Any]]
    ) -> list[Case]:
        cases = [Case(str(uuid.uuid4()), body) for body in bodies]
        with self._store.transaction() as db:
            self._dataset(db, project_id, dataset_id)
            db.executemany(
                "INSERT INTO test_cases (id, dataset_id, body) VALUES (?, ?, ?)",
                [(case.id, dataset_id, json.dumps(case.body)) for case in cases],
            )
        return cases

    def cases(
        self, project_id: str, dataset_id: str, offset: int = 0, limit: int = -1
    ) -> list[Case]:
        """The dataset's test cases in insertion order (`limit` -1: all of them)."""
        with self._store.reading() as db:
            return self.cases_in(db, project_id, dataset_id, offset, limit)

    def cases_in(
        self,
        db: sqlite3.Connection,
        project_id: str,
        dataset_id: str,
        offset: int = 0,
        limit: int = -1,
    ) -> list[Case]:
        """`cases` inside a caller's transaction."""
        self._dataset(db, project_id, dataset_id)
        rows = db.execute(
            "SELECT id, body FROM test_cases WHERE dataset_id = ? ORDER BY seq LIMIT ? OFFSET ?",
            (dataset_id, limit, offset),
        ).fetchall()
        return [Case.from_row(r) for r in rows]

    def case(self, project_id: str, dataset_id: str, case_id: str) -> Case:
        with self._store.reading() as db:
            return self._case(db, project_id, dataset_id, case_id)

    def update_case(
        self, project_id: str, dataset_id: str, case_id: str, changes: dict[str, Any]
    ) -> Case:
        with self._store.transaction() as db:
            case = self._case(db, project_id, dataset_id, case_id)
            updated = Case(case.id, {**case.body, **changes})
            db.execute(
                "UPDATE test_cases SET body = ? WHERE id = ?", (json.dumps(updated.body), case.id)
            )
        return updated

    def delete_cases(self, project_id: str, dataset_id: str, case_ids: list[str]) -> None:
        """Delete every one of `case_ids` or, when one is not in the dataset, none (404)."""
        with self._store.transaction() as db:
            for case_id in dict.fromkeys(case_ids):
                self._case(db, project_id, dataset_id, case_id)
                db.execute("DELETE FROM test_cases WHERE id = ?", (case_id,))

    def _case(self, db: sqlite3.Connection, project_id: str, dataset_id: str, case_id: str) -> Case:
        self._dataset(db, project_id, dataset_id)
        row = db.execute(
            "SELECT id, body FROM test_cases WHERE id = ? AND dataset_id = ?",
            (case_id, dataset_id),
        ).fetchone()
        if row is None:
            raise StoreError(404, f"Test case {case_id} not found")
        return Case.from_row(row)


def _columns(d: Dataset) -> tuple[Any, ...]:
    return (
        d.id,
        d.name,
        d.description,
        json.dumps(d.input_names),
        json.dumps(d.media_input_names),
        int(d.support_history),
    )


def _one(db: sqlite3.Connection, project_id: str, column: str, value: str, missing: str) -> Dataset:
    """The project's live dataset whose `column` (id or name) is `value`; 404 `missing`."""
    row = db.execute(
        f"SELECT {_DATASET_COLUMNS} FROM datasets"  # column: "id" or "name", never input
        f" WHERE project_id = ? AND {column} = ? AND archived = 0",
        (project_id, value),
    ).fetchone()
    if row is None:
        raise StoreError(404, missing)
    return Dataset.from_row(row)
