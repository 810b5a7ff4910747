"""Files → checked data and models, with every problem reported as `path:line:column: message`.

Each file goes through every check whose input is readable, so one mistake never hides another:
YAML problems that still leave data (duplicate keys, tabs), the model's field errors, then the
semantic checks (mustache, declared variables, duplicate tools and media slots) on whatever parts
have the right shape, then the checks across files for every file whose name and environments
are readable. Files are checked in path order and cross-file problems are reported on the later
file, so nothing of a file needs to be kept once it is checked.

Pydantic is imported only to build models (plan, render) or to explain a file that the
pydantic-free shape check cannot vouch for: `validate` of a valid repository never imports it.
"""

from __future__ import annotations

import bisect
import functools
import os
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from promptsync.errors import Issue, LoadError
from promptsync.locate import describe, hint, mark
from promptsync.prompt_files import FoundFile, display_path, find_prompt_files, walk_prompts
from promptsync.rules import CREDENTIAL_KEY, is_variable_name
from promptsync.shape import config_ok, environment_ok, prompt_file_ok, template_name_ok
from promptsync.templating import mustache
from promptsync.yamlread import MAX_BYTES, DataPath, Document, parse_document, size_error

if TYPE_CHECKING:
    from promptsync.desired import LoadedPrompts, PromptSource
    from promptsync.models import Config, PromptFile

__all__ = [
    "CheckedPrompts",
    "check_prompts",
    "display_path",
    "find_prompt_files",
    "load_prompts",
    "parse_config",
    "parse_prompt",
    "quick_config",
]


# Undeclared-variable hints compare every undeclared name with every declared one: bounded.
_HINT_BUDGET = 100_000
_TAG_ROOT = re.compile(r"\{\{\{?[#^/&]?\s*([^\s{}.]+)")


def _read(file: FoundFile) -> bytes:
    with open(file.path, "rb") as handle:  # noqa: PTH123 - a plain path string, opened once
        raw = handle.read(MAX_BYTES + 1)
        if len(raw) > MAX_BYTES:  # never read all of a huge file just to refuse it
            raise size_error(file.shown, os.fstat(handle.fileno()).st_size)
    return raw


# --- checks inside one file -------------------------------------------------------------------


_CACHED_CONTENT_MAX = 8 * 1024  # characters: the cache holds at most 2,048 x 8 KiB of text


def _variable_use(content: str) -> mustache.VariableUse | mustache.MustacheError:
    """What a message uses (or why it does not parse)."""
    if "{{" not in content:  # no tag, nothing to parse
        return mustache.VariableUse()
    found = _cached_use(content) if len(content) <= _CACHED_CONTENT_MAX else _use(content)
    return mustache.MustacheError(*found) if isinstance(found, tuple) else found


@functools.lru_cache(maxsize=2048)
def _cached_use(content: str) -> mustache.VariableUse | tuple[str, int]:
    """Versions of a template often share their messages: each is parsed once."""
    return _use(content)


def _use(content: str) -> mustache.VariableUse | tuple[str, int]:
    try:
        return mustache.variables(content)
    except mustache.MustacheError as exc:  # kept as data: an exception holds its frames
        return str(exc), exc.position


def _occurrences(text: str, tag: str, start: int = 0, end: int | None = None) -> list[int]:
    """Every index where `tag` starts, overlapping ones included (`{{{` holds two `{{`)."""
    found = []
    index = text.find(tag, start, end)
    while index >= 0:
        found.append(index)
        index = text.find(tag, index + 1, end)
    return found


