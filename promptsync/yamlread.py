"""Bytes → plain Python data, and on demand the source position of every key and value.

The only YAML reader in promptsync. Safe loading only; rejects what a reviewer would not want
in a prompt repository: tabs, duplicate keys, alias bombs, huge or non-UTF-8 files.

Most files are plain: no anchors, no tabs, no duplicate keys. Those take a fast path that builds
the data without recording positions; positions are only needed to report a problem, so they are
computed when first asked for (by parsing the text again, carefully). Anything unusual goes
straight to the careful path, which is the one that decides what is wrong and where.
"""

from __future__ import annotations

import bisect
import re
from dataclasses import dataclass, field
from typing import Any

import yaml
from yaml.constructor import ConstructorError, SafeConstructor
from yaml.nodes import MappingNode, ScalarNode, SequenceNode

from promptsync.errors import Issue, LoadError

MAX_BYTES = 1024 * 1024
MAX_DEPTH = 200
MAX_EXPANDED_NODES = 100_000

DataPath = tuple[str | int, ...]
Position = tuple[int, int]
_STR_TAG = "tag:yaml.org,2002:str"
_SEQ_TAG = "tag:yaml.org,2002:seq"
_MAP_TAG = "tag:yaml.org,2002:map"
_MERGE_TAG = "tag:yaml.org,2002:merge"
_COLLECTION_TAGS = (_SEQ_TAG, _MAP_TAG)
# Line breaks as editors (and YAML 1.2) count them. libyaml follows YAML 1.1, which also breaks
# lines at NEL, LS and PS, so its line numbers are only used when none of those can occur.
_LINE_BREAK = re.compile(r"\r\n|\r|\n")
_YAML11_ONLY_BREAKS = ("\x85", "\u2028", "\u2029")

_PLAIN_TAGS: dict[str, str] = {}  # plain scalar text → resolved tag; keys, roles, small numbers
_PLAIN_TAG_CACHE_LIMIT = 20_000


_resolve: Any = yaml.CSafeLoader.resolve


class _Loader(yaml.CSafeLoader):
    """libyaml's parser with the safe resolver, memoizing the tag of short plain scalars.

    Resolving a plain scalar tries a list of regular expressions (is it a bool, an int, ...);
    prompt files repeat the same keys and values thousands of times.
    """

    def resolve(self, kind: type, value: str | None, implicit: tuple[bool, bool]) -> str:
        if kind is ScalarNode:
            if not implicit[0]:  # quoted or block scalar: always a string
                return _STR_TAG
            tag = _PLAIN_TAGS.get(value)  # type: ignore[arg-type]
            if tag is None:
                tag = _resolve(self, kind, value, implicit)
                if len(value or "") <= 64 and len(_PLAIN_TAGS) < _PLAIN_TAG_CACHE_LIMIT:
                    _PLAIN_TAGS[value or ""] = tag
            return tag
        return _resolve(self, kind, value, implicit)  # type: ignore[no-any-return]


class _Lines:
    """0-based (line, column) of a character offset, counting line breaks as editors do."""

    def __init__(self, text: str) -> None:
        if "\r" in text:
            self.starts = [0, *(m.end() for m in _LINE_BREAK.finditer(text))]
        else:
            self.starts = [0, *(m.end() for m in re.finditer("\n", text))]

    def position(self, index: int) -> Position:
        line = bisect.bisect_right(self.starts, index) - 1
        return line, index - self.starts[line]


def _position(text: str, index: int) -> Position:
    return _Lines(text[: index + 1]).position(index)


@dataclass
class Marks:
    """Where each piece of data came from: 0-based (line, column) and scalar spans."""

    value_marks: dict[DataPath, Position] = field(default_factory=dict)
    key_marks: dict[DataPath, Position] = field(default_factory=dict)
    spans: dict[DataPath, tuple[int, int]] = field(default_factory=dict)


@dataclass
class Document:
    """A parsed YAML file: its data, problems that did not stop reading it, and positions."""

    path: str
    text: str
    data: Any
    issues: list[Issue] = field(default_factory=list)  # duplicate keys, tabs
    _marks: Marks | None = field(default=None, repr=False)
    _lines: _Lines | None = field(default=None, repr=False)
    _libyaml_lines: bool | None = field(default=None, repr=False)

    @property
    def marks(self) -> Marks:
        if self._marks is None:  # the fast path kept none: parse again, recording them
            self._marks = _careful(self)[1]
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
            self._lines = _Lines(self.text)
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


