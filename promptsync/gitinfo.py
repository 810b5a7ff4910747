"""Git facts for plans: the commit, branch and dirtiness, and which files changed since a ref."""

from __future__ import annotations

import os
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

# Without a git executable GitPython refuses to import; plans then simply carry no git info.
os.environ.setdefault("GIT_PYTHON_REFRESH", "quiet")

import git

from promptsync.errors import LoadError, PromptsyncError
from promptsync.load import parse_prompt
from promptsync.plan_models import GitInfo


def _repo(path: Path) -> git.Repo | None:
    try:
        return git.Repo(path, search_parent_directories=True)
    except (git.InvalidGitRepositoryError, git.NoSuchPathError):
        return None


_GIT_FAILURES = (git.GitCommandError, git.GitCommandNotFound, OSError)


def git_info(path: Path) -> tuple[GitInfo | None, Path | None]:
    """(commit, branch, dirty) of the repository containing `path`, and its top directory."""
    repo = _repo(path)
    if repo is None:
        return None, None
    try:
        commit = repo.head.commit.hexsha
    except ValueError:  # a repository without commits yet
        return None, Path(repo.working_tree_dir or path)
    try:
        branch = None if repo.head.is_detached else repo.active_branch.name
        dirty = repo.is_dirty(untracked_files=True)
    except _GIT_FAILURES:  # no usable git executable: the commit is known, the rest is not
        return GitInfo(commit=commit, branch=None, dirty=False), Path(repo.working_tree_dir or path)
    return GitInfo(commit=commit, branch=branch, dirty=dirty), Path(repo.working_tree_dir or path)


def last_commit(top: Path) -> Callable[[str], str | None]:
    """file path → the commit that last changed it (a provenance that stays the same for the
    same content, whichever later commit deploys it); `<HEAD>+dirty` for a file with
    uncommitted changes; None outside git. One `git log` and one `git status`, on first use."""
    repo = _repo(top)
    if repo is None:
        return lambda _path: None
    known: dict[str, str] = {}
    dirty: set[str] = set()
    head: list[str] = []  # filled on first use

    def read() -> None:
        try:
            head.append(repo.head.commit.hexsha)
            current = ""
            git_ = repo.git(c="core.quotepath=off")
            for line in git_.log("--format=%x00%H", "--name-only", "--no-renames").splitlines():
                if line.startswith("\0"):
                    current = line[1:]
                elif line and line not in known:
                    known[line] = current
            for line in git_.status("--porcelain", "--untracked-files=all").splitlines():
                dirty.add(line[3:].split(" -> ")[-1].strip('"'))
        except (*_GIT_FAILURES, ValueError):
            return

    def commit_of(path: str) -> str | None:
        if not head:
            head.append("")
            read()
        try:
            rel = Path(path).resolve().relative_to(top.resolve()).as_posix()
        except ValueError:
            return None
        if rel in dirty or rel not in known:
            return f"{head[-1][:7]}+dirty" if head[-1] else None
        return known[rel][:7]

    return commit_of


@dataclass(frozen=True)
class ChangedFiles:
    """Files that differ from a ref (committed, staged, unstaged or untracked), and the template
    names those files had at the ref (so deleted or renamed templates stay in scope)."""

    paths: frozenset[Path]
    removed_names: frozenset[str]


def _name_in_blob(blob: git.Blob) -> str | None:
    try:
        source, _ = parse_prompt(blob.data_stream.read(), str(blob.path))
    except LoadError:
        return None
    return source.prompt.name


def changed_since(path: Path, ref: str) -> ChangedFiles:
    repo = _repo(path)
    if repo is None:
        raise PromptsyncError(f"--changed-since: {path} is not inside a git repository")
    try:
        base = repo.commit(ref)
    except (git.BadName, ValueError):
        raise PromptsyncError(f"--changed-since: unknown git revision {ref!r}") from None
    top = Path(repo.working_tree_dir or path)
    paths: set[Path] = set()
    removed: set[str] = set()
    for item in base.diff(None):  # the ref against the working tree
        if item.b_path and not item.deleted_file:
            paths.add((top / item.b_path).resolve())
        if item.a_blob is not None:  # deleted, renamed, or a `name:` that changed
            name = _name_in_blob(item.a_blob)
            if name is not None:
                removed.add(name)
    paths.update((top / p).resolve() for p in repo.untracked_files)
    return ChangedFiles(frozenset(paths), frozenset(removed))
