"""One SQLite connection shared by an emulator's threads, with the durability every store needs.

WAL mode (readers never block the writer), a busy timeout for writers in other processes, and
every write in one `BEGIN IMMEDIATE` transaction: the write lock is taken before the first read,
so two writers (threads or processes sharing the file) can never both read the same state and
then both write.
"""

from __future__ import annotations

import sqlite3
import threading
from collections.abc import Iterator
from contextlib import contextmanager

from promptsync.emulator import database


class Database:
    """Raises database.DatabaseProblem, naming the problem, when `path` cannot hold state."""

    def __init__(self, path: str, schema: str) -> None:
        self.path = path
        self._lock = threading.RLock()
        self._db = database.connect(path)
        try:
            self.ensure_schema(schema)
        except database.DatabaseProblem:
            self._db.close()
            raise

    def ensure_schema(self, schema: str) -> None:
        """Create the tables of `schema` where missing (a module may add its own tables)."""
        with self._lock:
            database.ensure_schema(self._db, self.path, schema)

    def close(self) -> None:
        with self._lock:
            self._db.close()

    @contextmanager
    def transaction(self) -> Iterator[sqlite3.Connection]:
        with self._lock:
            self._db.execute("BEGIN IMMEDIATE")
            try:
                yield self._db
            except BaseException:
                self._db.execute("ROLLBACK")
                raise
            self._db.execute("COMMIT")

    @contextmanager
    def reading(self) -> Iterator[sqlite3.Connection]:
        with self._lock:
            yield self._db
