"""Durable emulator state in SQLite: projects, environments, templates, versions, deployments.

`latest` is never stored: it is derived as the newest non-deleted version of each template.
Every write runs in one `BEGIN IMMEDIATE` transaction (`sqlite.Database`), so concurrent writers
(threads or processes sharing the file) can neither lose nor duplicate a version.
"""

from __future__ import annotations

import json
import sqlite3
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from functools import cached_property
from typing import Any

from promptsync.emulator.sqlite import Database

LATEST = "latest"
DEFAULT_ENVIRONMENTS = ("latest", "dev", "staging", "prod")

_SCHEMA = """
CREATE TABLE IF NOT EXISTS projects (
    id TEXT PRIMARY KEY, name TEXT NOT NULL, is_private INTEGER NOT NULL DEFAULT 0);
CREATE TABLE IF NOT EXISTS environments (id TEXT PRIMARY KEY, name TEXT NOT NULL UNIQUE);
CREATE TABLE IF NOT EXISTS templates (
    seq INTEGER PRIMARY KEY AUTOINCREMENT,
    id TEXT NOT NULL UNIQUE, project_id TEXT NOT NULL, name TEXT NOT NULL,
    archived INTEGER NOT NULL DEFAULT 0);
CREATE UNIQUE INDEX IF NOT EXISTS templates_by_name
    ON templates(project_id, name) WHERE archived = 0;
CREATE TABLE IF NOT EXISTS versions (
    seq INTEGER PRIMARY KEY AUTOINCREMENT,
    id TEXT NOT NULL UNIQUE, template_id TEXT NOT NULL, body TEXT NOT NULL,
    deleted INTEGER NOT NULL DEFAULT 0);
CREATE INDEX IF NOT EXISTS versions_by_template ON versions(template_id, deleted, seq);
CREATE TABLE IF NOT EXISTS deployments (
    template_id TEXT NOT NULL, environment TEXT NOT NULL, version_id TEXT NOT NULL,
    PRIMARY KEY (template_id, environment));
CREATE TABLE IF NOT EXISTS grants (key_sha256 TEXT NOT NULL, project_id TEXT NOT NULL,
    PRIMARY KEY (key_sha256, project_id));
"""


class StoreError(Exception):
    """A request the state cannot satisfy; carries the HTTP status and Freeplay-style message."""

    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.message = message


@dataclass(frozen=True)
class Template:
    id: str
    project_id: str
    name: str


@dataclass(frozen=True)
class Version:
    """One stored version. `body` holds content, provider, flavor, model, params, tools, etc."""

    id: str
    template: Template
    body_json: str
    seq: int

    @cached_property
    def body(self) -> dict[str, Any]:
        return json.loads(self.body_json)  # type: ignore[no-any-return]


def identity(body: dict[str, Any], with_name: bool) -> tuple[Any, ...]:
    """What Freeplay compares to decide a version already exists (provider is not part of it)."""
    return (
        body.get("content"),
        body.get("model"),
        body.get("params") or {},
        body.get("tool_schema") or None,
        body.get("output_schema"),
        body.get("version_description"),
        body.get("version_name") if with_name else None,
    )


