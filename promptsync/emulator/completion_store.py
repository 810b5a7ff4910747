"""Recorded completions, durable in the emulator's SQLite file beside the prompt templates."""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from promptsync.emulator.store import Store, StoreError

_SCHEMA = """
CREATE TABLE IF NOT EXISTS completions (
    seq INTEGER PRIMARY KEY AUTOINCREMENT,
    id TEXT NOT NULL UNIQUE, project_id TEXT NOT NULL, session_id TEXT NOT NULL,
    start_time REAL NOT NULL, end_time REAL, recorded_at REAL NOT NULL,
    version_id TEXT, environment TEXT, model TEXT, provider TEXT, record TEXT NOT NULL);
CREATE INDEX IF NOT EXISTS completions_newest ON completions(project_id, start_time, seq);
"""
_BATCH = 500
# A completion with the prompt template version it names, if that still exists.
_WITH_VERSION = (
    "SELECT c.*, v.body AS version_body, t.id AS template_id, t.name AS template_name"
    " FROM completions c LEFT JOIN versions v ON v.id = c.version_id"
    " LEFT JOIN templates t ON t.id = v.template_id"
)


@dataclass(frozen=True)
class NewCompletion:
    id: str
    project_id: str
    session_id: str
    start_time: float
    end_time: float | None
    recorded_at: float
    version_id: str | None
    environment: str | None
    model: str | None
    provider: str | None
    record: dict[str, Any]  # the validated request body


@dataclass(frozen=True)
class Completion:
    """A stored completion, with the prompt template version it names if that still exists."""

    id: str
    session_id: str
    start_time: float
    end_time: float | None
    environment: str | None
    model: str | None
    provider: str | None
    version_id: str | None
    record: dict[str, Any]
    template_id: str | None
    template_name: str | None
    version_body: dict[str, Any] | None

    @classmethod
    def from_row(cls, row: sqlite3.Row) -> Completion:
        return cls(
            id=row["id"],
            session_id=row["session_id"],
            start_time=row["start_time"],
            end_time=row["end_time"],
            environment=row["environment"],
            model=row["model"],
            provider=row["provider"],
            version_id=row["version_id"],
            record=json.loads(row["record"]),
            template_id=row["template_id"],
            template_name=row["template_name"],
            version_body=json.loads(row["version_body"]) if row["version_body"] else None,
        )


class CompletionStore:
    def __init__(self, store: Store) -> None:
        self._store = store
        store.ensure_schema(_SCHEMA)

    def version_model(self, project_id: str, version_id: str) -> tuple[str | None, str | None]:
        """(model, provider) of a version of this project (deleted ones too); 400 if none."""
        with self._store.reading() as db:
            row = db.execute(
                "SELECT v.body FROM versions v JOIN templates t ON t.id = v.template_id"
                " WHERE v.id = ? AND t.project_id = ?",
                (version_id, project_id),
            ).fetchone()
        if row is None:
            raise StoreError(
                400,
                "Invalid field prompt_info.prompt_template_version_id:"
                f" no prompt template version {version_id} in this project",
            )
        body = json.loads(row["body"])
        return body.get("model"), body.get("provider")

    def add(self, c: NewCompletion) -> None:
        with self._store.transaction() as db:
            if (
                c.environment is not None
                and not db.execute(
                    "SELECT 1 FROM environments WHERE name = ?", (c.environment,)
                ).fetchone()
            ):
                raise StoreError(400, f"Environment '{c.environment}' does not exist")
            if db.execute("SELECT 1 FROM completions WHERE id = ?", (c.id,)).fetchone():
                raise StoreError(400, f"Completion {c.id} already exists")
            db.execute(
                "INSERT INTO completions (id, project_id, session_id, start_time, end_time,"
                " recorded_at, version_id, environment, model, provider, record)"
                " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (
                    c.id,
                    c.project_id,
                    c.session_id,
                    c.start_time,
                    c.end_time,
                    c.recorded_at,
                    c.version_id,
                    c.environment,
                    c.model,
                    c.provider,
                    json.dumps(c.record),
                ),
            )

    def of_test_run(self, project_id: str, test_run_id: str) -> list[Completion]:
        """The completions recorded with this test run in their `test_run_info`, oldest first.

        Read from the stored request body: one scan per test run's results, no extra column
        (so databases written before test runs existed still open).
        """
        with self._store.reading() as db:
            rows = db.execute(
                f"{_WITH_VERSION} WHERE c.project_id = ?"
                " AND json_extract(c.record, '$.test_run_info.test_run_id') = ? ORDER BY c.seq",
                (project_id, test_run_id),
            ).fetchall()
        return [Completion.from_row(row) for row in rows]

    def newest_first(self, project_id: str) -> Iterator[Completion]:
        """Every completion of the project, newest start time first, read in batches."""
        after: tuple[float, int] = (float("inf"), 0)
        while True:
            with self._store.reading() as db:
                rows = db.execute(
                    f"{_WITH_VERSION} WHERE c.project_id = ? AND (c.start_time, c.seq) < (?, ?)"
                    " ORDER BY c.start_time DESC, c.seq DESC LIMIT ?",
                    (project_id, *after, _BATCH),
                ).fetchall()
            yield from (Completion.from_row(row) for row in rows)
            if len(rows) < _BATCH:
                return
            after = (rows[-1]["start_time"], rows[-1]["seq"])
