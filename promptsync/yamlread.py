"""Bytes → plain Python data plus the source position of every key and value.

The only YAML reader in promptsync. Safe loading only; rejects what a reviewer would not want
in a prompt repository: tabs, duplicate keys, alias bombs, huge or non-UTF-8 files.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

import yaml
from yaml.constructor import ConstructorError, SafeConstructor

from promptsync.errors import Issue, LoadError

MAX_BYTES = 1024 * 1024
MAX_DEPTH = 200
MAX_EXPANDED_NODES = 100_000

_Loader: type[Any] = getattr(yaml, "CSafeLoader", yaml.SafeLoader)

DataPath = tuple[str | int, ...]
_COLLECTION_TAGS = ("tag:yaml.org,2002:seq", "tag:yaml.org,2002:map")
_STR_TAG = "tag:yaml.org,2002:str"


@dataclass
class Document:
    """A parsed YAML file: its data and where each piece came from (0-based line/column)."""

    path: str
    text: str
    data: Any
    value_marks: dict[DataPath, tuple[int, int]] = field(default_factory=dict)
    key_marks: dict[DataPath, tuple[int, int]] = field(default_factory=dict)
    spans: dict[DataPath, tuple[int, int]] = field(default_factory=dict)

    def issue(self, line0: int, col0: int, message: str, severity: str = "error") -> Issue:
        return Issue(self.path, line0 + 1, col0 + 1, message, severity)  # type: ignore[arg-type]

    def position(self, index: int) -> tuple[int, int]:
        """0-based line and column of a character offset in the text."""
        line = self.text.count("\n", 0, index)
        return line, index - (self.text.rfind("\n", 0, index) + 1)


def _fail(path: str, line0: int, col0: int, message: str) -> LoadError:
    return LoadError([Issue(path, line0 + 1, col0 + 1, message)])


def _decode(raw: bytes, path: str) -> str:
    if len(raw) > MAX_BYTES:
        raise _fail(path, 0, 0, f"file is {len(raw):,} bytes; the limit is 1 MiB")
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        before = raw[: exc.start].decode("utf-8", errors="replace")
        line = before.count("\n")
        col = len(before) - (before.rfind("\n") + 1)
        raise _fail(
            path, line, col, f"file is not valid UTF-8 (byte 0x{raw[exc.start]:02x})"
        ) from None
    text = text.removeprefix("\ufeff")
    if "\x00" in text:
        index = text.index("\x00")
        line = text.count("\n", 0, index)
        raise _fail(path, line, index - (text.rfind("\n", 0, index) + 1), "file contains NUL bytes")
    return text


def _check_flow_depth(text: str, path: str) -> None:
    # libyaml recurses on the C stack: deeply nested flow collections crash the interpreter.
    depth = 0
    for match in re.finditer(r"[\[\]{}]", text):
        depth = depth + 1 if match.group() in "[{" else max(depth - 1, 0)
        if depth > MAX_DEPTH:
            line = text.count("\n", 0, match.start())
            col = match.start() - (text.rfind("\n", 0, match.start()) + 1)
            raise _fail(path, line, col, f"nested deeper than {MAX_DEPTH} levels")


def _yaml_error(exc: yaml.YAMLError, text: str, path: str) -> LoadError:
    mark = getattr(exc, "problem_mark", None) or getattr(exc, "context_mark", None)
    line, col = (mark.line, mark.column) if mark is not None else (0, 0)
    problem = getattr(exc, "problem", None) or str(exc)
    index = getattr(mark, "index", None)
    if index is not None and 0 <= index < len(text) and text[index] == "\t":
        return _fail(path, line, col, "tab character; YAML must be indented with spaces")
    if "another document" in problem:
        return _fail(path, line, col, "more than one YAML document; a file holds one version")
    if "found undefined alias" in problem:
        return _fail(path, line, col, "alias refers to an anchor that is not defined")
    return _fail(path, line, col, f"invalid YAML: {problem}")


class _Converter:
    """Node graph → Python data, recording marks, rejecting duplicates and alias expansion."""

    def __init__(self, doc: Document, unique_nodes: int) -> None:
        self.doc = doc
        self.constructor = SafeConstructor()
        self.budget = max(MAX_EXPANDED_NODES, 2 * unique_nodes)
        self.visited = 0
        self.issues: list[Issue] = []
        self.active: set[int] = set()

    def convert(self, node: yaml.Node, path: DataPath, depth: int) -> Any:
        self.visited += 1
        if self.visited > self.budget:
            raise _fail(
                self.doc.path,
                node.start_mark.line,
                node.start_mark.column,
                "YAML aliases expand to too many nodes (an alias bomb?)",
            )
        if depth > MAX_DEPTH:
            raise _fail(
                self.doc.path,
                node.start_mark.line,
                node.start_mark.column,
                f"nested deeper than {MAX_DEPTH} levels",
            )
        self.doc.value_marks[path] = (node.start_mark.line, node.start_mark.column)
        if isinstance(node, yaml.ScalarNode):
            self.doc.spans[path] = (node.start_mark.index, node.end_mark.index)
            if node.tag == _STR_TAG:  # most values: no constructor needed
                return node.value
            try:
                return self.constructor.construct_object(node, deep=True)
            except (ConstructorError, ValueError) as exc:
                problem = getattr(exc, "problem", None) or str(exc)
                raise _fail(
                    self.doc.path,
                    node.start_mark.line,
                    node.start_mark.column,
                    f"cannot read value: {problem}",
                ) from None
        if node.tag not in _COLLECTION_TAGS:
            raise _fail(
                self.doc.path,
                node.start_mark.line,
                node.start_mark.column,
                f"unsupported YAML tag {node.tag!r}",
            )
        if id(node) in self.active:
            raise _fail(
                self.doc.path,
                node.start_mark.line,
                node.start_mark.column,
                "recursive alias: a collection contains itself",
            )
        self.active.add(id(node))
        try:
            if isinstance(node, yaml.SequenceNode):
                return [
                    self.convert(child, (*path, i), depth + 1) for i, child in enumerate(node.value)
                ]
            if isinstance(node, yaml.MappingNode):
                return self._mapping(node, path, depth)
        finally:
            self.active.discard(id(node))
        raise _fail(
            self.doc.path,
            node.start_mark.line,
            node.start_mark.column,  # pragma: no cover
            "unsupported YAML node",
        )

    def _mapping(self, node: yaml.MappingNode, path: DataPath, depth: int) -> dict[Any, Any]:
        result: dict[Any, Any] = {}
        for key_node, value_node in node.value:
            if key_node.tag == "tag:yaml.org,2002:merge":
                raise _fail(
                    self.doc.path,
                    key_node.start_mark.line,
                    key_node.start_mark.column,
                    "merge keys (<<) are not supported; write the keys out",
                )
            if not isinstance(key_node, yaml.ScalarNode):
                raise _fail(
                    self.doc.path,
                    key_node.start_mark.line,
                    key_node.start_mark.column,
                    "mapping keys must be plain scalars",
                )
            # The key's text, not its YAML 1.1 value: `on:` or `1:` stay strings.
            key: str = key_node.value
            if key in result:
                first = self.doc.key_marks[(*path, key)]
                self.issues.append(
                    self.doc.issue(
                        key_node.start_mark.line,
                        key_node.start_mark.column,
                        f"duplicate key {key!r} (first defined at line {first[0] + 1})",
                    )
                )
                continue
            self.doc.key_marks[(*path, key)] = (
                key_node.start_mark.line,
                key_node.start_mark.column,
            )
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
        if isinstance(node, yaml.SequenceNode):
            stack.extend(node.value)
        elif isinstance(node, yaml.MappingNode):
            for key, value in node.value:
                stack.extend((key, value))
    return len(seen)


def _tab_issues(doc: Document) -> list[Issue]:
    """Tabs outside scalar text (indentation, separators, comments) are errors."""
    if "\t" not in doc.text:
        return []
    spans = sorted(doc.spans.values())
    issues: list[Issue] = []
    reported_lines: set[int] = set()
    span_i = 0
    for match in re.finditer("\t", doc.text):
        index = match.start()
        while span_i < len(spans) and spans[span_i][1] <= index:
            span_i += 1
        inside = any(start <= index < end for start, end in spans[span_i : span_i + 2])
        if inside:
            continue
        line, col = doc.position(index)
        if line not in reported_lines:
            reported_lines.add(line)
            issues.append(doc.issue(line, col, "tab character; YAML must be indented with spaces"))
    return issues


def read_document(raw: bytes, path: str) -> Document:
    """Parse one YAML file. Raises LoadError (with every issue found) on any problem."""
    text = _decode(raw, path)
    _check_flow_depth(text, path)
    try:
        root = yaml.compose(text, Loader=_Loader)
    except yaml.YAMLError as exc:
        raise _yaml_error(exc, text, path) from None
    doc = Document(path=path, text=text, data=None)
    if root is None:
        raise _fail(path, 0, 0, "file is empty; expected a mapping of prompt fields")
    # Without an alias (`*name`) nothing can expand, so the node count is not needed.
    converter = _Converter(doc, _count_unique(root) if "*" in text else MAX_EXPANDED_NODES)
    doc.data = converter.convert(root, (), 0)
    issues = converter.issues + _tab_issues(doc)
    if issues:
        raise LoadError(issues)
    return doc