class Store(Database):
    """Raises DatabaseProblem when `path` cannot hold the state (see database.py)."""

    def __init__(self, path: str) -> None:
        super().__init__(path, _SCHEMA)

    # --- projects, keys, environments -------------------------------------------------------

    def ensure_project(self, project_id: str, name: str = "Default project") -> None:
        with self.transaction() as db:
            db.execute(
                "INSERT OR IGNORE INTO projects (id, name) VALUES (?, ?)", (project_id, name)
            )

    def create_project(self, project_id: str, name: str, is_private: bool) -> dict[str, Any]:
        with self.transaction() as db:
            if db.execute("SELECT 1 FROM projects WHERE id = ?", (project_id,)).fetchone():
                raise StoreError(400, f"Project {project_id} already exists")
            db.execute(
                "INSERT INTO projects (id, name, is_private) VALUES (?, ?, ?)",
                (project_id, name, int(is_private)),
            )
        return {"id": project_id, "name": name, "is_private": is_private}

    def grant(self, key_sha256: str, project_id: str) -> None:
        with self.transaction() as db:
            db.execute("INSERT OR IGNORE INTO grants VALUES (?, ?)", (key_sha256, project_id))

    def projects_for(self, key_sha256: str) -> list[dict[str, str]]:
        with self.reading() as db:
            rows = db.execute(
                "SELECT p.id, p.name FROM projects p JOIN grants g ON g.project_id = p.id"
                " WHERE g.key_sha256 = ? ORDER BY p.name, p.id",
                (key_sha256,),
            ).fetchall()
        return [{"id": r["id"], "name": r["name"]} for r in rows]

    def has_access(self, key_sha256: str, project_id: str) -> bool:
        with self.reading() as db:
            return (
                db.execute(
                    "SELECT 1 FROM grants g JOIN projects p ON p.id = g.project_id"
                    " WHERE g.key_sha256 = ? AND g.project_id = ?",
                    (key_sha256, project_id),
                ).fetchone()
                is not None
            )

    def ensure_environment(self, name: str) -> dict[str, str]:
        with self.transaction() as db:
            row = db.execute("SELECT id, name FROM environments WHERE name = ?", (name,)).fetchone()
            if row is None:
                new_id = str(uuid.uuid4())
                db.execute("INSERT INTO environments VALUES (?, ?)", (new_id, name))
                return {"id": new_id, "name": name}
        return {"id": row["id"], "name": row["name"]}

    def create_environment(self, name: str) -> dict[str, str]:
        with self.transaction() as db:
            if db.execute("SELECT 1 FROM environments WHERE name = ?", (name,)).fetchone():
                raise StoreError(400, f"Environment '{name}' already exists")
            new_id = str(uuid.uuid4())
            db.execute("INSERT INTO environments VALUES (?, ?)", (new_id, name))
        return {"id": new_id, "name": name}

    def environments(self) -> list[dict[str, str]]:
        with self.reading() as db:
            rows = db.execute("SELECT id, name FROM environments ORDER BY rowid").fetchall()
        return [{"id": r["id"], "name": r["name"]} for r in rows]

    def _check_environments(self, db: sqlite3.Connection, names: list[str]) -> None:
        known = {r[0] for r in db.execute("SELECT name FROM environments")}
        for name in names:
            if name not in known:
                raise StoreError(400, f"Environment '{name}' does not exist")

    # --- templates ----------------------------------------------------------------------------

    def _template_by_name(
        self, db: sqlite3.Connection, project_id: str, name: str
    ) -> Template | None:
        row = db.execute(
            "SELECT id, project_id, name FROM templates"
            " WHERE project_id = ? AND name = ? AND archived = 0",
            (project_id, name),
        ).fetchone()
        return Template(row["id"], row["project_id"], row["name"]) if row else None

    def _template_by_id(
        self, db: sqlite3.Connection, project_id: str, template_id: str
    ) -> Template:
        row = db.execute(
            "SELECT id, project_id, name FROM templates"
            " WHERE project_id = ? AND id = ? AND archived = 0",
            (project_id, template_id),
        ).fetchone()
        if row is None:
            raise StoreError(404, "Prompt template not found")
        return Template(row["id"], row["project_id"], row["name"])

    def _insert_template(
        self, db: sqlite3.Connection, project_id: str, name: str, template_id: str | None = None
    ) -> Template:
        if self._template_by_name(db, project_id, name):
            raise StoreError(400, f"A prompt template named '{name}' already exists")
        new_id = template_id or str(uuid.uuid4())
        if db.execute("SELECT 1 FROM templates WHERE id = ?", (new_id,)).fetchone():
            raise StoreError(400, f"A prompt template with id {new_id} already exists")
        db.execute(
            "INSERT INTO templates (id, project_id, name) VALUES (?, ?, ?)",
            (new_id, project_id, name),
        )
        return Template(new_id, project_id, name)

    def create_template(self, project_id: str, name: str, template_id: str | None) -> Template:
        with self.transaction() as db:
            return self._insert_template(db, project_id, name, template_id)

    def template(self, project_id: str, template_id: str) -> tuple[Template, str | None]:
        with self.reading() as db:
            template = self._template_by_id(db, project_id, template_id)
            newest = self._newest(db, template)
        return template, newest.id if newest else None

    def list_templates(
        self, project_id: str, offset: int, limit: int
    ) -> list[tuple[Template, str | None]]:
        with self.reading() as db:
            rows = db.execute(
                "SELECT t.id, t.project_id, t.name,"
                " (SELECT v.id FROM versions v WHERE v.template_id = t.id AND v.deleted = 0"
                "  ORDER BY v.seq DESC LIMIT 1) AS latest"
                " FROM templates t WHERE t.project_id = ? AND t.archived = 0"
                " ORDER BY t.seq LIMIT ? OFFSET ?",
                (project_id, limit, offset),
            ).fetchall()
        return [(Template(r["id"], r["project_id"], r["name"]), r["latest"]) for r in rows]

    def rename_template(self, project_id: str, template_id: str, name: str) -> None:
        with self.transaction() as db:
            template = self._template_by_id(db, project_id, template_id)
            other = self._template_by_name(db, project_id, name)
            if other and other.id != template.id:
                raise StoreError(400, f"A prompt template named '{name}' already exists")
            db.execute("UPDATE templates SET name = ? WHERE id = ?", (name, template.id))

    def archive_template(self, project_id: str, template_id: str) -> None:
        with self.transaction() as db:
            template = self._template_by_id(db, project_id, template_id)
            db.execute("UPDATE templates SET archived = 1 WHERE id = ?", (template.id,))
            db.execute("DELETE FROM deployments WHERE template_id = ?", (template.id,))

    # --- versions -----------------------------------------------------------------------------

    def _version_row(self, row: sqlite3.Row, template: Template) -> Version:
        return Version(row["id"], template, row["body"], row["seq"])

    def _newest(self, db: sqlite3.Connection, template: Template) -> Version | None:
        row = db.execute(
            "SELECT id, body, seq FROM versions WHERE template_id = ? AND deleted = 0"
            " ORDER BY seq DESC LIMIT 1",
            (template.id,),
        ).fetchone()
        return self._version_row(row, template) if row else None

    def _all_versions(self, db: sqlite3.Connection, template: Template) -> Iterator[Version]:
        rows = db.execute(
            "SELECT id, body, seq FROM versions WHERE template_id = ? AND deleted = 0"
            " ORDER BY seq DESC",
            (template.id,),
        )
        return (self._version_row(row, template) for row in rows)

    def _deployed(self, db: sqlite3.Connection, template: Template, env: str) -> Version | None:
        if env == LATEST:
            return self._newest(db, template)
        row = db.execute(
            "SELECT v.id, v.body, v.seq FROM deployments d JOIN versions v"
            " ON v.id = d.version_id AND v.deleted = 0"
            " WHERE d.template_id = ? AND d.environment = ?",
            (template.id, env),
        ).fetchone()
        return self._version_row(row, template) if row else None

    def _deploy(self, db: sqlite3.Connection, version: Version, envs: list[str]) -> None:
        for env in envs:
            if env != LATEST:
                db.execute(
                    "INSERT OR REPLACE INTO deployments VALUES (?, ?, ?)",
                    (version.template.id, env, version.id),
                )

    def create_version(
        self,
        project_id: str,
        body: dict[str, Any],
        envs: list[str] | None,
        *,
        name: str | None = None,
        template_id: str | None = None,
        create_template: bool = False,
        any_version: bool = False,
    ) -> tuple[Version, bool]:
        """Add a version, or reuse an identical one and deploy it to `envs`.

        Identical ones are looked for among the versions deployed in `envs` (`latest` when
        there are none), or with `any_version` among every non-deleted version (newest first).
        Returns the version and whether it was newly created.
        """
        with self.transaction() as db:
            self._check_environments(db, envs or [])
            if template_id is not None:
                template = self._template_by_id(db, project_id, template_id)
            else:
                assert name is not None
                found = self._template_by_name(db, project_id, name)
                if found is None and not create_template:
                    raise StoreError(404, "Prompt template not found")
                template = found or self._insert_template(db, project_id, name)
            with_name = body.get("version_name") is not None
            wanted = identity(body, with_name)
            candidates = (
                self._all_versions(db, template)
                if any_version
                else (self._deployed(db, template, env) for env in envs or [LATEST])
            )
            for existing in candidates:
                if existing and identity(existing.body, with_name) == wanted:
                    self._deploy(db, existing, envs or [])
                    return existing, False
            return self._insert_version(db, template, body, envs or []), True

    def add_raw_version(
        self, project_id: str, name: str, body: dict[str, Any], envs: list[str]
    ) -> Version:
        """Store `body` as a new version, as given: no dedup (the template is made if needed)."""
        with self.transaction() as db:
            self._check_environments(db, envs)
            template = self._template_by_name(db, project_id, name)
            template = template or self._insert_template(db, project_id, name)
            return self._insert_version(db, template, body, envs)

    def _insert_version(
        self, db: sqlite3.Connection, template: Template, body: dict[str, Any], envs: list[str]
    ) -> Version:
        new_id = str(uuid.uuid4())
        body_json = json.dumps(body)
        cursor = db.execute(
            "INSERT INTO versions (id, template_id, body) VALUES (?, ?, ?)",
            (new_id, template.id, body_json),
        )
        version = Version(new_id, template, body_json, int(cursor.lastrowid or 0))
        self._deploy(db, version, envs)
        return version

    def _version(
        self, db: sqlite3.Connection, project_id: str, template_id: str, version_id: str
    ) -> Version:
        template = self._template_by_id(db, project_id, template_id)
        row = db.execute(
            "SELECT id, body, seq FROM versions WHERE id = ? AND template_id = ? AND deleted = 0",
            (version_id, template.id),
        ).fetchone()
        if row is None:
            raise StoreError(404, "Prompt template version not found")
        return self._version_row(row, template)

    def version(self, project_id: str, template_id: str, version_id: str) -> Version:
        with self.reading() as db:
            return self._version(db, project_id, template_id, version_id)

    def list_versions(
        self, project_id: str, template_id: str, offset: int, limit: int, from_version: str | None
    ) -> list[Version]:
        with self.reading() as db:
            template = self._template_by_id(db, project_id, template_id)
            start = None
            if from_version is not None:
                row = db.execute(
                    "SELECT seq FROM versions WHERE id = ? AND template_id = ?",
                    (from_version, template.id),
                ).fetchone()
                if row is None:
                    raise StoreError(404, "Prompt template version not found")
                start = row["seq"]
            rows = db.execute(
                "SELECT id, body, seq FROM versions WHERE template_id = ? AND deleted = 0"
                " AND (? IS NULL OR seq <= ?) ORDER BY seq DESC LIMIT ? OFFSET ?",
                (template.id, start, start, limit, offset),
            ).fetchall()
        return [self._version_row(r, template) for r in rows]

    def delete_version(self, project_id: str, template_id: str, version_id: str) -> None:
        with self.transaction() as db:
            template = self._template_by_id(db, project_id, template_id)
            updated = db.execute(
                "UPDATE versions SET deleted = 1 WHERE id = ? AND template_id = ? AND deleted = 0",
                (version_id, template.id),
            ).rowcount
            if not updated:
                raise StoreError(404, "Prompt template version not found")
            db.execute("DELETE FROM deployments WHERE version_id = ?", (version_id,))

    def deploy(self, project_id: str, template_id: str, version_id: str, envs: list[str]) -> None:
        with self.transaction() as db:
            self._check_environments(db, envs)
            self._deploy(db, self._version(db, project_id, template_id, version_id), envs)

    def by_name(self, project_id: str, name: str, env: str) -> Version:
        with self.reading() as db:
            self._check_environments(db, [env])
            template = self._template_by_name(db, project_id, name)
            if template is None:
                raise StoreError(404, "Prompt template not found")
            version = self._deployed(db, template, env)
        if version is None:
            raise StoreError(404, f"Prompt template '{name}' has no version in environment '{env}'")
        return version

    def all_in(self, project_id: str, env: str) -> list[Version]:
        """Every template's version in one environment, ordered by template name."""
        with self.reading() as db:
            self._check_environments(db, [env])
            if env == LATEST:
                rows = db.execute(
                    "SELECT t.id AS tid, t.name, v.id, v.body, v.seq FROM templates t"
                    " JOIN versions v ON v.seq = (SELECT max(seq) FROM versions"
                    "  WHERE template_id = t.id AND deleted = 0)"
                    " WHERE t.project_id = ? AND t.archived = 0 ORDER BY t.name",
                    (project_id,),
                ).fetchall()
            else:
                rows = db.execute(
                    "SELECT t.id AS tid, t.name, v.id, v.body, v.seq FROM deployments d"
                    " JOIN templates t ON t.id = d.template_id AND t.archived = 0"
                    " JOIN versions v ON v.id = d.version_id AND v.deleted = 0"
                    " WHERE t.project_id = ? AND d.environment = ? ORDER BY t.name",
                    (project_id, env),
                ).fetchall()
        return [self._version_row(r, Template(r["tid"], project_id, r["name"])) for r in rows]
