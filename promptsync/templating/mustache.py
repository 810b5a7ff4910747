"""Mustache as Freeplay's SDK does it: pystache, no HTML escaping, dicts and lists as compact JSON.

The static analysis the planner and validator need (which variables a template uses), and
binding values into a text.
"""

from __future__ import annotations

from typing import Any

from pystache import parser as pystache_parser

from promptsync.templating.usage import TemplateError, VariableUse

__all__ = ["MustacheError", "VariableUse", "bind", "first_use", "parse", "variables"]


class MustacheError(TemplateError):
    """A template that does not parse; `position` is the offset of the offending tag."""


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
        if info.tag_type == "/":
            message = f"closing tag {{{{/{info.tag_key}}}}} does not match an open section"
        else:
            message = f"section {{{{{info.tag_type}{info.tag_key}}}}} is never closed"
        raise MustacheError(message, _tag_start(template, info.position)) from None


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


def variables(template: str) -> VariableUse:
    """Variables used by a template (raises MustacheError if it does not parse)."""
    found: dict[str, set[str]] = {"required": set(), "optional": set(), "nested": set()}
    _walk(parse(template)._parse_tree, False, found)
    required = frozenset(found["required"])
    return VariableUse(
        required, frozenset(found["optional"]) - required, frozenset(found["nested"])
    )


def bind(template: str, values: dict[str, Any]) -> str:
    """One message's text with the values inserted, exactly as Freeplay's SDK does it.

    The implementation is the emulator's (Freeplay's contract, kept in one place).
    """
    from promptsync.emulator.formatting import bind_text

    return bind_text(template, values)


def first_use(template: str, name: str) -> int:
    """Offset of the first tag naming `name` (0 when none is found), to locate an error."""
    index = 0
    while (index := template.find("{{", index)) >= 0:
        if template[index + 2 :].lstrip("#^&{/ ").startswith(name):
            return index
        index += 2
    return 0