class _ContentSpots:
    """File positions of offsets in one message's text, for every YAML scalar style.

    The n-th `{{` of the text is the n-th `{{` of its source span (escapes aside), so each tag is
    found by counting; the occurrences are listed once per text, however many problems it has.
    """

    def __init__(self, doc: Document, path: DataPath, content: str) -> None:
        self.doc, self.path, self.content = doc, path, content
        self.found: dict[str, tuple[list[int], list[int]]] = {}

    def position(self, offset: int) -> tuple[int, int]:
        tag = self.content[offset : offset + 2]
        if not tag:
            return mark(self.doc, self.path)
        if tag not in self.found:
            start, end = self.doc.spans.get(self.path, (0, 0))
            self.found[tag] = (
                _occurrences(self.content, tag),
                _occurrences(self.doc.text, tag, start, end),
            )
        in_content, in_source = self.found[tag]
        nth = bisect.bisect_left(in_content, offset)
        if nth >= len(in_source):
            return mark(self.doc, self.path)
        return self.doc.position(in_source[nth])


def _first_tags(content: str) -> dict[str, int]:
    """Offset of the first tag using each top-level name (one pass, however many tags)."""
    found: dict[str, int] = {}
    for match in _TAG_ROOT.finditer(content):
        found.setdefault(match.group(1), match.start())
    return found


def _duplicates(items: Iterable[tuple[int, Any]]) -> Iterable[tuple[int, str]]:
    """(index, name) of every name already seen, for the readable (string) names given."""
    seen: set[str] = set()
    for index, name in items:
        if type(name) is str and name:
            if name in seen:
                yield index, name
            seen.add(name)


def _named(items: Any, key: str) -> Iterable[tuple[int, Any]]:
    if type(items) is not list:
        return []
    return ((i, item.get(key)) for i, item in enumerate(items) if type(item) is dict)


class _FileChecks:
    """The semantic checks of one prompt file, on whatever parts of its data are readable."""

    def __init__(self, doc: Document, data: dict[str, Any]) -> None:
        self.doc = doc
        self.data = data
        self.issues: list[Issue] = []
        variables = data.get("variables")
        self.declared = list(variables) if type(variables) is dict else None

    def error(self, path: DataPath, message: str, key: bool = False) -> None:
        line, col = mark(self.doc, path, key)
        self.issues.append(self.doc.issue(line, col, message))

    def run(self) -> list[Issue]:
        used = self.messages()
        for i, name in _duplicates(_named(self.data.get("tool_schema"), "name")):
            message = f"tool_schema[{i}]: tool {name!r} is defined twice"
            self.error(("tool_schema", i, "name"), message)
        if self.declared is not None and used is not None:
            for name in sorted(n for n in set(self.declared) - used if is_variable_name(n)):
                line, col = mark(self.doc, ("variables", name), key=True)
                message = f"variables: {name!r} is declared but not used in any message"
                self.issues.append(self.doc.issue(line, col, message, "warning"))
        return self.issues

    def messages(self) -> set[str] | None:
        """Variables the messages use; None when a message could not be read (then whether a
        declared variable is unused is not known)."""
        messages = self.data.get("messages")
        if type(messages) is not list:
            return None
        used: set[str] | None = set()
        for i, message in enumerate(messages):
            if type(message) is not dict:
                used = None
                continue
            if "kind" in message:  # a history placeholder
                continue
            for j, name in _duplicates(_named(message.get("media_slots"), "placeholder_name")):
                self.error(
                    ("messages", i, "media_slots", j),
                    f"messages[{i}].media_slots: {name!r} is used twice",
                )
            use = self.content(i, message.get("content"))
            if use is None:
                used = None
            elif used is not None:
                used |= use
        return used

    def content(self, i: int, content: Any) -> frozenset[str] | None:
        if type(content) is not str:
            return None
        path: DataPath = ("messages", i, "content")
        use = _variable_use(content)
        if isinstance(use, mustache.MustacheError):
            line, col = _ContentSpots(self.doc, path, content).position(use.position)
            self.issues.append(self.doc.issue(line, col, f"messages[{i}].content: {use}"))
            return None
        if self.declared is not None:
            self.undeclared(path, i, content, use.top_level - set(self.declared))
        return use.all

    def undeclared(self, path: DataPath, i: int, content: str, names: frozenset[str]) -> None:
        if not names:
            return
        assert self.declared is not None
        tags = _first_tags(content)
        spots = _ContentSpots(self.doc, path, content)
        choices = [d for d in self.declared if is_variable_name(d)]
        hints = len(names) * len(choices) <= _HINT_BUDGET
        for name in sorted(names):
            line, col = spots.position(tags.get(name, 0))
            message = f"messages[{i}].content: variable {name!r} is not declared in 'variables'"
            close = hint(name, choices) if hints else ""
            self.issues.append(self.doc.issue(line, col, message + close))


