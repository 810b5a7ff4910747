"""PromptLayer's template languages: variables by each language's own parser, errors located,
values bound exactly as PromptLayer renders them, breaking changes found in every language."""

from __future__ import annotations

from typing import Any

import pytest
from promptlayer.template_cache import _render_text as sdk_render_text

from promptsync.kinds.prompts.breaking import breaking_changes
from promptsync.templating import formats, fstring, jinja


@pytest.mark.parametrize(
    ("text", "names"),
    [
        ("Hi {name}, about {topic!r:>10}.", {"name", "topic"}),
        ('{{literal}} and {{"json": {value}}}', {"value"}),
        ("{user.name} {items[0]}", {"user", "items"}),
        ("{} {0} no names", set()),
        ("no fields at all", set()),
    ],
)
def test_fstring_variables(text: str, names: set[str]) -> None:
    assert fstring.variables(text).required == names


@pytest.mark.parametrize(
    ("text", "message", "position"),
    [
        ("Answer {question", "not a valid f-string template: expected '}' before end", 7),
        ("a } b", "not a valid f-string template: Single '}'", 2),
        ("Hi {{name}}!", "{{name}} in an f-string template is an escaped literal brace", 3),
        ("x {{#items}}", "{{#items}} in an f-string template is an escaped literal brace", 2),
        ("Hi {user.name}", "field {user.name}: PromptLayer fills plain names only ('user')", 3),
        ("Hi {0}", "positional field {0}: PromptLayer fills named fields only", 3),
        ("Hi {}", "positional field {}:", 3),
        ("Pad {x:{width}}", "field {x:{width}}: a field inside a format spec", 4),
        ('As {"a": 1}', 'field {"a": 1}: \'"a"\' is not a variable name', 3),
        ("On {day!x}", "field {day!x}: !x is not a conversion (str.format knows !r, !s", 3),
        ("On {day:%Y}", "field {day:%Y}: the format spec '%Y' fits no text or number", 3),
        ("On {day!r:,}", "field {day!r:,}: the format spec ',' fits no text or number", 3),
    ],
)
def test_fstring_validation_errors(text: str, message: str, position: int) -> None:
    with pytest.raises(formats.TemplateError) as info:
        formats.validated(text, "f-string")
    assert str(info.value).startswith(message)
    assert info.value.position == position


def test_fstring_specs_some_value_accepts_are_fine() -> None:
    assert formats.validated("{n:03d} {x:>10} {p:.1%} {t!r:^8}", "f-string").required == {
        "n",
        "x",
        "p",
        "t",
    }


def test_fstring_literal_braces_that_are_not_mustache_are_fine() -> None:
    assert formats.validated('Reply as {{"answer": {x}}}', "f-string").required == {"x"}
    assert formats.validated("{{{x}}}", "f-string").required == {"x"}


def test_jinja2_variables_come_from_jinja2s_own_parser() -> None:
    use = jinja.variables(
        "{{ name }} {% if vip %}{{ user.email }}{% endif %}"
        "{% for item in items %}{{ item.title }} {{ loop.index }}{% endfor %}"
        "{% set local = 1 %}{{ local }}"
    )
    assert use.required == {"name", "vip", "user", "items"}


def test_jinja2_syntax_error_points_at_its_line() -> None:
    text = "line one {{ a }}\n{% if x %}unclosed"
    with pytest.raises(formats.TemplateError) as info:
        formats.variables(text, "jinja2")
    assert str(info.value).startswith("jinja2: Unexpected end of template")
    assert info.value.position == text.index("{% if")


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("Hi {{ name | shout }}", "jinja2: No filter named 'shout'."),
        ("{{ name is shouty }}", "jinja2: No test named 'shouty'."),
    ],
)
def test_jinja2_unknown_filters_and_tests_are_template_errors(text: str, message: str) -> None:
    # They parse; jinja2 rejects them when it compiles, which finding the variables does.
    with pytest.raises(formats.TemplateError) as info:
        formats.variables(text, "jinja2")
    assert str(info.value) == message


@pytest.mark.parametrize(
    ("text", "name", "fmt", "offset"),
    [
        ("a {x} b {y}", "y", "f-string", 8),
        ("a {{ x }} {% if y %}{% endif %}", "y", "jinja2", 10),
        ("a {{x}} {{#y}}{{/y}}", "y", "mustache", 8),
        ("nothing here", "z", "f-string", 0),
    ],
)
def test_first_use(text: str, name: str, fmt: str, offset: int) -> None:
    assert formats.first_use(text, name, fmt) == offset


VALUES: dict[str, Any] = {
    "name": "Ann",
    "count": 3,
    "none": None,
    "items": ["a", "b"],
    "user": {"email": "ann@example.com"},
}


@pytest.mark.parametrize(
    ("text", "fmt"),
    [
        ("Hi {name}, {count:03d} {missing}|{none}|{items}", "f-string"),
        ("{{literal}} {name!r}", "f-string"),
        ("{user.email} leaves the text unrendered", "f-string"),
        ("{name!x} leaves the text unrendered", "f-string"),
        ("{name:%Y} leaves the text unrendered", "f-string"),
        ("Hi {{ name }} {{ missing }}|{{ missing.deeper }}|{{ user.email }}", "jinja2"),
        ("{% for i in items %}[{{ i }}]{% endfor %} {{ count + 1 }}", "jinja2"),
        ("{% if %} broken", "jinja2"),
        ("Hi {{ name | shout }}", "jinja2"),
    ],
)
def test_bind_matches_promptlayers_renderer(text: str, fmt: str) -> None:
    assert formats.bind(text, fmt, VALUES) == sdk_render_text(text, fmt, VALUES)


def content(fmt: str, *texts: str) -> dict[str, Any]:
    return {
        "messages": [{"role": "user", "content": t} for t in texts],
        "provider": "openai",
        "model": "gpt-4o",
        "llm_parameters": {},
        "tool_schema": None,
        "output_schema": None,
        "template_format": fmt,
    }


@pytest.mark.parametrize(
    ("fmt", "before", "after", "expected"),
    [
        ("f-string", "{a} {b}", "{a}", [("variable_removed", "b")]),
        ("f-string", "{star}", "{artist}", [("variable_renamed", "star -> artist")]),
        ("f-string", "{a}", "{a} {b}", [("variable_newly_required", "b")]),
        ("f-string", "{{a}} {b}", "{b}", []),  # {{a}} was never a variable
        ("jinja2", "{{ a }} {{ b }}", "{{ a }}", [("variable_removed", "b")]),
        ("jinja2", "{% if a %}x{% endif %}", "{{ a }} {{ b }}", [("variable_newly_required", "b")]),
    ],
)
def test_breaking_changes_in_every_language(
    fmt: str, before: str, after: str, expected: list[tuple[str, str]]
) -> None:
    found = breaking_changes(content(fmt, before), content(fmt, after))
    assert [(c.kind, c.detail) for c in found] == expected
