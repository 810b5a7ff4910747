"""Names users write: template and environment names are visible text, variables are identifiers."""

from __future__ import annotations

import pytest

from promptsync.errors import LoadError
from promptsync.kinds.prompts.load import parse_prompt
from promptsync.repo.rules import check_label, check_variable_name, describe_char

BASE = "name: {name}\nprovider: p\nmodel: m\nmessages: [{{role: user, content: hi}}]\n"


def _first(text: str) -> str:
    with pytest.raises(LoadError) as info:
        parse_prompt(text.encode(), "p.yaml")
    return str(info.value.issues[0])


@pytest.mark.parametrize(
    ("name", "message"),
    [
        ('"   "', "must not be blank"),
        ('" bot"', "must not start or end with whitespace"),
        ('"bot\\u00a0"', "must not start or end with whitespace"),
        ('"bot\\u200b"', "must not contain U+200B ZERO WIDTH SPACE (an invisible formatting"),
        ('"a\\u202eb"', "must not contain U+202E RIGHT-TO-LEFT OVERRIDE"),
        ('"a\\u2066b"', "must not contain U+2066 LEFT-TO-RIGHT ISOLATE"),
        ('"\\ufeffbot"', "must not contain U+FEFF ZERO WIDTH NO-BREAK SPACE"),
        ('"a\\u00adb"', "must not contain U+00AD SOFT HYPHEN"),
        ('"a\\u2028b"', "must not contain U+2028 LINE SEPARATOR (a line break)"),
        ('"a\\x85b"', "must not contain control characters"),
        ('"a\\u0007b"', "must not contain control characters"),
    ],
)
def test_template_names_must_be_visible(name: str, message: str) -> None:
    assert _first(BASE.format(name=name)).startswith(f"p.yaml:1:7: name: {message}")


@pytest.mark.parametrize("name", ["album bot", "Álbum", "相册", "a-b.c/d", "x" * 256])
def test_ordinary_names_are_accepted(name: str) -> None:
    source, _ = parse_prompt(BASE.format(name=f'"{name}"').encode(), "p.yaml")
    assert source.prompt.name == name


def test_environment_names_follow_the_same_rule() -> None:
    text = BASE.format(name="t") + 'environments: [staging, " prod", "qa\\u200d"]\n'
    with pytest.raises(LoadError) as info:
        parse_prompt(text.encode(), "p.yaml")
    assert [str(i) for i in info.value.issues] == [
        "p.yaml:5:25: environments[1]: must not start or end with whitespace",
        "p.yaml:5:34: environments[2]: must not contain U+200D ZERO WIDTH JOINER (an invisible"
        " formatting character)",
    ]


@pytest.mark.parametrize("name", ["x", "_x", "user_name", "X9", "a" * 100])
def test_variable_names_accepted(name: str) -> None:
    assert check_variable_name(name) == name


@pytest.mark.parametrize("name", ["1", "9lives", "a-b", "a b", "a.b", "", "é", "a\n", "{{x}}"])
def test_variable_names_refused(name: str) -> None:
    with pytest.raises(ValueError, match="is not a valid variable name"):
        check_variable_name(name)


def test_invalid_variable_names_are_located_at_the_key() -> None:
    text = BASE.format(name="t") + "variables:\n  ok: {}\n  1: {}\n  a-b: {example: 1}\n"
    with pytest.raises(LoadError) as info:
        parse_prompt(text.encode(), "p.yaml")
    assert [f"{i.severity}: {i}" for i in info.value.issues] == [
        "warning: p.yaml:6:3: variables: 'ok' is declared but not used in any message",
        "error: p.yaml:7:3: variables: '1' is not a valid variable name (letters, digits and _,"
        " not starting with a digit)",
        "error: p.yaml:8:3: variables: 'a-b' is not a valid variable name (letters, digits and _,"
        " not starting with a digit)",
    ]


def test_describe_char() -> None:
    assert describe_char("\u202e") == "U+202E RIGHT-TO-LEFT OVERRIDE"
    assert describe_char("\U000e0001") == "U+E0001 LANGUAGE TAG"
    assert check_label("prod") == "prod"
