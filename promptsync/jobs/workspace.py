"""The files on disk as `pull` sees them (prompt files and dataset files): what exists, what would
change, safe writes.

A target is written where it really is (through a symbolic link inside the project), and
never outside the project: a link that leads out of it is refused before anything is written.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

from promptsync.errors import LoadError, PromptsyncError
from promptsync.kinds.datasets.load import check_dataset, check_datasets
from promptsync.kinds.datasets.pull import pull_dataset
from promptsync.kinds.datasets.remote import RemoteDatasets
from promptsync.kinds.prompts.load import display_path, find_prompt_files, parse_prompt
from promptsync.kinds.prompts.pull import PulledFile, file_stem
from promptsync.repo.config import SCHEMA_BASE
from promptsync.repo.files import write_atomically
from promptsync.repo.settings import Settings
from promptsync.repo.yamlwrite import dataset_file_text, prompt_file_text


def schema_ref(settings: Settings, kind: str = "prompt", directory: Path | None = None) -> str:
    """What pulled files' `$schema` comment points at: the repository's own copy, if any."""
    local = settings.root / "schemas" / f"{kind}.schema.json"
    if local.is_file():
        return Path(os.path.relpath(local, directory or settings.prompts_dir)).as_posix()
    return f"{SCHEMA_BASE}/{kind}.schema.json"


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
    """ "template:<name>" → files already defining it (files that do not parse are left alone)."""
    found: dict[str, list[Path]] = {}
    if not prompts_dir.is_dir():
        return found
    for path in find_prompt_files(prompts_dir):
        try:
            source, _ = parse_prompt(path.read_bytes(), display_path(path), backend)
        except (LoadError, OSError):
            continue
        found.setdefault(f"template:{source.prompt.name}", []).append(path)
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
class Target:
    """A file pull writes: the resource it belongs to, where, and what it holds."""

    owner: str  # "template:<name>" or "dataset:<name>"
    path: Path  # absolute, or relative to the current directory
    text: str


@dataclass(frozen=True)
class FileChange:
    symbol: str  # "+" new, "~" replaced, "-" removed
    path: Path  # as the user sees it
    text: str | None  # None: removed


def prompt_targets(prompts_dir: Path, files: list[PulledFile]) -> list[Target]:
    return [
        Target(f"template:{f.template}", prompts_dir / f.relative_path, text_of(f)) for f in files
    ]


def file_changes(
    targets: list[Target], existing: dict[str, list[Path]]
) -> tuple[list[FileChange], list[Path]]:
    """(what pull would do, the targets that are already up to date). `existing`: owner →
    the files that define it today (removed when the pull writes it elsewhere)."""
    by_path = {t.path.absolute(): t for t in targets}
    changes: list[FileChange] = []
    same: list[Path] = []
    for path, target in by_path.items():
        if not path.exists() and not path.is_symlink():
            changes.append(FileChange("+", path, target.text))
            continue
        if path.is_dir():
            raise PromptsyncError(f"pull: {display_path(path)} is a directory, not a file")
        try:
            current = path.read_bytes()
        except OSError as exc:
            raise PromptsyncError(
                f"pull: cannot read {display_path(path)}: {exc.strerror}"
            ) from None
        if current != target.text.encode("utf-8"):
            changes.append(FileChange("~", path, target.text))
        else:
            same.append(path)
    real_targets = {Path(os.path.realpath(p)) for p in by_path}
    for owner in sorted({t.owner for t in targets}):
        for path in existing.get(owner, []):
            if Path(os.path.realpath(path)) not in real_targets:
                changes.append(FileChange("-", path.absolute(), None))
    return changes, same


def write_changes(changes: list[FileChange], root: Path) -> None:
    """Write every change, or (when any target would leave the project) nothing at all."""
    escaping = [why for c in changes if (why := outside(c.path, root))]
    if escaping:
        raise PromptsyncError(f"pull: {'; '.join(escaping)}; nothing was written")
    for change in sorted(changes, key=lambda c: (c.path.as_posix(), c.symbol)):
        if change.text is None:
            change.path.unlink()
        else:
            real = Path(os.path.realpath(change.path))
            real.parent.mkdir(parents=True, exist_ok=True)
            write_atomically(real, change.text)


def dataset_targets(
    datasets_dir: Path, remote: RemoteDatasets, schema_ref: str
) -> tuple[list[Target], list[str]]:
    """The dataset files pull writes (and a warning per dataset it writes only in part)."""
    targets: list[Target] = []
    warnings: list[str] = []
    folded: dict[str, int] = {}
    for name in remote.datasets:
        folded[name.lower()] = folded.get(name.lower(), 0) + 1
    for name, found in sorted(remote.datasets.items()):
        stem = file_stem(name, folded_collision=folded[name.lower()] > 1)
        pulled = pull_dataset(found, stem)
        owner = f"dataset:{name}"
        text = dataset_file_text(pulled.document, schema_ref)
        if pulled.cases_text is None:  # checked with validate's own rules before it is written
            path = datasets_dir / f"{stem}.yaml"
            _, issues = check_dataset(text.encode(), display_path(path), datasets_dir, "any")
            errors = [i for i in issues if i.severity == "error"]
            if errors:
                warnings.append(
                    f"skipped dataset {name}: it would not be a valid dataset file"
                    f" ({errors[0].message})"
                )
                continue
        targets.append(Target(owner, datasets_dir / f"{stem}.yaml", text))
        if pulled.cases_text is not None:
            targets.append(Target(owner, datasets_dir / f"{stem}.jsonl", pulled.cases_text))
        if pulled.skipped:
            warnings.append(
                f"dataset {name}: {pulled.skipped} test case(s) cannot be read and were left out"
            )
    return targets, warnings


def existing_datasets(datasets_dir: Path, root: Path, backend: str) -> dict[str, list[Path]]:
    """ "dataset:<name>" → the files defining it today (its file and its cases file)."""
    sources, _ = check_datasets(datasets_dir, root, backend)
    return {
        f"dataset:{s.name}": sorted(
            {Path(s.path), *(Path(p.rsplit(":", 1)[0]) for p in s.case_places)}
        )
        for s in sources
    }
