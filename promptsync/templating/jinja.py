"""PromptLayer's jinja2 templates: the variables a text uses, found by jinja2's own parser.

The one module of `templating/` that imports jinja2 (PromptLayer renders jinja2 templates with
jinja2, so its parser is the only faithful one). `templating.formats` imports it lazily.
"""

from __future__ import annotations

import re

import jinja2
from jinja2 import meta

from promptsync.templating.usage import TemplateError, VariableUse

_ENVIRONMENT = jinja2.Environment()


class JinjaError(TemplateError):
    """A jinja2 template that does not parse; `position` is the start of the failing line."""


def _line_start(text: str, lineno: int) -> int:
    offset = 0
    for _ in range(max(lineno, 1) - 1):
        found = text.find("\n", offset)
        if found < 0:
            return offset
        offset = found + 1
    return offset


def variables(text: str) -> VariableUse:
    """Variables the template reads from its context (`meta.find_undeclared_variables`).

    Finding them compiles the template, which is where jinja2 checks that every filter and
    test exists (`{{ a | nosuch }}` parses, then fails to compile): both are template errors.
    """
    try:
        tree = _ENVIRONMENT.parse(text)
        return VariableUse(required=frozenset(meta.find_undeclared_variables(tree)))
    except jinja2.TemplateSyntaxError as exc:  # TemplateAssertionError is one too
        message = exc.message or str(exc)
        raise JinjaError(f"jinja2: {message}", _line_start(text, exc.lineno)) from None
    except jinja2.TemplateError as exc:
        raise JinjaError(f"jinja2: {exc.message or exc}", 0) from None


def first_use(text: str, name: str) -> int:
    """Offset of the first tag mentioning `name` (0 when none is found), to locate an error."""
    match = re.search(r"\{[{%][^}]*?\b" + re.escape(name) + r"\b", text)
    return match.start() if match else 0
