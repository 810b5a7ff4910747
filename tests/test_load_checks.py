"""One mistake never hides another: every check runs on whatever parts of a file are readable."""

from __future__ import annotations

from pathlib import Path

import pytest

from promptsync.errors import LoadError
from promptsync.kinds.prompts.load import check_prompts, load_prompts, parse_prompt
from tests.conftest import RunCli


def _issues(text: str) -> list[str]:
    try:
        _, warnings = parse_prompt(text.encode(), "p.yaml")
    except LoadError as exc:
        return [f"{i.severity}: {i}" for i in exc.issues]
    return [f"{i.severity}: {i}" for i in warnings]


def _project(tmp_path: Path, files: dict[str, str]) -> Path:
    prompts = tmp_path / "prompts"
    for name, text in files.items():
        (prompts / name).parent.mkdir(parents=True, exist_ok=True)
        (prompts / name).write_text(text, encoding="utf-8")
    return prompts


def test_a_duplicate_key_does_not_hide_the_rest() -> None:
    text = """\
name: t
provider: openai
provider: anthropic
model: 1
messages:
  - role: user
    content: "Hi {{#open}} {{usr}}"
    media_slots:
      - {type: image, placeholder_name: p}
      - {type: image, placeholder_name: p}
tool_schema:
  - {name: f, description: d, parameters: {}}
  - {name: f, description: d, parameters: {}}
variables:
  user: {}
"""
    assert _issues(text) == [
        "error: p.yaml:3:1: duplicate key 'provider' (first defined at line 2)",
        "error: p.yaml:4:8: model: expected a string, got an integer",
        "error: p.yaml:7:18: messages[0].content: section {{#open}} is never closed",
        "error: p.yaml:10:9: messages[0].media_slots: 'p' is used twice",
        "error: p.yaml:13:12: tool_schema[1]: tool 'f' is defined twice",
    ]


def test_type_errors_do_not_hide_semantic_checks() -> None:
    text = """\
name: t
provider: openai
model: gpt-4o
llm_parameters: {temperature: true}
messages:
  - role: sytem
    content: "{{usr}}"
  - role: user
    content: "{{/done}}"
  - 42
tool_schema:
  - {name: f, description: 1, parameters: {}}
  - {name: f, description: d, parameters: {}}
environments: [prod, prod]
variables:
  user: {example: x}
"""
    assert _issues(text) == [
        "error: p.yaml:4:31: llm_parameters.temperature: expected a string, a number or a"
        " mapping, got a boolean",
        "error: p.yaml:6:11: messages[0].role: must be one of system, user, assistant;"
        " got 'sytem' (did you mean 'system'?)",
        "error: p.yaml:7:15: messages[0].content: variable 'usr' is not declared in"
        " 'variables' (did you mean 'user'?)",
        "error: p.yaml:9:15: messages[1].content: closing tag {{/done}} does not match an"
        " open section",
        "error: p.yaml:10:5: messages[2]: expected a mapping, got an integer",
        "error: p.yaml:12:28: tool_schema[0].description: expected a string, got an integer",
        "error: p.yaml:13:12: tool_schema[1]: tool 'f' is defined twice",
        "error: p.yaml:14:15: environments: environment 'prod' is listed twice",
    ]


def test_unused_variables_are_only_reported_when_every_message_was_read() -> None:
    base = "name: t\nprovider: p\nmodel: m\nvariables: {a: {}, b: {}}\nmessages:\n"
    readable = base + "  - {role: user, content: '{{a}}'}\n"
    assert _issues(readable) == [
        "warning: p.yaml:4:20: variables: 'b' is declared but not used in any message"
    ]
    unreadable = readable + "  - {role: user, content: 7}\n"
    assert _issues(unreadable) == [
        "error: p.yaml:7:27: messages[1].content: expected a string, got an integer"
    ]


def test_cross_file_checks_include_files_with_other_errors(isolated: Path) -> None:
    _project(
        isolated,
        {
            "a.yaml": "name: t\nprovider: p\nmodel: 1\nmessages: [{role: user, content: x}]\n"
            "environments: [prod]\n",
            "b.yaml": "name: t\nprovider: p\nmodel: m\nmessages: [{role: bot, content: x}]\n"
            "environments: [prod, stagign]\n",
            "c.yaml": "name: t\nprovider: p\nmodel: m\nmessages: []\n",
            "d.yaml": "name: t\nprovider: p\nmodel: m\nmessages: [{role: user, content: x}]\n",
        },
    )
    checked = check_prompts(Path("prompts"), ["staging", "prod"])
    assert [f"{i}" for i in checked.issues] == [
        "prompts/a.yaml:3:8: model: expected a string, got an integer",
        "prompts/b.yaml:4:19: messages[0].role: must be one of system, user, assistant; got 'bot'",
        "prompts/b.yaml:5:16: environment 'prod' of template 't' is already claimed by"
        " prompts/a.yaml",
        "prompts/b.yaml:5:22: environment 'stagign' is not managed (the config's"
        " environments: staging, prod) (did you mean 'staging'?)",
        "prompts/c.yaml:4:11: messages: must not be empty",
        "prompts/d.yaml:1:7: template 't' already has a version without 'environments'"
        " in prompts/c.yaml; at most one file per template may omit it",
    ]
    with pytest.raises(LoadError) as info:
        load_prompts(Path("prompts"), ["staging", "prod"])
    assert info.value.issues == list(checked.issues)


def test_unreadable_names_and_environments_are_left_to_the_model(isolated: Path) -> None:
    prompts = _project(
        isolated,
        {
            "a.yaml": "name: 1\nprovider: p\nmodel: m\nmessages: [{role: user, content: x}]\n",
            "b.yaml": "name: ''\nprovider: p\nmodel: m\nmessages: [{role: user, content: x}]\n",
            "c.yaml": "name: t\nprovider: p\nmodel: m\nmessages: [{role: user, content: x}]\n"
            "environments: prod\n",
            "d.yaml": "name: t\nprovider: p\nmodel: m\nmessages: [{role: user, content: x}]\n"
            "environments: [latest, 3]\n",
        },
    )
    messages = [i.message for i in check_prompts(prompts).issues]
    assert messages == [
        "name: expected a string, got an integer",
        "name: must not be empty",
        "environments: expected a list, got a string",
        "environments[0]: 'latest' cannot be listed: it always points at the newest version"
        " (omit environments to compare this file with latest)",
        "environments[1]: expected a string, got an integer",
    ]


def test_validate_reports_everything_in_one_run(isolated: Path, run_cli: RunCli) -> None:
    _project(
        isolated,
        {
            "a.yaml": "name: t\nprovider: p\nprovider: q\nmodel: 1\n"
            "messages: [{role: user, content: '{{#x}}'}]\n",
        },
    )
    code, out, err = run_cli("validate")
    assert (code, out) == (1, "")
    assert err.splitlines() == [
        "error: prompts/a.yaml:3:1: duplicate key 'provider' (first defined at line 2)",
        "error: prompts/a.yaml:4:8: model: expected a string, got an integer",
        "error: prompts/a.yaml:5:35: messages[0].content: section {{#x}} is never closed",
        "3 errors in 1 file(s).",
    ]


def test_positions_after_triple_mustache_tags() -> None:
    """`{{{x}}}` holds two overlapping `{{`; counting them differently moved errors left."""
    text = "name: t\nprovider: p\nmodel: m\nmessages:\n  - role: user\n"
    text += '    content: "{{{x}}} {{{y}}} {{/z}}"\n'
    assert _issues(text) == [
        "error: p.yaml:6:31: messages[0].content: closing tag {{/z}} does not match an open section"
    ]
