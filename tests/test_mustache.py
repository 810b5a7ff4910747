from __future__ import annotations

import pytest

from promptsync.templating import mustache


def test_variable_classes() -> None:
    use = mustache.variables(
        "Hi {{name}} {{{raw}}} {{&amp}} {{user.email}} {{#vip}}VIP {{level}}{{/vip}}"
        "{{^items}}none{{/items}}{{! comment}}{{.}}"
    )
    assert use.required == {"name", "raw", "amp", "user"}
    assert use.optional == {"vip", "items"}
    assert use.nested == {"level"}
    assert use.top_level == {"name", "raw", "amp", "user", "vip", "items"}


def test_section_key_also_interpolated_is_required() -> None:
    use = mustache.variables("{{#x}}yes{{/x}} {{x}}")
    assert use.required == {"x"}
    assert use.optional == frozenset()


@pytest.mark.parametrize(
    ("template", "message", "position"),
    [
        ("a {{#x}} b", "section {{#x}} is never closed", 2),
        ("a {{/x}}", "closing tag {{/x}} does not match an open section", 2),
        ("{{#a}}{{/b}}", "closing tag {{/b}} does not match an open section", 6),
        ("{{^a}}", "section {{^a}} is never closed", 0),
    ],
)
def test_parse_errors(template: str, message: str, position: int) -> None:
    with pytest.raises(mustache.MustacheError) as info:
        mustache.variables(template)
    assert (str(info.value), info.value.position) == (message, position)


def test_render_like_freeplay_sdk() -> None:
    values = {"a": "<b>&", "flag": True, "obj": {"k": [1, 2]}, "items": [{"n": 1}, {"n": 2}]}
    text = "{{a}} {{flag}} {{obj}} {{missing}}|{{#items}}{{n}},{{/items}}"
    assert mustache.bind(text, values) == '<b>& True {"k":[1,2]} |1,2,'


def test_unterminated_tag_is_literal_text() -> None:
    assert mustache.variables("literal {{ not a tag").all == set()
