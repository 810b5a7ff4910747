"""The careful reading of a YAML node graph: data plus the position of every key and value.

It enforces what safe loading alone does not (alias expansion budget, nesting depth, duplicate
keys, merge keys, unsupported tags, tabs) and records where each piece came from, so every
problem can be reported at `path:line:column`. promptsync.repo.yamlread runs it for files that are
not plain, and for plain files only once a position is asked for.
"""

from __future__ import annotations

import bisect
import re
from dataclasses import dataclass, field
from typing import Any, Protocol

import yaml
from yaml.constructor import ConstructorError, SafeConstructor
from yaml.nodes import MappingNode, ScalarNode, SequenceNode

from promptsync.errors import Issue, LoadError


class ParsedText(Protocol):
    """What the careful reading needs of a parsed file (yamlread.Document has it): its path and
    text, libyaml marks and offsets as positions, and issues located in it."""

    path: str
    text: str

    def mark(self, mark: Any) -> tuple[int, int]: ...

    def position(self, index: int) -> tuple[int, int]: ...

    def issue(self, line0: int, col0: int, message: str, severity: str = "error") -> Issue: ...


MAX_DEPTH = 200
MAX_EXPANDED_NODES = 100_000

DataPath = tuple[str | int, ...]
Position = tuple[int, int]
STR_TAG = "tag:yaml.org,2002:str"
SEQ_TAG = "tag:yaml.org,2002:seq"
MAP_TAG = "tag:yaml.org,2002:map"
MERGE_TAG = "tag:yaml.org,2002:merge"
_COLLECTION_TAGS = (SEQ_TAG, MAP_TAG)
# Line breaks as editors (and YAML 1.2) count them.
_LINE_BREAK = re.compile(r"\r\n|\r|\n")


class Lines:
    """0-based (line, column) of a character offset, counting line breaks as editors do."""

    def __init__(self, text: str) -> None:
        if "\r" in text:
            self.starts = [0, *(m.end() for m in _LINE_BREAK.finditer(text))]
        else:
            self.starts = [0, *(m.end() for m in re.finditer("\n", text))]

    def position(self, index: int) -> Position:
        line = bisect.bisect_right(self.starts, index) - 1
        return line, index - self.starts[line]


def position_in(text: str, index: int) -> Position:
    """0-based (line, column) of `text[index]`."""
    return Lines(text[: index + 1]).position(index)


@dataclass
class Marks:
    """Where each piece of data came from: 0-based (line, column) and scalar spans."""

    value_marks: dict[DataPath, Position] = field(default_factory=dict)
    key_marks: dict[DataPath, Position] = field(default_factory=dict)
    spans: dict[DataPath, tuple[int, int]] = field(default_factory=dict)


def fail(path: str, line0: int, col0: int, message: str) -> LoadError:
    return LoadError([Issue(path, line0 + 1, col0 + 1, message)])


class _Converter:
    """Node graph → Python data, recording marks, rejecting duplicates and alias expansion."""

    def __init__(self, doc: ParsedText, unique_nodes: int) -> None:
        self.doc = doc
        self.marks = Marks()
        self.constructor = SafeConstructor()
        self.budget = max(MAX_EXPANDED_NODES, 2 * unique_nodes)
        self.visited = 0
        self.issues: list[Issue] = []
        self.active: set[int] = set()

    def fail(self, node: yaml.Node, message: str) -> LoadError:
        line, col = self.doc.mark(node.start_mark)
        return fail(self.doc.path, line, col, message)

    def convert(self, node: yaml.Node, path: DataPath, depth: int) -> Any:
        self.visited += 1
        if self.visited > self.budget:
            raise self.fail(node, "YAML aliases expand to too many nodes (an alias bomb?)")
        if depth > MAX_DEPTH:
            raise self.fail(node, f"nested deeper than {MAX_DEPTH} levels")
        self.marks.value_marks[path] = self.doc.mark(node.start_mark)
        if isinstance(node, ScalarNode):
            self.marks.spans[path] = (node.start_mark.index, node.end_mark.index)
            if node.tag == STR_TAG:  # most values: no constructor needed
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
            if key_node.tag == MERGE_TAG:
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


def _tab_issues(doc: ParsedText, spans: dict[DataPath, tuple[int, int]]) -> list[Issue]:
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


def record(doc: ParsedText, root: yaml.Node) -> tuple[Any, Marks, list[Issue]]:
    """A composed document's data, positions and problems; raises LoadError when the data
    cannot be built at all (alias bomb, recursion, depth, tags, merge keys)."""
    # Without an alias (`*name`) nothing can expand, so the node count is not needed.
    converter = _Converter(doc, _count_unique(root) if "*" in doc.text else MAX_EXPANDED_NODES)
    data = converter.convert(root, (), 0)
    return data, converter.marks, converter.issues + _tab_issues(doc, converter.marks.spans)
