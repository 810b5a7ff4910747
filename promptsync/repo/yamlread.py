"""Bytes → plain Python data, and on demand the source position of every key and value.

The only YAML reader in promptsync. Safe loading only; rejects what a reviewer would not want
in a prompt repository: tabs, duplicate keys, alias bombs, huge or non-UTF-8 files.

Most files are plain: no anchors, no tabs, no duplicate keys. Those take a fast path that builds
the data without recording positions; positions are only needed to report a problem, so they are
computed when first asked for (by parsing the text again, carefully). Anything unusual goes
straight to the careful path, which is the one that decides what is wrong and where.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass, field
from typing import Any

import yaml
from yaml.constructor import ConstructorError, SafeConstructor
from yaml.nodes import MappingNode, ScalarNode, SequenceNode

from promptsync.errors import Issue, LoadError
from promptsync.repo.yamlmarks import (
    MAP_TAG,
    MAX_DEPTH,
    MERGE_TAG,
    SEQ_TAG,
    STR_TAG,
    DataPath,
    Lines,
    Marks,
    Position,
    fail,
    position_in,
    record,
)

PROMPT_FIELDS = "a mapping of prompt fields"
CONFIG_FIELDS = "a mapping of settings (see docs/cli.md)"

__all__ = [
    "LIBYAML",
    "MAX_BYTES",
    "DataPath",
    "Document",
    "Position",
    "parse_document",
    "read_capped",
    "read_document",
    "size_error",
]

MAX_BYTES = 1024 * 1024
# libyaml follows YAML 1.1, which also breaks lines at NEL, LS and PS (editors do not), so its
# line numbers are only used when none of those occurs.
_YAML11_ONLY_BREAKS = ("\x85", "\u2028", "\u2029")

_PLAIN_TAGS: dict[str, str] = {}  # plain scalar text → resolved tag; keys, roles, small numbers
_PLAIN_TAG_CACHE_LIMIT = 20_000


# libyaml (PyYAML's C extension) is much faster, and it refuses escapes of lone surrogates
# (`"\\ud800"`), which the pure-Python reader lets through; kinds/prompts/shape.py relies on that.
LIBYAML = hasattr(yaml, "CSafeLoader")
_BaseLoader: Any = yaml.CSafeLoader if LIBYAML else yaml.SafeLoader
_resolve: Any = _BaseLoader.resolve


class _Loader(_BaseLoader):  # type: ignore[misc]
    """libyaml's parser with the safe resolver, memoizing the tag of short plain scalars.

    Resolving a plain scalar tries a list of regular expressions (is it a bool, an int, ...);
    prompt files repeat the same keys and values thousands of times.
    """

    def resolve(self, kind: type, value: str | None, implicit: tuple[bool, bool]) -> str:
        if kind is ScalarNode:
            if not implicit[0]:  # quoted or block scalar: always a string
                return STR_TAG
            tag = _PLAIN_TAGS.get(value)  # type: ignore[arg-type]
            if tag is None:
                tag = _resolve(self, kind, value, implicit)
                if len(value or "") <= 64 and len(_PLAIN_TAGS) < _PLAIN_TAG_CACHE_LIMIT:
                    _PLAIN_TAGS[value or ""] = tag
            return tag
        return _resolve(self, kind, value, implicit)  # type: ignore[no-any-return]


@dataclass
class Document:
    """A parsed YAML file: its data, problems that did not stop reading it, and positions."""

    path: str
    text: str
    data: Any
    issues: list[Issue] = field(default_factory=list)  # duplicate keys, tabs
    _marks: Marks | None = field(default=None, repr=False)
    _lines: Lines | None = field(default=None, repr=False)
    _libyaml_lines: bool | None = field(default=None, repr=False)

    @property
    def marks(self) -> Marks:
        if self._marks is None:  # the fast path kept none: parse again, recording them
            # It parsed before, so it is not empty: `expected` is never used here.
            self._marks = record(self, _compose(self, PROMPT_FIELDS))[1]
        return self._marks

    @property
    def value_marks(self) -> dict[DataPath, Position]:
        return self.marks.value_marks

    @property
    def key_marks(self) -> dict[DataPath, Position]:
        return self.marks.key_marks

    @property
    def spans(self) -> dict[DataPath, tuple[int, int]]:
        return self.marks.spans

    def issue(self, line0: int, col0: int, message: str, severity: str = "error") -> Issue:
        return Issue(self.path, line0 + 1, col0 + 1, message, severity)  # type: ignore[arg-type]

    def position(self, index: int) -> Position:
        """0-based line and column of a character offset in the text."""
        if self._lines is None:
            self._lines = Lines(self.text)
        return self._lines.position(index)

    def mark(self, mark: Any) -> Position:
        """A libyaml mark as an editor position."""
        if self._libyaml_lines is None:
            text = self.text
            lone_cr = "\r" in text and text.count("\r") != text.count("\r\n")
            self._libyaml_lines = not lone_cr and not any(c in text for c in _YAML11_ONLY_BREAKS)
        if self._libyaml_lines:
            return mark.line, mark.column
        return self.position(mark.index)


def size_error(path: str, size: int, hint: str = "") -> LoadError:
    return fail(path, 0, 0, f"file is {size:,} bytes; the limit is 1 MiB{hint}")


def read_capped(path: str, shown: str, hint: str = "") -> bytes:
    """A file's bytes, refused (LoadError) when over the limit without reading all of it.
    OSError is the caller's to report."""
    with open(path, "rb") as handle:  # noqa: PTH123 - a plain path string, opened once
        raw = handle.read(MAX_BYTES + 1)
        if len(raw) > MAX_BYTES:
            raise size_error(shown, os.fstat(handle.fileno()).st_size, hint)
    return raw


