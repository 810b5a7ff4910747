"""Mustache as Freeplay's SDK does it: pystache, no HTML escaping, dicts and lists as compact JSON.

The static analysis the planner and validator need (which variables a template uses), and
binding values into a text.
"""

from __future__ import annotations

import re
from typing import Any

from pystache import parser as pystache_parser

from promptsync.templating.usage import TemplateError, VariableUse

__all__ = ["MustacheError", "VariableUse", "bind", "first_use", "parse", "variables"]


class MustacheError(TemplateError):
    """A template that does not parse; `position` is the offset of the offending tag."""


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


def bind(template: str, values: dict[str, Any]) -> str:
    """One message's text with the values inserted, exactly as Freeplay's SDK does it.

    The implementation is `templating.flavors` (Freeplay's contract, kept in one place; the
    emulator uses it too).
    """
    from promptsync.templating.flavors import bind_text

    return bind_text(template, values)


def first_use(template: str, name: str) -> int:
    """Offset of the first tag naming `name` (0 when none is found), to locate an error."""
    index = 0
    while (index := template.find("{{", index)) >= 0:
        if template[index + 2 :].lstrip("#^&{/ ").startswith(name):
            return index
        index += 2
    return 0
