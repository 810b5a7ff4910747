"""Git facts for plans: the commit, branch and dirtiness, and the commit that last changed a file.

These few facts come from the `git` executable directly (a handful of milliseconds); importing
GitPython costs a plan 0.2–0.4 s, so it is kept for `--changed-since` (gitdiff.py), which needs
its diffing. Without a git executable, or outside a repository, a plan carries no git facts.
"""

from __future__ import annotations

import contextlib
import subprocess
import threading
from collections.abc import Callable, Iterator
from concurrent.futures import Future
from pathlib import Path

from pydantic import BaseModel, ConfigDict


# Where a plan was made: the commit, the branch (None when detached), uncommitted changes. (No
# docstring: it would become a description in the committed plan JSON Schema.)
class GitInfo(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid", allow_inf_nan=False, defer_build=True)

    commit: str
    branch: str | None
    dirty: bool


_SHARED: dict[tuple[str, ...], Future[str | None]] | None = None
_SHARED_LOCK = threading.Lock()


@contextlib.contextmanager
def shared_answers() -> Iterator[None]:
    """Inside, each git question is asked once: the projects of one repository, planned at once
    (`plan --all`), ask the same ones (HEAD, status) while nothing changes the repository."""
    global _SHARED
    _SHARED = {}
    try:
        yield
    finally:
        _SHARED = None


def _git(where: Path, *args: str) -> str | None:
    """git's output, or None when git is missing or the command failed."""
    shared = _SHARED
    if shared is None:
        return _ask(where, *args)
    key = (str(where), *args)
    with _SHARED_LOCK:
        answer = shared.get(key)
        asking = answer is None
        if answer is None:
            answer = shared[key] = Future()
    if asking:
        answer.set_result(_ask(where, *args))
    return answer.result()


def run_git(
    where: Path, *args: str, errors: str = "replace", timeout: float = 60
) -> subprocess.CompletedProcess[str]:
    """git in `where`, paths unquoted; raises OSError (no git) or SubprocessError (timeout)."""
    return subprocess.run(
        ["git", "-c", "core.quotepath=off", "-C", str(where), *args],
        capture_output=True,
        text=True,
        encoding="utf-8",
        errors=errors,
        timeout=timeout,
        check=False,
    )


def _ask(where: Path, *args: str) -> str | None:
    try:
        done = run_git(where, *args)
    except (OSError, subprocess.SubprocessError):
        return None
    return done.stdout if done.returncode == 0 else None


def git_info(path: Path) -> tuple[GitInfo | None, Path | None]:
    """(commit, branch, dirty) of the repository containing `path`, and its top directory."""
    top = _git(path, "rev-parse", "--show-toplevel")
    if top is None:
        return None, None
    root = Path(top.strip())
    commit = _git(root, "rev-parse", "--verify", "--quiet", "HEAD")
    if not commit:  # a repository without commits yet
        return None, root
    branch = _git(root, "symbolic-ref", "--quiet", "--short", "HEAD")
    status = _git(root, "status", "--porcelain", "--untracked-files=all")
    info = GitInfo(
        commit=commit.strip(), branch=branch.strip() if branch else None, dirty=bool(status)
    )
    return info, root


def last_commit(top: Path, under: Path | None = None) -> Callable[[str], str | None]:
    """file path → the short commit that last changed it (a provenance that stays the same for
    the same content, whichever later commit deploys it); `<HEAD>+dirty` for a file with
    uncommitted changes; None outside git.

    In a shallow clone (CI checkouts are, by default) the commit that last changed a file may be
    older than the history that was fetched; the file's blob id is recorded then (`blob
    1a2b3c4`): content-addressed, so it is just as stable. One `git log` (limited to `under`,
    the prompts directory), one `git status` and, in a shallow clone, one `git ls-files`, on
    first use.
    """
    known: dict[str, str] = {}
    blobs: dict[str, str] = {}
    dirty: set[str] = set()
    head: list[str] = []  # filled on first use
    shallow: set[str] = set()

    def read() -> None:
        head.append((_git(top, "rev-parse", "--verify", "--quiet", "HEAD") or "").strip())
        where = []
        if under is not None and under.resolve().is_relative_to(top.resolve()):
            where = ["--", under.resolve().relative_to(top.resolve()).as_posix()]
        current = ""
        log = _git(top, "log", "--format=%x00%H", "--name-only", "--no-renames", *where) or ""
        for line in log.splitlines():
            if line.startswith("\0"):
                current = line[1:]
            elif line and line not in known:
                known[line] = current
        for line in (
            _git(top, "status", "--porcelain", "--untracked-files=all") or ""
        ).splitlines():
            dirty.add(line[3:].split(" -> ")[-1].strip('"'))
        if (_git(top, "rev-parse", "--is-shallow-repository") or "").strip() == "true":
            boundary = _git(top, "rev-parse", "--git-path", "shallow") or ""
            with contextlib.suppress(OSError):
                shallow.update((top / boundary.strip()).read_text().split())
            for line in (_git(top, "ls-files", "-s", *where) or "").splitlines():
                meta, _, name = line.partition("\t")
                blobs[name] = meta.split()[1] if len(meta.split()) > 1 else ""

    def commit_of(path: str) -> str | None:
        if not head:
            read()
        try:
            rel = Path(path).resolve().relative_to(top.resolve()).as_posix()
        except ValueError:
            return None
        if rel in dirty or rel not in known:
            return f"{head[-1][:7]}+dirty" if head[-1] else None
        if known[rel] in shallow and blobs.get(rel):
            return f"blob {blobs[rel][:7]}"
        return known[rel][:7]

    return commit_of
