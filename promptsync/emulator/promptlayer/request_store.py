"""Logged requests and their scores, durable in the emulator's SQLite file beside the templates.

A logged request keeps its validated `LogRequest` body as a JSON record, plus the columns that
link it to a prompt template version (resolved when it was logged: versions never change, so the
link never goes stale). Scores are named; tracking a name again replaces its score.
"""

from __future__ import annotations

import json
import sqlite3
from dataclasses import dataclass
from typing import Any

from promptsync.emulator.promptlayer.store import Store, StoreError, now

_SCHEMA = """
CREATE TABLE IF NOT EXISTS pl_requests (
    id INTEGER PRIMARY KEY AUTOINCREMENT, workspace_id INTEGER NOT NULL,
    prompt_id INTEGER, prompt_name TEXT, prompt_version_id INTEGER, prompt_version_number INTEGER,
    logged_at TEXT NOT NULL, record TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS pl_request_scores (
    request_id INTEGER NOT NULL, name TEXT NOT NULL, score INTEGER NOT NULL,
    created_at TEXT NOT NULL, PRIMARY KEY (request_id, name));
"""


@dataclass(frozen=True)
class PromptLink:
    """The prompt template version a request was made with."""

    prompt_id: int
    prompt_name: str
    version_id: int
    version_number: int
    prompt_template: dict[str, Any]
    commit_message: str | None
    metadata: dict[str, Any] | None

    def prompt_version(self) -> dict[str, Any]:
        """The OpenAPI `PromptVersion` of the linked version."""
        return {
            "prompt_template": self.prompt_template,
            "commit_message": self.commit_message,
            "metadata": self.metadata,
        }


@dataclass(frozen=True)
class RequestLog:
    id: int
    prompt_id: int | None
    prompt_name: str | None
    prompt_version_id: int | None
    prompt_version_number: int | None
    record: dict[str, Any]  # the validated LogRequest body, times normalized to UTC
    scores: dict[str, int]


def _template(
    db: sqlite3.Connection, workspace: int, prompt_id: int | None, prompt_name: str | None
) -> sqlite3.Row:
    if prompt_id is not None:
        row = db.execute(
            "SELECT id, name FROM pl_templates WHERE id = ? AND workspace_id = ?",
            (prompt_id, workspace),
        ).fetchone()
        if row is None:
            raise StoreError(404, f"Prompt template {prompt_id} not found")
        if prompt_name is not None and prompt_name != row["name"]:
            raise StoreError(
                400, f"prompt_name '{prompt_name}' is not the name of prompt template {prompt_id}"
            )
        return row  # type: ignore[no-any-return]
    row = db.execute(
        "SELECT id, name FROM pl_templates WHERE name = ? AND workspace_id = ?",
        (prompt_name, workspace),
    ).fetchone()
    if row is None:
        raise StoreError(404, f"Prompt template '{prompt_name}' not found")
    return row  # type: ignore[no-any-return]


class RequestStore:
    def __init__(self, store: Store) -> None:
        self._store = store
        store.ensure_schema(_SCHEMA)

    def link(
        self, workspace: int, prompt_id: int | None, prompt_name: str | None, number: int | None
    ) -> PromptLink:
        """The version a request names (its number, or else the template's latest); 404 if none."""
        with self._store.reading() as db:
            template = _template(db, workspace, prompt_id, prompt_name)
            columns = (
                "SELECT id, number, prompt_template, metadata, commit_message FROM pl_versions"
            )
            if number is None:
                row = db.execute(
                    f"{columns} WHERE template_id = ? ORDER BY number DESC LIMIT 1",
                    (template["id"],),
                ).fetchone()
            else:
                row = db.execute(
                    f"{columns} WHERE template_id = ? AND number = ?", (template["id"], number)
                ).fetchone()
        if row is None:
            raise StoreError(404, f"Version {number} of '{template['name']}' not found")
        return PromptLink(
            template["id"],
            template["name"],
            row["id"],
            row["number"],
            json.loads(row["prompt_template"]),
            row["commit_message"],
            None if row["metadata"] is None else json.loads(row["metadata"]),
        )

    def add(
        self,
        workspace: int,
        record: dict[str, Any],
        link: PromptLink | None,
        version_number: int | None,
        score: tuple[str, int] | None,
    ) -> int:
        """Store a request (linked to `link`, else keeping the number it was sent); its id."""
        stamp = now()
        with self._store.transaction() as db:
            request_id = db.execute(
                "INSERT INTO pl_requests (workspace_id, prompt_id, prompt_name, prompt_version_id,"
                " prompt_version_number, logged_at, record) VALUES (?, ?, ?, ?, ?, ?, ?)",
                (
                    workspace,
                    link.prompt_id if link else None,
                    link.prompt_name if link else None,
                    link.version_id if link else None,
                    link.version_number if link else version_number,
                    stamp,
                    json.dumps(record),
                ),
            ).lastrowid
            if score is not None:
                db.execute(
                    "INSERT INTO pl_request_scores VALUES (?, ?, ?, ?)",
                    (request_id, score[0], score[1], stamp),
                )
        return int(request_id or 0)

    def track_score(self, workspace: int, request_id: int, name: str, score: int) -> bool:
        """Set a request's named score; False when the workspace has no such request."""
        with self._store.transaction() as db:
            if not db.execute(
                "SELECT 1 FROM pl_requests WHERE id = ? AND workspace_id = ?",
                (request_id, workspace),
            ).fetchone():
                return False
            db.execute(
                "INSERT INTO pl_request_scores VALUES (?, ?, ?, ?) ON CONFLICT (request_id, name)"
                " DO UPDATE SET score = excluded.score, created_at = excluded.created_at",
                (request_id, name, score, now()),
            )
        return True

    def _logs(self, db: sqlite3.Connection, where: str, args: tuple[Any, ...]) -> list[RequestLog]:
        rows = db.execute(f"SELECT * FROM pl_requests WHERE {where} ORDER BY id", args).fetchall()
        scores: dict[int, dict[str, int]] = {row["id"]: {} for row in rows}
        for score in db.execute(
            "SELECT s.request_id, s.name, s.score FROM pl_request_scores s"
            f" JOIN pl_requests ON pl_requests.id = s.request_id WHERE {where} ORDER BY s.name",
            args,
        ):
            scores[score["request_id"]][score["name"]] = score["score"]
        return [
            RequestLog(
                row["id"],
                row["prompt_id"],
                row["prompt_name"],
                row["prompt_version_id"],
                row["prompt_version_number"],
                json.loads(row["record"]),
                scores[row["id"]],
            )
            for row in rows
        ]

    def get(self, workspace: int, request_id: int) -> RequestLog:
        with self._store.reading() as db:
            found = self._logs(db, "id = ? AND workspace_id = ?", (request_id, workspace))
        if not found:
            raise StoreError(404, f"Request {request_id} not found")
        return found[0]

    def all(self, workspace: int) -> list[RequestLog]:
        """Every request of the workspace, oldest first (search filters them in Python)."""
        with self._store.reading() as db:
            return self._logs(db, "workspace_id = ?", (workspace,))
