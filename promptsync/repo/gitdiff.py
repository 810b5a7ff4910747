"""`--changed-since REF`: which files differ from a git revision (GitPython), and what each file
that changed was named at that revision (a kind says how to read a name from its old bytes)."""

from __future__ import annotations

import os
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

# Without a git executable GitPython refuses to import; --changed-since then says so.
os.environ.setdefault("GIT_PYTHON_REFRESH", "quiet")

import git

from promptsync.errors import PromptsyncError

# (the file's bytes, its path) -> the name it gave its resource, or None when it names none
NameReader = Callable[[bytes, str], str | None]


@dataclass(frozen=True)
class ChangedFiles:
    """Files that differ from a ref (committed, staged, unstaged or untracked), and the template
    names those files had at the ref (so deleted or renamed templates stay in scope)."""

    paths: frozenset[Path]
    removed_names: frozenset[str]


def changed_since(path: Path, ref: str, name_of: NameReader) -> ChangedFiles:
    try:
        repo = git.Repo(path, search_parent_directories=True)
    except (git.InvalidGitRepositoryError, git.NoSuchPathError):
        raise PromptsyncError(f"--changed-since: {path} is not inside a git repository") from None
    try:
        base = repo.commit(ref)
    except (git.BadName, ValueError):
        raise PromptsyncError(f"--changed-since: unknown git revision {ref!r}") from None
    top = Path(repo.working_tree_dir or path)
    paths: set[Path] = set()
    removed: set[str] = set()
    try:
        for item in base.diff(None):  # the ref against the working tree
            if item.b_path and not item.deleted_file:
                paths.add((top / item.b_path).resolve())
            if item.a_blob is not None:  # deleted, renamed, or a `name:` that changed
                blob = item.a_blob
                name = name_of(blob.data_stream.read(), str(blob.path))
                if name is not None:
                    removed.add(name)
        paths.update((top / p).resolve() for p in repo.untracked_files)
    except (git.GitCommandError, git.GitCommandNotFound, OSError) as exc:
        raise PromptsyncError(f"--changed-since: git failed ({type(exc).__name__})") from None
    return ChangedFiles(frozenset(paths), frozenset(removed))