def _fail(path: str, line0: int, col0: int, message: str) -> LoadError:
    return LoadError([Issue(path, line0 + 1, col0 + 1, message)])


def size_error(path: str, size: int) -> LoadError:
    return _fail(path, 0, 0, f"file is {size:,} bytes; the limit is 1 MiB")


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
            raise _fail(path, 0, 0, f"file is {encoding}-encoded; save it as UTF-8")
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        before = raw[: exc.start].decode("utf-8", errors="replace").removeprefix("\ufeff")
        line, col = _position(before, len(before))
        raise _fail(
            path, line, col, f"file is not valid UTF-8 (byte 0x{raw[exc.start]:02x})"
        ) from None
    text = text.removeprefix("\ufeff")
    if "\x00" in text:
        line, col = _position(text, text.index("\x00"))
        raise _fail(path, line, col, "file contains NUL bytes")
    return text


def _check_flow_depth(text: str, path: str) -> None:
    # libyaml recurses on the C stack: deeply nested flow collections crash the interpreter.
    if text.count("[") + text.count("{") <= MAX_DEPTH:
        return
    depth = 0
    for match in re.finditer(r"[\[\]{}]", text):
        depth = depth + 1 if match.group() in "[{" else max(depth - 1, 0)
        if depth > MAX_DEPTH:
            line, col = _position(text, match.start())
            raise _fail(path, line, col, f"nested deeper than {MAX_DEPTH} levels")


def _yaml_error(exc: yaml.YAMLError, doc: Document) -> LoadError:
    mark = getattr(exc, "problem_mark", None) or getattr(exc, "context_mark", None)
    line, col = doc.mark(mark) if mark is not None else (0, 0)
    problem = getattr(exc, "problem", None) or str(exc)
    index = getattr(mark, "index", None)
    path, text = doc.path, doc.text
    if index is not None and 0 <= index < len(text) and text[index] == "\t":
        return _fail(path, line, col, "tab character; YAML must be indented with spaces")
    if "another document" in problem:
        return _fail(path, line, col, "more than one YAML document; a file holds one version")
    if "found undefined alias" in problem:
        return _fail(path, line, col, "alias refers to an anchor that is not defined")
    return _fail(path, line, col, f"invalid YAML: {problem}{_yaml11_break_note(doc)}")


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


class _Converter:
    """Node graph → Python data, recording marks, rejecting duplicates and alias expansion."""

    def __init__(self, doc: Document, unique_nodes: int) -> None:
        self.doc = doc
        self.marks = Marks()
        self.constructor = SafeConstructor()
        self.budget = max(MAX_EXPANDED_NODES, 2 * unique_nodes)
        self.visited = 0
        self.issues: list[Issue] = []
        self.active: set[int] = set()

    def fail(self, node: yaml.Node, message: str) -> LoadError:
        line, col = self.doc.mark(node.start_mark)
        return _fail(self.doc.path, line, col, message)

    def convert(self, node: yaml.Node, path: DataPath, depth: int) -> Any:
        self.visited += 1
        if self.visited > self.budget:
            raise self.fail(node, "YAML aliases expand to too many nodes (an alias bomb?)")
        if depth > MAX_DEPTH:
            raise self.fail(node, f"nested deeper than {MAX_DEPTH} levels")
        self.marks.value_marks[path] = self.doc.mark(node.start_mark)
        if isinstance(node, ScalarNode):
            self.marks.spans[path] = (node.start_mark.index, node.end_mark.index)
            if node.tag == _STR_TAG:  # most values: no constructor needed
                return node.value
            try:
                return self.constructor.construct_object(node, deep=True)
            except (ConstructorError, ValueError) as exc:
                problem = getattr(exc, "problem", None) or str(exc)
                raise self.fail(node, f"cannot read value: {problem}") from None
        if node.tag not in _COLLECTION_TAGS:
            raise self.fail(node, f"unsupported YAML tag {node.tag!r}")
        if id(node) in self.active:
            raise self.fail(node, "recursive alias: a collection contains itself")
        self.active.add(id(node))
        try:
            if isinstance(node, SequenceNode):
                return [
                    self.convert(child, (*path, i), depth + 1) for i, child in enumerate(node.value)
                ]
            return self._mapping(node, path, depth)  # type: ignore[arg-type]
        finally:
            self.active.discard(id(node))

    def _mapping(self, node: yaml.MappingNode, path: DataPath, depth: int) -> dict[Any, Any]:
        result: dict[Any, Any] = {}
        for key_node, value_node in node.value:
            if key_node.tag == _MERGE_TAG:
                raise self.fail(key_node, "merge keys (<<) are not supported; write the keys out")
            if not isinstance(key_node, ScalarNode):
                raise self.fail(key_node, "mapping keys must be plain scalars")
            # The key's text, not its YAML 1.1 value: `on:` or `1:` stay strings.
            key: str = key_node.value
            line, col = self.doc.mark(key_node.start_mark)
            if key in result:
                first = self.marks.key_marks[(*path, key)]
                message = f"duplicate key {key!r} (first defined at line {first[0] + 1})"
                self.issues.append(self.doc.issue(line, col, message))
                continue
            self.marks.key_marks[(*path, key)] = (line, col)
            result[key] = self.convert(value_node, (*path, key), depth + 1)
        return result


