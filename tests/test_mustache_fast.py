"""The regular-expression reading of simple templates agrees with pystache's parser."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from promptsync.templating import mustache
from promptsync.templating.mustache import (
    MustacheError,
    VariableUse,
    _parsed_variables,
    _simple_variables,
)

TOKENS = [
    "{{a}}", "{{ b }}", "{{c.d}}", "{{.}}", "{{&e}}", "{{{f}}}", "{{{g}}", "{{h}}}",
    "{{#a}}", "{{/a}}", "{{^b}}", "{{/b}}", "{{#c.d}}", "{{/c.d}}", "{{#.}}", "{{/.}}",
    "{{ #a}}", "{{/ a }}", "{{!note}}", "{{>part}}", "{{=<% %>=}}", "<%x%>", "{{a b}}",
    "{{", "}}", "{", "}", "text", " ", "\n", "\r\n", "\t", "{{\n#a\n}}", "{{1x}}", "{{_y}}",
]  # fmt: skip


def _pystache(template: str) -> VariableUse | str:
    try:
        return _parsed_variables(template)
    except MustacheError as exc:
        return f"{exc} @ {exc.position}"


@settings(max_examples=3000, deadline=None)
@given(st.lists(st.sampled_from(TOKENS), max_size=12))
def test_simple_reading_agrees_with_pystache(tokens: list[str]) -> None:
    template = "".join(tokens)
    simple = _simple_variables(template)
    if simple is not None:
        assert simple == _pystache(template), template


@pytest.mark.parametrize(
    "template",
    [
        "Hi {{name}}, {{#items}}- {{title}}\n{{/items}}{{^items}}none{{/items}}",
        "{{ user.name }} {{&raw}} {{#a}}{{#b}}{{c}}{{/b}}{{/a}}",
        "{{#.}}{{x}}{{/.}}",
    ],
)
def test_simple_templates_take_the_fast_reading(template: str) -> None:
    assert _simple_variables(template) is not None
    assert mustache.variables(template) == _parsed_variables(template)


@pytest.mark.parametrize(
    "template",
    ["{{{raw}}}", "{{!c}}", "{{>p}}", "{{=<% %>=}}", "{{#a}}", "{{/a}}", "{{#a}}{{/b}}", "{{"],
)
def test_other_templates_go_to_pystache(template: str) -> None:
    assert _simple_variables(template) is None