@dataclass
class _Claims:
    """Checks across files, made as files arrive in path order: the later file gets the error."""

    managed: list[str] | None
    by_env: dict[tuple[str, str], str] = field(default_factory=dict)
    envless: dict[str, str] = field(default_factory=dict)

    def check(self, doc: Document, data: dict[str, Any]) -> list[Issue]:
        name = data.get("name")
        if not template_name_ok(name):
            return []
        environments = data.get("environments")
        if environments is None:
            return self._envless(doc, name)
        if type(environments) is not list:
            return []
        issues = []
        seen: set[str] = set()
        for i, env in enumerate(environments):
            if not environment_ok(env) or env in seen:
                continue  # the model reports it
            seen.add(env)
            if self.managed is not None and env not in self.managed:
                message = (
                    f"environment {env!r} is not managed (promptsync.yaml environments:"
                    f" {', '.join(self.managed)}){hint(env, self.managed)}"
                )
            elif (name, env) in self.by_env:
                message = (
                    f"environment {env!r} of template {name!r} is already claimed by"
                    f" {self.by_env[(name, env)]}"
                )
            else:
                self.by_env[(name, env)] = doc.path
                continue
            line, col = mark(doc, ("environments", i))  # positions cost a second parse
            issues.append(doc.issue(line, col, message))
        return issues

    def _envless(self, doc: Document, name: str) -> list[Issue]:
        if name not in self.envless:
            self.envless[name] = doc.path
            return []
        line, col = mark(doc, ("name",))
        message = (
            f"template {name!r} already has a version without 'environments' in"
            f" {self.envless[name]}; at most one file per template may omit it"
        )
        return [doc.issue(line, col, message)]


@dataclass
class _Checked:
    doc: Document
    issues: list[Issue]
    prompt: PromptFile | None

    @property
    def valid(self) -> bool:
        return not any(i.severity == "error" for i in self.issues)


def _check(raw: bytes, path: str, build: bool) -> _Checked:
    """Every check of one file; raises LoadError only when the file cannot be read as YAML."""
    doc = parse_document(raw, path)
    issues = list(doc.issues)
    if type(doc.data) is not dict:
        line, col = mark(doc, ())
        issues.append(doc.issue(line, col, f"expected a mapping, got {describe(doc.data)}"))
        return _Checked(doc, issues, None)
    prompt = None
    if build or not prompt_file_ok(doc.data):
        from promptsync.model_issues import prompt_keys, validate_model
        from promptsync.models import PromptFile

        prompt, model_issues = validate_model(doc, PromptFile, prompt_keys)
        issues += model_issues
    issues += _FileChecks(doc, doc.data).run()
    return _Checked(doc, issues, prompt)


def parse_prompt(raw: bytes, path: str) -> tuple[PromptSource, list[Issue]]:
    """One prompt file → model. Raises LoadError; returns warnings alongside the model."""
    from promptsync.desired import PromptSource

    checked = _check(raw, path, build=True)
    if not checked.valid or checked.prompt is None:
        raise LoadError(checked.issues)
    return PromptSource(path, checked.prompt), checked.issues


# --- all prompt files -------------------------------------------------------------------------


@dataclass(frozen=True)
class CheckedPrompts:
    """What `validate` reports: how many files and templates, and every issue."""

    files: int
    templates: int
    issues: tuple[Issue, ...]

    @property
    def valid(self) -> bool:
        return not any(i.severity == "error" for i in self.issues)


