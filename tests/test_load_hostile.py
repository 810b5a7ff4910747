"""Inputs a careless or hostile user can produce: huge, deep, oddly encoded, oddly terminated.

Each must give the usual one-line errors quickly and with bounded memory. None of these tests
measures time: the inputs are sized so that the quadratic code they guard against would not
finish within the suite's timeout.
"""

from __future__ import annotations

import os
import tracemalloc
from pathlib import Path

import pytest

from promptsync.errors import LoadError
from promptsync.kinds.prompts.load import check_prompts, parse_prompt
from tests.conftest import RunCli

HEAD = "name: t\nprovider: openai\nmodel: gpt-4o\n"
VALID = HEAD + "messages: [{role: user, content: hi}]\n"


def _prompts(root: Path) -> Path:
    (root / "prompts").mkdir(exist_ok=True)
    return root / "prompts"


def test_a_huge_file_is_refused_without_being_read(isolated: Path) -> None:
    big = _prompts(isolated) / "big.yaml"
    with big.open("wb") as handle:  # sparse: 64 MiB on paper, nothing on disk
        handle.truncate(64 * 1024 * 1024)
    tracemalloc.start()
    try:
        checked = check_prompts(Path("prompts"))
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert [str(i) for i in checked.issues] == [
        "prompts/big.yaml:1:1: file is 67,108,864 bytes; the limit is 1 MiB"
    ]
    assert peak < 8 * 1024 * 1024


@pytest.mark.parametrize(
    ("encoding", "name"),
    [("utf-16", "UTF-16"), ("utf-16-be", "UTF-16"), ("utf-32", "UTF-32")],
)
def test_utf16_and_utf32_files_are_named(encoding: str, name: str) -> None:
    raw = VALID.encode(encoding)
    if not raw.startswith((b"\xff\xfe", b"\xfe\xff", b"\x00\x00")):
        raw = b"\xfe\xff" + raw  # utf-16-be writes no byte-order mark by itself
    with pytest.raises(LoadError) as info:
        parse_prompt(raw, "p.yaml")
    assert str(info.value) == f"p.yaml:1:1: file is {name}-encoded; save it as UTF-8"


def test_a_deep_directory_tree(isolated: Path, run_cli: RunCli) -> None:
    levels = [_prompts(isolated)]
    for _ in range(1100):  # deeper than Python's recursion limit
        levels.append(levels[-1] / "d")
        levels[-1].mkdir()
    (levels[-1] / "p.yaml").write_text(VALID, encoding="utf-8")
    try:
        assert run_cli("validate") == (0, "prompts: 1 file(s), 1 template(s) valid.\n", "")
    finally:  # shutil.rmtree, which cleans up tmp_path, recurses: it cannot remove this tree
        (levels[-1] / "p.yaml").unlink()
        for level in reversed(levels[1:]):
            level.rmdir()


def test_a_yaml_1_1_line_break_is_explained() -> None:
    text = HEAD + "messages:\n  - role: user\n    content: a\x85b\n  - role: user\n    content: c\n"
    with pytest.raises(LoadError) as info:
        parse_prompt(text.encode(), "p.yaml")
    assert str(info.value) == (
        "p.yaml:7:9: invalid YAML: could not find expected ':' (line 6 holds U+0085, which YAML"
        ' reads as a line break; write it as "\\u0085" in a double-quoted string)'
    )


def test_many_undeclared_variables_in_one_message() -> None:
    names = [f"v{i}" for i in range(30_000)]
    declared = "".join(f"  d{i}: {{}}\n" for i in range(3_000))
    content = " ".join(f"{{{{{n}}}}}" for n in names)
    text = HEAD + f'messages:\n  - role: user\n    content: "{content}"\nvariables:\n{declared}'
    assert len(text) < 1024 * 1024
    with pytest.raises(LoadError) as info:
        parse_prompt(text.encode(), "p.yaml")
    errors = [i for i in info.value.issues if i.severity == "error"]
    assert len(errors) == len(names)
    assert len(info.value.issues) == len(names) + 3_000  # each declared one is unused
    first = min(errors, key=lambda i: i.column)
    assert (
        str(first) == "p.yaml:6:15: messages[0].content: variable 'v0' is not declared in"
        " 'variables'"
    )


def test_many_environments_and_tools_in_one_file() -> None:
    envs = ", ".join(f"e{i}" for i in range(40_000))
    tools = "".join(
        f"  - {{name: t{i % 12_000}, description: d, parameters: {{}}}}\n" for i in range(12_001)
    )
    text = VALID + f"environments: [{envs}, e7]\ntool_schema:\n{tools}"
    assert len(text) < 1024 * 1024
    with pytest.raises(LoadError) as info:
        parse_prompt(text.encode(), "p.yaml")
    assert [i.message for i in info.value.issues] == [
        "environments: environment 'e7' is listed twice",
        "tool_schema[12000]: tool 't0' is defined twice",
    ]


def test_a_very_long_line_keeps_exact_columns() -> None:
    text = HEAD + 'messages: [{role: user, content: "' + "x" * 900_000 + '{{/a}}"}]\n'
    with pytest.raises(LoadError) as info:
        parse_prompt(text.encode(), "p.yaml")
    assert str(info.value) == (
        "p.yaml:4:900035: messages[0].content: closing tag {{/a}} does not match an open section"
    )


def test_file_names_that_are_not_utf8(isolated: Path, run_cli: RunCli) -> None:
    prompts = _prompts(isolated)
    name = os.fsdecode(b"caf\xe9.yaml")
    (prompts / name).write_text(HEAD + "messages: [{role: bot, content: x}]\n", encoding="utf-8")
    code, out, err = run_cli("validate")
    assert (code, out) == (1, "")
    assert err.splitlines()[0].startswith("error: prompts/caf\\xe9.yaml:4:19: messages[0].role")


def test_the_message_cache_keeps_no_large_texts() -> None:
    """Thousands of distinct long messages must not all stay in memory."""
    from promptsync.kinds.prompts import file_checks

    file_checks._cached_use.cache_clear()
    long = "{{a}} " + "x" * file_checks._CACHED_CONTENT_MAX
    messages = f"[{{role: user, content: '{long}'}}, {{role: user, content: '{{{{/b}}}}'}}]"
    with pytest.raises(LoadError):
        parse_prompt((HEAD + f"messages: {messages}\n").encode(), "p.yaml")
    assert file_checks._cached_use.cache_info().currsize == 1  # the short one only
