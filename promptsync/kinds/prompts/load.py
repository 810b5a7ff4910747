"""Files → checked data and models, with every problem reported as `path:line:column: message`.

Each file goes through every check whose input is readable, so one mistake never hides another:
YAML problems that still leave data (duplicate keys, tabs), the model's field errors, then the
semantic checks (kinds/prompts/file_checks.py) on whatever parts have the right shape, then the
checks across files for every file whose name and environments are readable. Files are checked in
path order and cross-file problems are reported on the later file, so nothing of a file needs to
be kept once it is checked.

Pydantic is imported only to build models (plan, render) or to explain a file that the
pydantic-free shape check cannot vouch for: `validate` of a valid repository never imports it.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from promptsync.errors import Issue, LoadError
from promptsync.kinds.prompts import dialect
from promptsync.kinds.prompts.file_checks import semantic_issues
from promptsync.kinds.prompts.shape import environment_ok, prompt_file_ok, template_name_ok
from promptsync.repo.checked import CheckedFiles
from promptsync.repo.discovery import FoundFile, display_path, find_prompt_files, walk_prompts
from promptsync.repo.locate import describe, hint, mark
from promptsync.repo.yamlread import (
    LIBYAML,
    Document,
    parse_document,
    read_capped,
)

if TYPE_CHECKING:
    from promptsync.kinds.prompts.desired import LoadedPrompts, PromptSource
    from promptsync.kinds.prompts.models import PromptFile

__all__ = [
    "CheckedPrompts",
    "check_prompts",
    "display_path",
    "find_prompt_files",
    "load_prompts",
    "name_in_file",
    "parse_prompt",
]


def _read(file: FoundFile) -> bytes:
    return read_capped(file.path, file.shown)  # never reads all of a huge file to refuse it


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
                    f"environment {env!r} is not managed (the config's environments:"
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


def _check(
    raw: bytes, path: str, build: bool, backend: str, known: CheckedFiles | None = None
) -> _Checked:
    """Every check of one file; raises LoadError only when the file cannot be read as YAML.

    Registries other than Freeplay have their own rules for the file (kinds/prompts/dialect.py),
    which need the model: those files are always built. A Freeplay file whose bytes `known`
    holds was found valid before: its data is taken from there, not parsed again.
    """
    cached = known.get(raw) if known is not None and backend == "freeplay" else None
    if cached is not None:
        doc = Document(path, raw.decode("utf-8"), cached)
        if build:
            from promptsync.kinds.prompts.models import trusted_prompt

            return _Checked(doc, [], trusted_prompt(cached))
        return _Checked(doc, [], None)
    doc = parse_document(raw, path)
    issues = list(doc.issues)
    if type(doc.data) is not dict:
        line, col = mark(doc, ())
        issues.append(doc.issue(line, col, f"expected a mapping, got {describe(doc.data)}"))
        return _Checked(doc, issues, None)
    prompt = None
    vouched = backend == "freeplay" and LIBYAML and prompt_file_ok(doc.data)
    if vouched and build:  # certainly valid: the model without pydantic's validation
        from promptsync.kinds.prompts.models import trusted_prompt

        prompt = trusted_prompt(doc.data)
    elif not vouched:
        from promptsync.kinds.prompts.models import PromptFile, prompt_keys
        from promptsync.repo.model_issues import validate_model

        prompt, model_issues = validate_model(doc, PromptFile, prompt_keys)
        issues += model_issues
        if prompt is not None:
            prompt, registry_issues = dialect.check_prompt(doc, prompt, backend)
            issues += registry_issues
    fmt = dialect.template_language(doc.data, prompt, backend)
    issues += semantic_issues(doc, doc.data, fmt)
    if known is not None and vouched and not issues:
        known.add(raw, doc.data)
    return _Checked(doc, issues, prompt)


def parse_prompt(
    raw: bytes, path: str, backend: str = "freeplay"
) -> tuple[PromptSource, list[Issue]]:
    """One prompt file → model. Raises LoadError; returns warnings alongside the model."""
    from promptsync.kinds.prompts.desired import PromptSource

    checked = _check(raw, path, build=True, backend=backend)
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
    names: frozenset[str] = frozenset()  # the valid templates

    @property
    def valid(self) -> bool:
        return not any(i.severity == "error" for i in self.issues)


def _each_file(
    prompts_dir: Path,
    managed: list[str] | None,
    root: Path | None,
    build: bool,
    keep: Callable[[FoundFile, _Checked], None],
    backend: str,
    known: CheckedFiles | None = None,
) -> list[Issue]:
    """Check every prompt file; hand each readable one to `keep`; return every issue."""
    if not prompts_dir.is_dir():
        message = "prompts directory not found (set prompts_dir in promptsync.yaml)"
        raise LoadError([Issue(display_path(prompts_dir), 0, 0, message)])
    tree = walk_prompts(prompts_dir, root)
    issues = list(tree.issues)
    claims = _Claims(managed)
    files = list(tree.files)
    outcomes = checked_files(files, build, backend, known)
    for file, outcome in zip(files, outcomes, strict=True):
        if not isinstance(outcome, _Checked):
            issues.extend(outcome)
            continue
        checked = outcome
        issues.extend(checked.issues)
        if type(checked.doc.data) is dict:
            issues.extend(claims.check(checked.doc, checked.doc.data))
        keep(file, checked)
    return issues


def _contents(file: FoundFile) -> bytes | list[Issue]:
    try:
        return _read(file)
    except LoadError as exc:
        return exc.issues
    except OSError as exc:
        return [Issue(file.shown, 1, 1, f"cannot read file: {exc.strerror}")]


def _outcome(
    item: tuple[FoundFile, bytes | list[Issue]],
    build: bool,
    backend: str,
    known: CheckedFiles | None = None,
) -> _Checked | list[Issue]:
    """One file checked, or the issues that stopped it from being read."""
    file, raw = item
    if isinstance(raw, list):
        return raw
    try:
        return _check(raw, file.shown, build, backend, known)
    except LoadError as exc:
        return exc.issues


def checked_files(
    files: list[FoundFile], build: bool, backend: str, known: CheckedFiles | None = None
) -> Iterator[_Checked | list[Issue]]:
    """Every file's outcome, in order, one at a time (nothing of a file is kept once checked).

    When building models (plan, apply), every file is read first, then parsed: reads release
    the interpreter lock, and while the registry is read in a background thread each would wait
    to take it back (a thousand reads cost 0.2 s that way, 15 ms in a row); only the bytes are
    kept meanwhile. Parsing in a second process was measured not to pay for itself at 1,000
    files once this is done, so there is none.
    """
    if build:
        items = [(file, _contents(file)) for file in files]
        for item in items:
            yield _outcome(item, build, backend, known)
    else:
        for file in files:
            yield _outcome((file, _contents(file)), build, backend, known)


def check_prompts(
    prompts_dir: Path,
    managed: list[str] | None = None,
    root: Path | None = None,
    backend: str = "freeplay",
) -> CheckedPrompts:
    """Every rule of the file format, without building models (what `validate` needs)."""
    files = 0
    names: set[str] = set()

    def count(file: FoundFile, checked: _Checked) -> None:
        nonlocal files
        if checked.valid:
            files += 1
            names.add(checked.doc.data["name"])

    issues = _each_file(prompts_dir, managed, root, build=False, keep=count, backend=backend)
    return CheckedPrompts(files, len(names), tuple(sorted(issues)), frozenset(names))


def load_prompts(
    prompts_dir: Path,
    managed: list[str] | None = None,
    root: Path | None = None,
    backend: str = "freeplay",
    known: CheckedFiles | None = None,
) -> LoadedPrompts:
    """Load and check every prompt file. Raises LoadError listing all errors in all files.

    `root` is the project directory (holding promptsync.yaml): symbolic links may point inside
    it. Default: the prompts directory's parent.
    """
    from promptsync.kinds.prompts.desired import LoadedPrompts, PromptSource

    sources: list[PromptSource] = []

    def keep(file: FoundFile, checked: _Checked) -> None:
        if checked.valid and checked.prompt is not None:
            sources.append(PromptSource(file.shown, checked.prompt))

    issues = _each_file(
        prompts_dir, managed, root, build=True, keep=keep, backend=backend, known=known
    )
    if any(i.severity == "error" for i in issues):
        raise LoadError(issues)
    if known is not None:
        known.save()
    return LoadedPrompts(tuple(sources), tuple(sorted(issues)))


def name_in_file(raw: bytes, path: str) -> str | None:
    """The template a prompt file's bytes name, when the file is valid (for --changed-since:
    what a changed file was named at the git revision)."""
    try:
        source, _ = parse_prompt(raw, path)
    except LoadError:
        return None
    return source.prompt.name
