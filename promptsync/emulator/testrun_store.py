"""Test runs, durable in the emulator's SQLite file beside the datasets they were made from.

A test run holds the ids of the test cases its dataset had when it was made, so a completion
recorded for it later can be checked against them even if the dataset has changed since.
"""

from __future__ import annotations

import sqlite3
import time
import uuid
from dataclasses import dataclass

from promptsync.emulator.dataset_store import Case, Dataset, DatasetStore
from promptsync.emulator.store import Store, StoreError

_SCHEMA = """
CREATE TABLE IF NOT EXISTS test_runs (
    seq INTEGER PRIMARY KEY AUTOINCREMENT,
    id TEXT NOT NULL UNIQUE, project_id TEXT NOT NULL, dataset_id TEXT NOT NULL,
    name TEXT NOT NULL, description TEXT NOT NULL, created_at INTEGER NOT NULL);
CREATE INDEX IF NOT EXISTS test_runs_newest ON test_runs(project_id, seq);
CREATE TABLE IF NOT EXISTS test_run_cases (
    test_run_id TEXT NOT NULL, test_case_id TEXT NOT NULL, position INTEGER NOT NULL,
    PRIMARY KEY (test_run_id, test_case_id));
"""


@dataclass(frozen=True)
class TestRun:
    __test__ = False  # not a pytest test class, whatever its name

    id: str
    name: str
    description: str
    created_at: int
    dataset_name: str | None  # the dataset's current name; None once it is deleted


class TestRunStore:
    __test__ = False

    def __init__(self, store: Store, datasets: DatasetStore) -> None:
        self._store = store
        self._datasets = datasets
        store.ensure_schema(_SCHEMA)

    def create(
        self, project_id: str, dataset: Dataset, name: str, description: str
    ) -> tuple[TestRun, list[Case]]:
        """A test run over every test case the dataset has now, in their order."""
        run = TestRun(str(uuid.uuid4()), name, description, int(time.time()), dataset.name)
        with self._store.transaction() as db:
            cases = self._datasets.cases_in(db, project_id, dataset.id)
            db.execute(
                "INSERT INTO test_runs (id, project_id, dataset_id, name, description, created_at)"
                " VALUES (?, ?, ?, ?, ?, ?)",
                (run.id, project_id, dataset.id, name, description, run.created_at),
            )
            db.executemany(
                "INSERT INTO test_run_cases VALUES (?, ?, ?)",
                [(run.id, case.id, i) for i, case in enumerate(cases)],
            )
        return run, cases

    def runs(self, project_id: str, offset: int, limit: int) -> list[TestRun]:
        """A page of the project's test runs, newest first."""
        with self._store.reading() as db:
            rows = db.execute(
                f"{_SELECT} WHERE r.project_id = ? ORDER BY r.seq DESC LIMIT ? OFFSET ?",
                (project_id, limit, offset),
            ).fetchall()
        return [_run(r) for r in rows]

    def run(self, project_id: str, run_id: str) -> TestRun:
        with self._store.reading() as db:
            row = db.execute(
                f"{_SELECT} WHERE r.project_id = ? AND r.id = ?", (project_id, run_id)
            ).fetchone()
        if row is None:
            raise StoreError(404, "Test run not found")
        return _run(row)

    def check_link(self, project_id: str, run_id: str, case_id: str) -> None:
        """A completion may name this test run and test case (400 naming the field if not)."""
        with self._store.reading() as db:
            if not db.execute(
                "SELECT 1 FROM test_runs WHERE project_id = ? AND id = ?", (project_id, run_id)
            ).fetchone():
                raise StoreError(
                    400,
                    "Invalid field test_run_info.test_run_id:"
                    f" no test run {run_id} in this project",
                )
            if not db.execute(
                "SELECT 1 FROM test_run_cases WHERE test_run_id = ? AND test_case_id = ?",
                (run_id, case_id),
            ).fetchone():
                raise StoreError(
                    400,
                    "Invalid field test_run_info.test_case_id:"
                    f" test case {case_id} is not in test run {run_id}",
                )


_SELECT = (
    "SELECT r.id, r.name, r.description, r.created_at, d.name AS dataset_name FROM test_runs r"
    " LEFT JOIN datasets d ON d.id = r.dataset_id AND d.archived = 0"
)


def _run(row: sqlite3.Row) -> TestRun:
    return TestRun(
        row["id"], row["name"], row["description"], row["created_at"], row["dataset_name"]
    )
