"""Opening the emulator's SQLite file, with one clear message for each way that can fail.

SQLite itself says "unable to open database file" for a directory, a missing parent, a parent
that is a file and a permission problem alike, so the path is checked first.
"""

from __future__ import annotations

import os
import sqlite3
from pathlib import Path

MEMORY = ":memory:"
SQLITE_HEADER = b"SQLite format 3\x00"


class DatabaseProblem(Exception):
    """The database path cannot hold the emulator's state. `str()` is `PATH: problem`."""

    def __init__(self, path: str, problem: str) -> None:
        super().__init__(f"{path}: {problem}")
        self.path = path
        self.problem = problem


def connect(path: str) -> sqlite3.Connection:
    if path != MEMORY:
        problem = _path_problem(Path(path))
        if problem:
            raise DatabaseProblem(path, problem)
    try:
        db = sqlite3.connect(path, isolation_level=None, check_same_thread=False)
        db.row_factory = sqlite3.Row
        db.execute("PRAGMA busy_timeout = 10000")
        if path != MEMORY:
            db.execute("PRAGMA journal_mode = WAL")
        db.execute("PRAGMA synchronous = NORMAL")
    except sqlite3.Error as exc:
        raise DatabaseProblem(path, f"cannot open it: {exc}") from None
    return db


def _path_problem(path: Path) -> str | None:
    if path.is_dir():
        return "is a directory, not a database file"
    parent = path.parent
    for ancestor in (parent, *parent.parents):
        if ancestor.exists():
            if not ancestor.is_dir():
                return f"'{ancestor}' is a file, not a directory"
            break
    try:
        parent.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        return f"cannot create directory '{parent}': {exc.strerror}"
    if not path.exists():
        if not os.access(parent, os.W_OK | os.X_OK):
            return f"cannot create it: no permission to write in '{parent}'"
        return None
    if not os.access(path, os.R_OK | os.W_OK):
        return "no permission to read and write it"
    try:
        with path.open("rb") as file:
            header = file.read(len(SQLITE_HEADER))
    except OSError as exc:
        return f"cannot read it: {exc.strerror}"
    if header and header != SQLITE_HEADER:
        return "not an SQLite database"
    return None


def ensure_schema(db: sqlite3.Connection, path: str, schema: str) -> None:
    """Create the tables of `schema` where missing; refuse existing tables that lack columns."""
    statements = [s for s in schema.split(";") if s.strip()]
    try:
        _check_columns(db, path, statements)
        db.execute("BEGIN IMMEDIATE")
        try:
            for statement in statements:
                db.execute(statement)
        except BaseException:
            db.execute("ROLLBACK")
            raise
        db.execute("COMMIT")
    except sqlite3.Error as exc:
        raise DatabaseProblem(path, f"cannot use it: {exc}") from None


def _check_columns(db: sqlite3.Connection, path: str, statements: list[str]) -> None:
    expected = sqlite3.connect(MEMORY)
    try:
        for statement in statements:
            expected.execute(statement)
        tables = expected.execute("SELECT name FROM sqlite_master WHERE type = 'table'")
        for (table,) in tables.fetchall():
            have = {row[1] for row in db.execute(f"PRAGMA table_info({table})")}
            missing = [
                row[1]
                for row in expected.execute(f"PRAGMA table_info({table})")
                if have and row[1] not in have
            ]
            if missing:
                raise DatabaseProblem(
                    path, f"not an emulator database (table {table} has no column {missing[0]})"
                )
    finally:
        expected.close()
