"""The checks inside one prompt file that the model cannot make: the messages parse in their
template language (mustache on Freeplay; f-string or jinja2 on PromptLayer), declared variables
are used and used variables declared, tools and media slots are not named twice.

They read the raw data defensively, so they run on whatever parts have the right shape even when
other fields are invalid.
"""

from __future__ import annotations

import bisect
import functools
import re
from collections.abc import Iterable
from typing import Any

from promptsync.errors import Issue
from promptsync.repo.locate import hint, mark
from promptsync.repo.rules import is_variable_name
from promptsync.repo.yamlread import DataPath, Document
from promptsync.templating import formats, mustache
from promptsync.templating.usage import TemplateError, VariableUse

# Undeclared-variable hints compare every undeclared name with every declared one: bounded.
_HINT_BUDGET = 100_000
_TAG_ROOT = re.compile(r"\{\{\{?[#^/&]?\s*([^\s{}.]+)")

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

    def __init__(self, doc: Document, data: dict[str, Any], fmt: str) -> None:
        self.doc = doc
        self.data = data
        self.fmt = fmt
        self.issues: list[Issue] = []
        variables = data.get("variables")
        self.declared = list(variables) if type(variables) is dict else None

    def error(self, path: DataPath, message: str) -> None:
        line, col = mark(self.doc, path)
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
        use = _variable_use(content) if self.fmt == formats.MUSTACHE else self.other_use(content)
        if isinstance(use, TemplateError):
            line, col = _ContentSpots(self.doc, path, content).position(use.position)
            self.issues.append(self.doc.issue(line, col, f"messages[{i}].content: {use}"))
            return None
        if self.declared is not None:
            self.undeclared(path, i, content, use.top_level - set(self.declared))
        return use.all

    def other_use(self, content: str) -> VariableUse | TemplateError:
        try:
            return formats.validated(content, self.fmt)
        except TemplateError as exc:
            return exc

    def undeclared(self, path: DataPath, i: int, content: str, names: frozenset[str]) -> None:
        if not names:
            return
        assert self.declared is not None
        if self.fmt == formats.MUSTACHE:
            tags = _first_tags(content)
        else:
            tags = {name: formats.first_use(content, name, self.fmt) for name in names}
        spots = _ContentSpots(self.doc, path, content)
        choices = [d for d in self.declared if is_variable_name(d)]
        hints = len(names) * len(choices) <= _HINT_BUDGET
        for name in sorted(names):
            line, col = spots.position(tags.get(name, 0))
            message = f"messages[{i}].content: variable {name!r} is not declared in 'variables'"
            close = hint(name, choices) if hints else ""
            self.issues.append(self.doc.issue(line, col, message + close))


def semantic_issues(doc: Document, data: dict[str, Any], fmt: str = "mustache") -> list[Issue]:
    """Every problem of these kinds in one file's data (warnings for unused variables); `fmt`
    is the template language of its messages."""
    return _FileChecks(doc, data, fmt).run()
