"""What shape of value a template needs in each variable, and whether a value has it. Pure.

The type rules of `plan --impact` (docs/impact.md), read from how the template uses each
top-level variable, as pystache (Freeplay's SDK) renders it:

- `{{x}}` / `{{{x}}}` outside any section: **text** — a string, number or boolean. A list or an
  object is inserted as compact JSON.
- `{{x.key}}` or `{{#x.key}}`: an **object** (a mapping); anything else renders nothing there.
- `{{#x}}…{{/x}}` whose body looks up names: a **list** of objects, or one object — the names
  are looked up in each item. A string, number or boolean that is not empty runs the body once
  with nothing to look up in. Names the same call passes as top-level variables are found
  there instead, so they do not count; a body that looks up nothing (a flag) takes any value.
- `{{^x}}…{{/x}}`: any value (only its emptiness matters).

Names inside sections are not constraints on top-level variables: they may be the items' fields.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Literal

from promptsync.templating import mustache

Shape = Literal["text", "object", "list"]
ValueKind = Literal["string", "number", "boolean", "list", "object", "null"]


@dataclass(frozen=True)
class Needs:
    """How one template uses one top-level variable."""

    text: bool = False  # interpolated outside any section
    object: bool = False  # dotted access
    # Section bodies that look up names: the names each body looks up.
    sections: tuple[frozenset[str], ...] = field(default_factory=tuple)

    def __or__(self, other: Needs) -> Needs:
        return Needs(
            self.text or other.text,
            self.object or other.object,
            self.sections + other.sections,
        )


def _root(key: str) -> str | None:
    if key == ".":
        return None
    return key.split(".", 1)[0].strip() or None


def _names(nodes: list[Any]) -> set[str]:
    """Every name a section body looks up, at any depth (not `.`)."""
    found: set[str] = set()
    for node in nodes:
        kind = type(node).__name__
        name = _root(node.key) if hasattr(node, "key") else None
        if name and kind in ("_EscapeNode", "_LiteralNode", "_SectionNode", "_InvertedNode"):
            found.add(name)
        if kind == "_SectionNode":
            found |= _names(node.parsed._parse_tree)
        elif kind == "_InvertedNode":
            found |= _names(node.parsed_section._parse_tree)
    return found


def needs(template: str) -> dict[str, Needs]:
    """Top-level variable → how the template uses it (raises MustacheError if it does not
    parse)."""
    found: dict[str, Needs] = {}
    for node in mustache.parse(template)._parse_tree:
        kind = type(node).__name__
        if kind not in ("_EscapeNode", "_LiteralNode", "_SectionNode"):
            continue
        name = _root(node.key)
        if name is None:
            continue
        if "." in node.key.strip():
            use = Needs(object=True)
        elif kind == "_SectionNode":
            body = _names(node.parsed._parse_tree)
            use = Needs(sections=(frozenset(body),)) if body else Needs()
        else:
            use = Needs(text=True)
        found[name] = found.get(name, Needs()) | use
    return found


def merge(uses: list[dict[str, Needs]]) -> dict[str, Needs]:
    """The needs of several messages together."""
    merged: dict[str, Needs] = {}
    for use in uses:
        for name, need in use.items():
            merged[name] = merged.get(name, Needs()) | need
    return merged


def kind_of(value: Any) -> ValueKind:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, int | float):
        return "number"
    if isinstance(value, str):
        return "string"
    return "list" if isinstance(value, list) else "object"


def unmet(need: Needs, value: Any, passed: Mapping[str, Any]) -> Shape | None:
    """The first shape `value` lacks for `need` (None: it fits). `passed` is the call's
    top-level variables, where section bodies find names before the items."""
    kind = kind_of(value)
    if need.object and kind != "object":
        return "object"
    if need.text and kind in ("list", "object"):
        return "text"
    for body in need.sections:
        if not body - passed.keys() or not value:
            continue  # everything is found outside, or the section is skipped
        items = value if isinstance(value, list) else [value]
        if not all(isinstance(item, dict) for item in items):
            return "list"
    return None