def _count_unique(root: yaml.Node) -> int:
    seen: set[int] = set()
    stack = [root]
    while stack:
        node = stack.pop()
        if id(node) in seen:
            continue
        seen.add(id(node))
        if isinstance(node, SequenceNode):
            stack.extend(node.value)
        elif isinstance(node, MappingNode):
            for key, value in node.value:
                stack.extend((key, value))
    return len(seen)


def _tab_issues(doc: Document, spans: dict[DataPath, tuple[int, int]]) -> list[Issue]:
    """Tabs outside scalar text (indentation, separators, comments) are errors."""
    if "\t" not in doc.text:
        return []
    ordered = sorted(spans.values())
    issues: list[Issue] = []
    reported_lines: set[int] = set()
    span_i = 0
    for match in re.finditer("\t", doc.text):
        index = match.start()
        while span_i < len(ordered) and ordered[span_i][1] <= index:
            span_i += 1
        if any(start <= index < end for start, end in ordered[span_i : span_i + 2]):
            continue
        line, col = doc.position(index)
        if line not in reported_lines:
            reported_lines.add(line)
            issues.append(doc.issue(line, col, "tab character; YAML must be indented with spaces"))
    return issues


def _compose(doc: Document) -> yaml.Node:
    try:
        root = yaml.compose(doc.text, Loader=_Loader)
    except yaml.YAMLError as exc:
        raise _yaml_error(exc, doc) from None
    if root is None:
        raise _fail(doc.path, 0, 0, "file is empty; expected a mapping of prompt fields")
    return root


def _careful(doc: Document) -> tuple[Any, Marks, list[Issue]]:
    """Parse recording every position; raises LoadError on what cannot be read at all."""
    root = _compose(doc)
    # Without an alias (`*name`) nothing can expand, so the node count is not needed.
    converter = _Converter(doc, _count_unique(root) if "*" in doc.text else MAX_EXPANDED_NODES)
    data = converter.convert(root, (), 0)
    return data, converter.marks, converter.issues + _tab_issues(doc, converter.marks.spans)


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
        if node.tag == _STR_TAG:
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
    if cls is MappingNode and node.tag == _MAP_TAG:
        result: dict[str, Any] = {}
        for key_node, value_node in node.value:
            if key_node.__class__ is not ScalarNode or key_node.tag == _MERGE_TAG:
                raise _Unusual
            key = key_node.value
            if key in result:
                raise _Unusual
            result[key] = _plain(value_node, depth + 1)
        return result
    if cls is SequenceNode and node.tag == _SEQ_TAG:
        return [_plain(child, depth + 1) for child in node.value]
    raise _Unusual


def parse_document(raw: bytes, path: str) -> Document:
    """Parse one YAML file. Raises LoadError when it cannot be read at all; problems that still
    leave data to check (duplicate keys, tabs) are in `issues`."""
    doc = Document(path=path, text=_decode(raw, path), data=None)
    _check_flow_depth(doc.text, path)
    # Anchors (`&`) can make aliases and tabs need span bookkeeping: both go the careful way.
    if "&" not in doc.text and "\t" not in doc.text:
        try:
            doc.data = _plain(_compose(doc), 0)
        except _Unusual:
            pass
        else:
            return doc
    doc.data, doc._marks, doc.issues = _careful(doc)
    return doc


def read_document(raw: bytes, path: str) -> Document:
    """Parse one YAML file. Raises LoadError (with every issue found) on any problem."""
    doc = parse_document(raw, path)
    if doc.issues:
        raise LoadError(doc.issues)
    return doc
