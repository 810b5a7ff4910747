"""`input_variables` filled into a template's text blocks, as PromptLayer's server does it.

The official SDK's local renderer (promptlayer/template_cache.py) says it matches the server:
f-string fields missing from the variables (or None) render empty; jinja2 renders in a sandbox
where undefined names are empty. Only `text` content blocks are rendered. A block that fails to
render is left as it was.
"""

from __future__ import annotations

import copy
from string import Formatter
from typing import Any

import jinja2
from jinja2.sandbox import SandboxedEnvironment

_JINJA2 = SandboxedEnvironment(undefined=jinja2.ChainableUndefined)


def _fstring(text: str, variables: dict[str, Any]) -> str:
    values: dict[str, Any] = {}
    for _literal, field, _spec, _conversion in Formatter().parse(text):
        if field:
            value = variables.get(field)
            values[field] = "" if value is None else value
    return text.format(**values)


def render_text(text: str, template_format: str, variables: dict[str, Any]) -> str:
    try:
        if template_format == "jinja2":
            return _JINJA2.from_string(text).render(**variables)
        return _fstring(text, variables)
    except (ValueError, KeyError, IndexError, AttributeError, TypeError, jinja2.TemplateError):
        return text


def _render_blocks(
    blocks: list[dict[str, Any]] | None, fmt: str, variables: dict[str, Any]
) -> None:
    for block in blocks or []:
        if block.get("type") == "text" and isinstance(block.get("text"), str):
            block["text"] = render_text(block["text"], fmt, variables)


def render(prompt_template: dict[str, Any], variables: dict[str, Any]) -> dict[str, Any]:
    """A rendered copy of a stored chat or completion template."""
    rendered = copy.deepcopy(prompt_template)
    if rendered["type"] == "chat":
        for message in rendered["messages"]:
            _render_blocks(message.get("content"), message["template_format"], variables)
    else:
        _render_blocks(rendered["content"], rendered["template_format"], variables)
    return rendered
