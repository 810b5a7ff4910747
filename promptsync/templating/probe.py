"""Which variables a rendering leaves empty. Pure.

The text is rendered with `mustache.bind`, exactly as Freeplay's SDK renders it, after every
interpolation tag (`{{x}}`, `{{{x}}}`, `{{& x}}`) has been wrapped in invisible markers; a tag
that rendered nothing leaves its two markers side by side. Sections, inverted sections and
lists behave exactly as in the real rendering, so a tag inside a section that is skipped is
not empty, and a tag inside a list is checked once per item.
"""

from __future__ import annotations

import re
from typing import Any

from promptsync.templating import mustache

# Private-use characters: no prompt text or variable value is expected to hold them.
_OPEN, _MIDDLE, _CLOSE = "\ue000", "\ue001", "\ue002"
_TAG = re.compile(
    r"\{\{\{\s*(?P<triple>[^{}]+?)\s*\}\}\}|\{\{\s*(?:&\s*)?(?P<name>[^{}#^/!>=&\s][^{}]*?)\s*\}\}"
)
_EMPTY = re.compile(f"{_OPEN}(\\d+){_MIDDLE}{_CLOSE}")


def probeable(text: str) -> bool:
    """A text whose tags the markers can find: no delimiter changes, no marker characters."""
    return "{{=" not in text and not any(c in text for c in (_OPEN, _MIDDLE, _CLOSE))


def empty_variables(text: str, values: dict[str, Any]) -> set[str]:
    """The tags (`tone`, `user.name`) that render as empty text with these values."""
    names: list[str] = []

    def wrap(match: re.Match[str]) -> str:
        name = (match.group("triple") or match.group("name")).strip()
        if name == ".":
            return match.group(0)
        names.append(name)
        return f"{_OPEN}{len(names) - 1}{_MIDDLE}{match.group(0)}{_CLOSE}"

    marked = _TAG.sub(wrap, text)
    if not names:
        return set()
    rendered = mustache.bind(marked, values)
    return {names[int(index)] for index in _EMPTY.findall(rendered)}
