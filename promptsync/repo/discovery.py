"""Which files are prompt files: the walk of the prompts directory, symbolic links included.

Every regular file named `*.yaml` / `*.yml` (any letter case), at any depth; hidden directories
are skipped. A symbolic link, to a file or a directory, is followed when its target is inside the
project (the directory holding promptsync.yaml) or the prompts directory; a link that points
elsewhere, or at nothing, is an error naming the link and its target, and nothing is read through
it. Each real directory is read once, so a link that leads back into the directory being read (a
loop) or to one already read is an error, never an endless or exponential walk.
"""

from __future__ import annotations

import errno
import heapq
import os
import stat
from dataclasses import dataclass, field
from pathlib import Path

from promptsync.errors import Issue, LoadError

PROMPT_SUFFIXES = (".yaml", ".yml")


def is_prompt_name(name: str) -> bool:
    return name.lower().endswith(PROMPT_SUFFIXES)


def printable(text: str) -> str:
    """A file name as valid text: bytes that are not UTF-8 (Linux allows them) shown as `\\xe9`,
    so no output, JSON document or PR comment carries an unencodable character."""
    if text.isascii():
        return text
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return text.encode("utf-8", "surrogateescape").decode("utf-8", "backslashreplace")
    return text


def display_path(path: Path | str) -> str:
    """A path as users see it in messages: relative to the working directory (`../x` above it)."""
    path = Path(path)
    try:
        shown = Path(os.path.relpath(path)).as_posix() if path.is_absolute() else path.as_posix()
    except ValueError:  # pragma: no cover - different drive on Windows
        shown = path.as_posix()
    return printable(shown)


def inside(path: str, directory: str) -> bool:
    """Whether `path` is `directory` or below it (both already resolved)."""
    return path == directory or path.startswith(directory.rstrip(os.sep) + os.sep)


@dataclass(frozen=True)
class FoundFile:
    path: str  # to open
    shown: str  # for messages


@dataclass
class PromptTree:
    """The prompt files found, in a stable order, and the links that could not be followed."""

    files: list[FoundFile] = field(default_factory=list)
    issues: list[Issue] = field(default_factory=list)


@dataclass
class _Walk:
    allowed: tuple[str, ...]  # resolved directories links may point into
    tree: PromptTree = field(default_factory=PromptTree)
    read_dirs: dict[str, str] = field(default_factory=dict)  # resolved directory → shown

    def problem(self, shown: str, message: str) -> None:
        self.tree.issues.append(Issue(shown, 0, 0, message))

    def link(self, entry: os.DirEntry[str], shown: str, parent: str) -> str | None:
        """The resolved directory to walk into for this link, if any; files are added here."""
        target = os.path.realpath(entry.path)
        try:
            mode = entry.stat().st_mode  # follows the link
        except OSError as exc:
            if entry.name.startswith("."):  # editor lock files (.#a.yaml) are dangling links
                return None
            what = "a loop of links" if exc.errno == errno.ELOOP else "nothing"
            self.problem(shown, f"symbolic link to {target} points to {what}")
            return None
        directory = stat.S_ISDIR(mode)
        if directory and entry.name.startswith("."):
            return None  # hidden directories are skipped, linked or not
        if not directory and not is_prompt_name(entry.name):
            return None  # not a prompt file: never read, wherever it points
        if not any(inside(target, allowed) for allowed in self.allowed):
            self.problem(shown, f"symbolic link to {target} points outside the project")
            return None
        if not directory:
            if stat.S_ISREG(mode):
                self.tree.files.append(FoundFile(entry.path, shown))
            else:
                self.problem(shown, f"symbolic link to {target}, which is not a regular file")
            return None
        if inside(parent, target):  # its target holds the link: following it comes back here
            self.problem(shown, f"symbolic link to {target} makes a loop: it is inside its target")
            return None
        if target in self.read_dirs:
            first = self.read_dirs[target]
            self.problem(shown, f"symbolic link to {target}, a directory already read as {first}")
            return None
        return target