_OTHER_BOMS = (  # UTF-32 first: its little-endian mark starts like UTF-16's
    (b"\xff\xfe\x00\x00", "UTF-32"),
    (b"\x00\x00\xfe\xff", "UTF-32"),
    (b"\xff\xfe", "UTF-16"),
    (b"\xfe\xff", "UTF-16"),
)


def _decode(raw: bytes, path: str) -> str:
    if len(raw) > MAX_BYTES:
        raise size_error(path, len(raw))
    for bom, encoding in _OTHER_BOMS:
        if raw.startswith(bom):  # what Windows editors write when asked for "Unicode"
            raise fail(path, 0, 0, f"file is {encoding}-encoded; save it as UTF-8")
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        before = raw[: exc.start].decode("utf-8", errors="replace").removeprefix("\ufeff")
        line, col = position_in(before, len(before))
        raise fail(
            path, line, col, f"file is not valid UTF-8 (byte 0x{raw[exc.start]:02x})"
        ) from None
    text = text.removeprefix("\ufeff")
    if "\x00" in text:
        line, col = position_in(text, text.index("\x00"))
        raise fail(path, line, col, "file contains NUL bytes")
    return text


def _check_flow_depth(text: str, path: str) -> None:
    # libyaml recurses on the C stack: deeply nested flow collections crash the interpreter.
    if text.count("[") + text.count("{") <= MAX_DEPTH:
        return
    depth = 0
    for match in re.finditer(r"[\[\]{}]", text):
        depth = depth + 1 if match.group() in "[{" else max(depth - 1, 0)
        if depth > MAX_DEPTH:
            line, col = position_in(text, match.start())
            raise fail(path, line, col, f"nested deeper than {MAX_DEPTH} levels")


