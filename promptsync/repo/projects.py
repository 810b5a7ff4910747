"""The projects of a repository (`--all`): every `promptsync.yaml` git tracks, and which of them
have files that changed since a revision. Facts from the `git` executable (milliseconds; no
GitPython), returned as paths; what a project *is* is decided by jobs/projects.py.
"""

from __future__ import annotations

import hashlib
import re
import subprocess
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

from promptsync.errors import PromptsyncError
from promptsync.repo.gitinfo import run_git
from promptsync.repo.settings import CONFIG_NAMES


@dataclass(frozen=True)
class ProjectConfig:
    """A tracked config: `path` is its directory relative to the repository's top ("." for the
    top itself), "/"-separated; `config` is the file on disk."""

    path: str
    config: Path

    @property
    def directory(self) -> Path:
        return self.config.parent


def _git(where: Path, *args: str) -> str:
    """git's output; a failure is one line naming the command."""
    try:
        done = run_git(where, *args, errors="surrogateescape", timeout=120)
    except FileNotFoundError:
        raise PromptsyncError("--all needs the git executable, and none was found") from None
    except (OSError, subprocess.SubprocessError) as exc:
        raise PromptsyncError(f"git {args[0]} failed ({type(exc).__name__})") from None
    if done.returncode != 0:
        first = (done.stderr.strip().splitlines() or ["(no message)"])[0]
        raise PromptsyncError(f"git {args[0]}: {first}")
    return done.stdout


def repository_top(cwd: Path) -> Path:
    try:
        return Path(_git(cwd, "rev-parse", "--show-toplevel").strip())
    except PromptsyncError as exc:
        if "not a git repository" in str(exc):
            raise PromptsyncError(
                f"--all: {cwd} is not inside a git repository (--all finds the projects among"
                " the files git tracks)"
            ) from None
        raise


def choose_configs(top: Path, tracked: Iterable[str]) -> list[ProjectConfig]:
    """One project per directory holding a tracked config (promptsync.yaml before .yml, as
    `--config` discovery prefers it), sorted by path. Nothing under `.github/` counts: that is
    where `promptsync init` puts its workflow, `.github/workflows/promptsync.yml`. Pure:
    `tracked` are repository paths."""
    found: dict[str, str] = {}
    for name in tracked:
        pure = PurePosixPath(name)
        if pure.name not in CONFIG_NAMES or ".github" in pure.parts:
            continue
        directory = pure.parent.as_posix()
        best = found.get(directory)
        if best is None or CONFIG_NAMES.index(pure.name) < CONFIG_NAMES.index(best):
            found[directory] = pure.name
    return [
        ProjectConfig(directory, top / directory / found[directory])
        for directory in sorted(found, key=lambda d: (d != ".", d))
    ]


def tracked_configs(cwd: Path) -> tuple[Path, list[ProjectConfig]]:
    """(the repository's top, every config git tracks at or below `cwd` that exists on disk)."""
    top = repository_top(cwd)
    patterns = [f"*{n}" for n in CONFIG_NAMES]
    listed = _git(cwd, "ls-files", "-z", "--full-name", "--", *patterns)
    configs = [c for c in choose_configs(top, listed.split("\0")) if c.config.is_file()]
    if not configs:
        others = _git(cwd, "ls-files", "-z", "--full-name", "--others", "--exclude-standard")
        untracked = choose_configs(top, others.split("\0"))
        hint = (
            f" ({untracked[0].config.relative_to(top).as_posix()} is not tracked yet: `git add` it)"
            if untracked
            else ""
        )
        raise PromptsyncError(f"--all: git tracks no promptsync.yaml in {cwd} or below{hint}")
    return top, configs


def changed_paths(top: Path, ref: str) -> frozenset[str]:
    """Repository paths that differ between `ref` and the working tree — committed, staged,
    unstaged, deleted, or untracked — as "/"-separated paths relative to `top`."""
    try:
        _git(top, "rev-parse", "--verify", "--quiet", f"{ref}^{{commit}}")
    except PromptsyncError:
        raise PromptsyncError(f"--changed-since: unknown git revision {ref!r}") from None
    diff = _git(top, "diff", "--name-only", "-z", "--no-renames", ref, "--")
    untracked = _git(top, "ls-files", "-z", "--others", "--exclude-standard")
    return frozenset(p for p in (*diff.split("\0"), *untracked.split("\0")) if p)


def touched(directories: Sequence[str], changed: Iterable[str]) -> bool:
    """Whether any changed repository path lies in one of `directories` (repository paths,
    "." for the top). Pure."""
    for path in changed:
        for directory in directories:
            if directory in (".", path) or path.startswith(directory + "/"):
                return True
    return False


_UNSAFE = re.compile(r"[^A-Za-z0-9_.-]+")


def branch_slugs(paths: Sequence[str]) -> dict[str, str]:
    """A branch-name part for each project path: `services/support` → `services-support`, the
    top → `root`. Names that would collide (`a-b/c`, `a/b-c`) get 6 hex digits of the path's
    SHA-256, so every project keeps its own branch. Pure."""
    plain = {p: _slug(p) for p in paths}
    counts: dict[str, int] = {}
    for slug in plain.values():
        counts[slug] = counts.get(slug, 0) + 1
    return {
        p: s if counts[s] == 1 else f"{s}-{hashlib.sha256(p.encode()).hexdigest()[:6]}"
        for p, s in plain.items()
    }


def _slug(path: str) -> str:
    if path in ("", "."):
        return "root"
    slug = _UNSAFE.sub("-", path.replace("/", "-")).strip("-.")
    slug = re.sub(r"\.{2,}", ".", slug).removesuffix(".lock")
    return slug[:80] or "project"
