"""Mustache as Freeplay's SDK does it: pystache, no HTML escaping, dicts and lists as compact JSON.

Also the static analysis the planner and validator need: which variables a template uses.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from typing import Any

import pystache
from pystache import parser as pystache_parser


class MustacheError(ValueError):
    """A template that does not parse; `position` is the offset of the offending tag."""

    def __init__(self, message: str, position: int) -> None:
        super().__init__(message)
        self.position = position


@dataclass(frozen=True)
class VariableUse:
    """Variables a template refers to.

    `required`: interpolated outside any section; a caller that omits one silently gets an empty
    string. `optional`: top-level section keys (`{{#x}}`, `{{^x}}`). `nested`: names inside
    sections, which may be fields of the section's item rather than top-level variables.
    """

    required: frozenset[str] = field(default_factory=frozenset)
    optional: frozenset[str] = field(default_factory=frozenset)
    nested: frozenset[str] = field(default_factory=frozenset)

    @property
    def top_level(self) -> frozenset[str]:
        return self.required | self.optional

    @property
    def all(self) -> frozenset[str]:
        return self.required | self.optional | self.nested

    def __or__(self, other: VariableUse) -> VariableUse:
        return VariableUse(
            self.required | other.required,
            (self.optional | other.optional) - (self.required | other.required),
            self.nested | other.nested,
        )


_SECTION_TAG = re.compile(r"\{\{\s*[#^]\s*(.*?)\s*\}\}")


def _tag_start(template: str, end: int) -> int:
    """Offset of the `{{` that opens the tag ending at `end` (or `end` if none is found)."""
    start = template.rfind("{{", 0, end)
    return start if start >= 0 else end


def parse(template: str) -> Any:
    """Parse like pystache, but fail on unclosed or mismatched sections instead of guessing."""
    try:
        return pystache_parser.parse(template, raise_on_mismatch=True)
    except pystache_parser.ParsingError as exc:
        info = exc.info
        if info is None:  # pragma: no cover - pystache always attaches details
            raise MustacheError(str(exc), 0) from None
        start = _tag_start(template, info.position)
        if info.tag_type == "/":
            message = f"closing tag {{{{/{info.tag_key}}}}} does not match an open section"
        else:
            # pystache names the last tag it read, not the open section: read the section's own.
            opened = _SECTION_TAG.match(template, start)
            key = opened.group(1) if opened else info.tag_key
            message = f"section {{{{{info.tag_type}{key}}}}} is never closed"
        raise MustacheError(message, start) from None


def _root_name(key: str) -> str | None:
    if key == ".":
        return None
    return key.split(".", 1)[0].strip() or None


def _walk(nodes: list[Any], in_section: bool, found: dict[str, set[str]]) -> None:
    for node in nodes:
        kind = type(node).__name__
        if kind in ("_EscapeNode", "_LiteralNode", "_SectionNode", "_InvertedNode"):
            name = _root_name(node.key)
            if name:
                bucket = (
                    "nested"
                    if in_section
                    else ("required" if kind in ("_EscapeNode", "_LiteralNode") else "optional")
                )
                found[bucket].add(name)
        if kind == "_SectionNode":
            _walk(node.parsed._parse_tree, True, found)
        elif kind == "_InvertedNode":
            _walk(node.parsed_section._parse_tree, True, found)


def _use(found: dict[str, set[str]]) -> VariableUse:
    required = frozenset(found["required"])
    return VariableUse(
        required, frozenset(found["optional"]) - required, frozenset(found["nested"])
    )


def _parsed_variables(template: str) -> VariableUse:
    found: dict[str, set[str]] = {"required": set(), "optional": set(), "nested": set()}
    _walk(parse(template)._parse_tree, False, found)
    return _use(found)


# `{{name}}`, `{{&name}}`, `{{#name}}`, `{{^name}}`, `{{/name}}`: a subset of pystache's tags.
_SIMPLE_TAG = re.compile(r"\{\{([#^/&]?)\s*([A-Za-z_][A-Za-z0-9_.]*|\.)\s*\}\}")


def _simple_variables(template: str) -> VariableUse | None:
    """The variables of a template whose every tag is one of the simple kinds above, with
    sections that close; None for anything else (pystache then parses it and words errors).

    Most prompts are like this, and reading their tags with one regular expression is several
    times faster than pystache's parser; tests/test_mustache.py holds the two to the same answer.
    """
    if "{{{" in template:  # raw tags, and `{{{x}}` which pystache reads as the key `{x`
        return None
    tags = _SIMPLE_TAG.findall(template)
    if len(tags) != template.count("{{"):  # some `{{` is another kind of tag, or text
        return None
    found: dict[str, set[str]] = {"required": set(), "optional": set(), "nested": set()}
    sections: list[str] = []
    for sigil, key in tags:
        if sigil == "/":
            if not sections or sections.pop() != key:
                return None
            continue
        name = _root_name(key)
        if name:
            bucket = "optional" if sigil in ("#", "^") else "required"
            found["nested" if sections else bucket].add(name)
        if sigil in ("#", "^"):
            sections.append(key)
    return None if sections else _use(found)


def variables(template: str) -> VariableUse:
    """Variables used by a template (raises MustacheError if it does not parse)."""
    simple = _simple_variables(template)
    return simple if simple is not None else _parsed_variables(template)


class _FreeplayRenderer(pystache.Renderer):  # type: ignore[misc]
    """The renderer Freeplay's SDK uses: identity escape and compact JSON for containers."""

    def __init__(self) -> None:
        super().__init__(escape=lambda s: s)

    def str_coerce(self, val: Any) -> str:
        if isinstance(val, dict | list):
            return json.dumps(val, separators=(",", ":"))
        return str(val)


def render(template: str, values: dict[str, Any]) -> str:
    """Render one message's text with the given variables, exactly as Freeplay's SDK does."""
    return str(_FreeplayRenderer().render(template, values))