def walk_prompts(prompts_dir: Path, root: Path | None = None) -> PromptTree:
    """Every prompt file under `prompts_dir`; `root` is the project (default: its parent)."""
    top = os.path.realpath(prompts_dir)
    project = os.path.realpath(root if root is not None else prompts_dir.parent)
    walk = _Walk(allowed=(project, top))
    shown_top = display_path(prompts_dir)
    walk.read_dirs[top] = shown_top
    # Real directories are listed before any link is followed, and links in path order, so a
    # link to a directory that is also there for real is the one reported, always the same one.
    # Entries: (directory to list, how it is shown, its resolved path).
    directories = [(str(prompts_dir), shown_top, top)]
    links: list[tuple[str, os.DirEntry[str], str]] = []  # (shown, link, its resolved directory)
    while directories or links:  # loops, not recursion: a deep tree is no problem
        if not directories:
            shown, entry, parent = heapq.heappop(links)
            real = walk.link(entry, shown, parent)
            if real is not None:
                walk.read_dirs[real] = shown
                directories.append((entry.path, shown, real))
            continue
        directory, shown_dir, real_dir = directories.pop()
        try:
            with os.scandir(directory) as listing:
                entries = list(listing)
        except OSError as exc:
            walk.problem(shown_dir, f"cannot read directory: {exc.strerror}")
            continue
        for entry in entries:
            name = printable(entry.name)
            shown = name if shown_dir == "." else f"{shown_dir}/{name}"
            if entry.is_symlink():
                heapq.heappush(links, (shown, entry, real_dir))
            elif entry.is_dir(follow_symlinks=False):
                if not entry.name.startswith("."):
                    real = f"{real_dir}/{entry.name}"
                    walk.read_dirs[real] = shown
                    directories.append((entry.path, shown, real))
            elif is_prompt_name(entry.name):
                if entry.is_file(follow_symlinks=False):
                    walk.tree.files.append(FoundFile(entry.path, shown))
                else:  # a FIFO or device would block or never end
                    walk.problem(shown, "not a regular file")
    walk.tree.files.sort(key=lambda f: f.shown)
    return walk.tree


def find_prompt_files(prompts_dir: Path, root: Path | None = None) -> list[Path]:
    """The prompt files `walk_prompts` finds, as paths (links that cannot be followed left out)."""
    return [Path(f.path) for f in walk_prompts(prompts_dir, root).files]


def escapes_root(path: Path, root: Path) -> str | None:
    """Why writing to `path` would leave the project `root` (through a symbolic link, or being
    outside it to begin with); None when the write stays inside."""
    project = os.path.realpath(root)
    resolved = os.path.realpath(path)
    if inside(resolved, project):
        return None
    current = Path()
    for part in Path(path).absolute().parts:  # name the link that leads out, if one does
        current = current / part
        if current.is_symlink() and not inside(os.path.realpath(current), project):
            target = os.path.realpath(current)
            return f"{display_path(current)} is a symbolic link to {target}, outside the project"
    return f"{display_path(path)} is outside the project ({resolved})"


def read_tree(
    directory: Path, root: Path, too_big: str = ""
) -> tuple[list[tuple[FoundFile, bytes]], list[Issue]]:
    """Every YAML file under `directory` (none when it does not exist) with its bytes, and every
    problem finding or reading them (`too_big` is added to the size limit's message)."""
    from promptsync.repo.yamlread import read_capped  # yaml only when files are read

    if not directory.is_dir():
        return [], []
    tree = walk_prompts(directory, root)
    issues = list(tree.issues)
    read: list[tuple[FoundFile, bytes]] = []
    for found in tree.files:
        try:
            read.append((found, read_capped(found.path, found.shown, too_big)))
        except OSError as exc:
            issues.append(Issue(found.shown, 1, 1, f"cannot read file: {exc.strerror}"))
        except LoadError as exc:
            issues += exc.issues
    return read, issues