def _each_file(
    prompts_dir: Path,
    managed: list[str] | None,
    root: Path | None,
    build: bool,
    keep: Callable[[FoundFile, _Checked], None],
) -> list[Issue]:
    """Check every prompt file; hand each readable one to `keep`; return every issue."""
    if not prompts_dir.is_dir():
        message = "prompts directory not found (set prompts_dir in promptsync.yaml)"
        raise LoadError([Issue(display_path(prompts_dir), 0, 0, message)])
    tree = walk_prompts(prompts_dir, root)
    issues = list(tree.issues)
    claims = _Claims(managed)
    for file in tree.files:
        try:
            checked = _check(_read(file), file.shown, build)
        except LoadError as exc:
            issues.extend(exc.issues)
            continue
        except OSError as exc:
            issues.append(Issue(file.shown, 1, 1, f"cannot read file: {exc.strerror}"))
            continue
        issues.extend(checked.issues)
        if type(checked.doc.data) is dict:
            issues.extend(claims.check(checked.doc, checked.doc.data))
        keep(file, checked)
    return issues


def check_prompts(
    prompts_dir: Path, managed: list[str] | None = None, root: Path | None = None
) -> CheckedPrompts:
    """Every rule of the file format, without building models (what `validate` needs)."""
    files = 0
    names: set[str] = set()

    def count(file: FoundFile, checked: _Checked) -> None:
        nonlocal files
        if checked.valid:
            files += 1
            names.add(checked.doc.data["name"])

    issues = _each_file(prompts_dir, managed, root, build=False, keep=count)
    return CheckedPrompts(files, len(names), tuple(sorted(issues)))


def load_prompts(
    prompts_dir: Path, managed: list[str] | None = None, root: Path | None = None
) -> LoadedPrompts:
    """Load and check every prompt file. Raises LoadError listing all errors in all files.

    `root` is the project directory (holding promptsync.yaml): symbolic links may point inside
    it. Default: the prompts directory's parent.
    """
    from promptsync.desired import LoadedPrompts, PromptSource

    sources: list[PromptSource] = []

    def keep(file: FoundFile, checked: _Checked) -> None:
        if checked.valid and checked.prompt is not None:
            sources.append(PromptSource(file.shown, checked.prompt))

    issues = _each_file(prompts_dir, managed, root, build=True, keep=keep)
    if any(i.severity == "error" for i in issues):
        raise LoadError(issues)
    return LoadedPrompts(tuple(sources), tuple(sorted(issues)))


# --- config -----------------------------------------------------------------------------------


def _credential_issues(doc: Document) -> list[Issue]:
    issues = []
    for path, (line, col) in sorted(doc.key_marks.items(), key=lambda kv: kv[1]):
        name = str(path[-1])
        if CREDENTIAL_KEY.search(name):
            issues.append(
                doc.issue(
                    line,
                    col,
                    f"{name!r} looks like a credential; API keys never go in the config:"
                    " set FREEPLAY_API_KEY or pass --api-key-file",
                )
            )
    return issues


def parse_config(raw: bytes, path: str) -> Config:
    from promptsync.model_issues import config_keys, validate_model
    from promptsync.models import Config

    doc = parse_document(raw, path)
    if doc.issues:
        raise LoadError(doc.issues)
    issues = _credential_issues(doc)
    if issues:
        raise LoadError(issues)
    if type(doc.data) is not dict:
        line, col = mark(doc, ())
        raise LoadError([doc.issue(line, col, f"expected a mapping, got {describe(doc.data)}")])
    config, issues = validate_model(doc, Config, config_keys)
    if config is None:
        raise LoadError(issues)
    return config


def quick_config(raw: bytes, path: str) -> dict[str, Any] | None:
    """The config's data when it is certainly valid, read without pydantic; None when only
    `parse_config` can say what is wrong with it."""
    try:
        doc = parse_document(raw, path)
    except LoadError:
        return None
    return doc.data if not doc.issues and config_ok(doc.data) else None
