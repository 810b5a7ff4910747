"""The prompt files on disk as `pull` sees them: what exists, what would change, safe writes.

A target is written where it really is (through a symbolic link inside the project), and
never outside the project: a link that leads out of it is refused before anything is written.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

from promptsync.errors import LoadError, PromptsyncError
from promptsync.kinds.prompts.load import display_path, find_prompt_files, parse_prompt
from promptsync.kinds.prompts.pull import PulledFile
from promptsync.repo.config import SCHEMA_BASE
from promptsync.repo.files import write_atomically
from promptsync.repo.settings import Settings
from promptsync.repo.yamlwrite import prompt_file_text


def schema_ref(settings: Settings) -> str:
    """What pulled files' `$schema` comment points at: the repository's own copy, if any."""
    local = settings.root / "schemas" / "prompt.schema.json"
    if local.is_file():
        return Path(os.path.relpath(local, settings.prompts_dir)).as_posix()
    return f"{SCHEMA_BASE}/prompt.schema.json"


def text_of(pulled: PulledFile) -> str:
    return prompt_file_text(pulled.document, pulled.schema_ref)


@dataclass(frozen=True)
class Skipped:
    """A template pull does not write, and why."""

    template: str
    reason: str


def valid_files(
    files: list[PulledFile], prompts_dir: Path, backend: str
) -> tuple[list[PulledFile], list[Skipped]]:
    """The files `validate` would accept, and the templates skipped because one of their files
    would not (a template is written whole or not at all): text a registry serves, such as a
    positional f-string field, can be a version no prompt file may declare."""
    rejected: dict[str, str] = {}
    for pulled in files:
        if pulled.template in rejected:
            continue
        shown = display_path(prompts_dir / pulled.relative_path)
        try:
            parse_prompt(text_of(pulled).encode("utf-8"), shown, backend)
        except LoadError as exc:
            first = next(i for i in exc.issues if i.severity == "error")
            rejected[pulled.template] = (
                f"its version would not be a valid prompt file ({first.message})"
            )
    kept = [f for f in files if f.template not in rejected]
    return kept, [Skipped(name, reason) for name, reason in rejected.items()]


def existing_files(prompts_dir: Path, backend: str = "freeplay") -> dict[str, list[Path]]:
    """Template name → files already defining it (files that do not parse are left alone)."""
    found: dict[str, list[Path]] = {}
    if not prompts_dir.is_dir():
        return found
    for path in find_prompt_files(prompts_dir):
        try:
            source, _ = parse_prompt(path.read_bytes(), display_path(path), backend)
        except (LoadError, OSError):
            continue
        found.setdefault(source.prompt.name, []).append(path)
    return found


def outside(path: Path, root: Path) -> str | None:
    """Why writing `path` would leave `root` through a symbolic link (None: it would not)."""
    real = Path(os.path.realpath(path))
    if real.is_relative_to(Path(os.path.realpath(root))):
        return None
    link = next((p for p in (path, *path.parents) if p.is_symlink()), path)
    return (
        f"{display_path(link)} is a symbolic link to {os.path.realpath(link)}, outside the project"
    )


@dataclass(frozen=True)
class FileChange:
    symbol: str  # "+" new, "~" replaced, "-" removed
    path: Path  # as the user sees it (inside the prompts directory)
    pulled: PulledFile | None


def file_changes(
    prompts_dir: Path, files: list[PulledFile], existing: dict[str, list[Path]]
) -> tuple[list[FileChange], list[Path]]:
    """(what pull would do, the targets that are already up to date)."""
    targets = {(prompts_dir / f.relative_path).absolute(): f for f in files}
    changes: list[FileChange] = []
    same: list[Path] = []
    for path, pulled in targets.items():
        if not path.exists() and not path.is_symlink():
            changes.append(FileChange("+", path, pulled))
            continue
        if path.is_dir():
            raise PromptsyncError(f"pull: {display_path(path)} is a directory, not a prompt file")
        try:
            current = path.read_bytes()
        except OSError as exc:
            raise PromptsyncError(
                f"pull: cannot read {display_path(path)}: {exc.strerror}"
            ) from None
        if current != text_of(pulled).encode("utf-8"):
            changes.append(FileChange("~", path, pulled))
        else:
            same.append(path)
    real_targets = {Path(os.path.realpath(p)) for p in targets}
    for name in sorted({f.template for f in files}):
        for path in existing.get(name, []):
            if Path(os.path.realpath(path)) not in real_targets:
                changes.append(FileChange("-", path.absolute(), None))
    return changes, same


def write_changes(changes: list[FileChange], root: Path) -> None:
    """Write every change, or (when any target would leave the project) nothing at all."""
    escaping = [why for c in changes if (why := outside(c.path, root))]
    if escaping:
        raise PromptsyncError(f"pull: {'; '.join(escaping)}; nothing was written")
    for change in sorted(changes, key=lambda c: (c.path.as_posix(), c.symbol)):
        if change.pulled is None:
            change.path.unlink()
        else:
            real = Path(os.path.realpath(change.path))
            real.parent.mkdir(parents=True, exist_ok=True)
            write_atomically(real, text_of(change.pulled))