def _yaml_error(exc: yaml.YAMLError, doc: Document) -> LoadError:
    mark = getattr(exc, "problem_mark", None) or getattr(exc, "context_mark", None)
    line, col = doc.mark(mark) if mark is not None else (0, 0)
    problem = getattr(exc, "problem", None) or str(exc)
    index = getattr(mark, "index", None)
    path, text = doc.path, doc.text
    if index is not None and 0 <= index < len(text) and text[index] == "\t":
        return fail(path, line, col, "tab character; YAML must be indented with spaces")
    if "another document" in problem:
        return fail(path, line, col, "more than one YAML document; a file holds one version")
    if "found undefined alias" in problem:
        return fail(path, line, col, "alias refers to an anchor that is not defined")
    return fail(path, line, col, f"invalid YAML: {problem}{_yaml11_break_note(doc)}")


def _yaml11_break_note(doc: Document) -> str:
    """YAML 1.1 breaks lines at NEL, LS and PS, which editors show as nothing at all."""
    found = [i for i in (doc.text.find(c) for c in _YAML11_ONLY_BREAKS) if i >= 0]
    if not found:
        return ""
    index = min(found)
    line = doc.position(index)[0] + 1
    code = f"{ord(doc.text[index]):04X}"
    return (
        f" (line {line} holds U+{code}, which YAML reads as a line break;"
        f' write it as "\\u{code}" in a double-quoted string)'
    )


def _compose(doc: Document, expected: str) -> yaml.Node:
    try:
        root = yaml.compose(doc.text, Loader=_Loader)
    except yaml.YAMLError as exc:
        raise _yaml_error(exc, doc) from None
    if root is None:
        raise fail(doc.path, 0, 0, f"file is empty; expected {expected}")
    return root


class _Unusual(Exception):
    """The fast path met something it leaves to the careful path."""


_FAST_SCALARS = {
    tag: SafeConstructor.yaml_constructors[tag]
    for tag in (
        "tag:yaml.org,2002:null",
        "tag:yaml.org,2002:bool",
        "tag:yaml.org,2002:int",
        "tag:yaml.org,2002:float",
    )
}
_CONSTRUCTOR = SafeConstructor()


def _plain(node: yaml.Node, depth: int) -> Any:
    """Node → data for the common case; raises _Unusual for anything else."""
    cls = node.__class__
    if cls is ScalarNode:
        if node.tag == STR_TAG:
            return node.value
        build = _FAST_SCALARS.get(node.tag)
        if build is None:
            raise _Unusual
        try:
            return build(_CONSTRUCTOR, node)
        except (ConstructorError, ValueError):
            raise _Unusual from None
    if depth >= MAX_DEPTH:
        raise _Unusual
    if cls is MappingNode and node.tag == MAP_TAG:
        result: dict[str, Any] = {}
        for key_node, value_node in node.value:
            if key_node.__class__ is not ScalarNode or key_node.tag == MERGE_TAG:
                raise _Unusual
            key = key_node.value
            if key in result:
                raise _Unusual
            result[key] = _plain(value_node, depth + 1)
        return result
    if cls is SequenceNode and node.tag == SEQ_TAG:
        return [_plain(child, depth + 1) for child in node.value]
    raise _Unusual


def parse_document(raw: bytes, path: str, expected: str = PROMPT_FIELDS) -> Document:
    """Parse one YAML file. Raises LoadError when it cannot be read at all; problems that still
    leave data to check (duplicate keys, tabs) are in `issues`. `expected` says what an empty
    file should have held."""
    doc = Document(path=path, text=_decode(raw, path), data=None)
    _check_flow_depth(doc.text, path)
    # Anchors (`&`) can make aliases and tabs need span bookkeeping: both go the careful way.
    if "&" not in doc.text and "\t" not in doc.text:
        try:
            doc.data = _plain(_compose(doc, expected), 0)
        except _Unusual:
            pass
        else:
            return doc
    doc.data, doc._marks, doc.issues = record(doc, _compose(doc, expected))
    return doc


def read_document(raw: bytes, path: str, expected: str = PROMPT_FIELDS) -> Document:
    """Parse one YAML file. Raises LoadError (with every issue found) on any problem."""
    doc = parse_document(raw, path, expected)
    if doc.issues:
        raise LoadError(doc.issues)
    return doc
