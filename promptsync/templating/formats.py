"""The template languages by name: mustache (Freeplay's only one), f-string and jinja2
(PromptLayer's `template_format`). One interface: `VariableUse`, `TemplateError` with a
position, and binding values as the registry does.

A version's normalized content names its language in `template_format`; content without it
is mustache (Freeplay).
"""

from __future__ import annotations

from typing import Any

from promptsync.templating import fstring, mustache
from promptsync.templating.usage import TemplateError, VariableUse

__all__ = [
    "MUSTACHE",
    "TemplateError",
    "VariableUse",
    "bind",
    "first_use",
    "language",
    "validated",
    "variables",
]

MUSTACHE = "mustache"


def language(template_format: str | None) -> str:
    """The language of a text, from a version's `template_format` (None: mustache)."""
    return template_format or MUSTACHE


def variables(text: str, fmt: str) -> VariableUse:
    """Variables a text uses; raises TemplateError when it does not parse."""
    if fmt == "f-string":
        return fstring.variables(text)
    if fmt == "jinja2":
        from promptsync.templating import jinja

        return jinja.variables(text)
    return mustache.variables(text)


def validated(text: str, fmt: str) -> VariableUse:
    """Like `variables`, but also an error for what parses yet would not render as written
    (see `templating.fstring`)."""
    if fmt == "f-string":
        return fstring.validated(text)
    return variables(text, fmt)


def first_use(text: str, name: str, fmt: str) -> int:
    """Offset of the first use of a variable in a text (0 when none is found)."""
    if fmt == "f-string":
        return fstring.first_use(text, name)
    if fmt == "jinja2":
        from promptsync.templating import jinja

        return jinja.first_use(text, name)
    return mustache.first_use(text, name)


def bind(text: str, fmt: str, values: dict[str, Any]) -> str:
    """A text with the values inserted, as the registry's own renderer does it.

    The implementations are shared with the emulators (each registry's contract, in one place).
    """
    if fmt in ("f-string", "jinja2"):
        from promptsync.templating.server_render import render_text

        return render_text(text, fmt, values)
    return mustache.bind(text, values)
