"""The YAML reader: the fast path and the careful path agree, and positions are editor positions."""

from __future__ import annotations

from typing import Any

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from promptsync.errors import LoadError
from promptsync.repo.yamlread import parse_document, read_document

# A comment holding `&` sends a file down the careful path without changing its data or positions.
CAREFUL = b"\n# & careful\n"

keys = st.text(alphabet="abcdefgh_:-#{}[] ", min_size=1, max_size=6)
scalars = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(),
    st.floats(allow_nan=False),
    st.text(max_size=15),
    st.sampled_from(["on", "off", "yes", "1.0", "0x1f", "~", "2024-01-01", "{{x}}"]),
)
values: Any = st.recursive(
    scalars,
    lambda children: st.lists(children, max_size=4) | st.dictionaries(keys, children, max_size=4),
    max_leaves=20,
)


def _both(raw: bytes) -> tuple[Any, Any]:
    def outcome(data: bytes) -> Any:
        try:
            doc = parse_document(data, "f.yaml")
        except LoadError as exc:
            return [str(i) for i in exc.issues]
        return doc.data, doc.value_marks, doc.key_marks, doc.spans, doc.issues

    return outcome(raw), outcome(raw + CAREFUL)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(values, st.sampled_from([None, True, False]))
def test_fast_and_careful_paths_agree(value: Any, flow: bool | None) -> None:
    raw = yaml.safe_dump(value, allow_unicode=True, default_flow_style=flow).encode()
    fast, careful = _both(raw)
    assert fast == careful


@pytest.mark.parametrize(
    "text",
    [
        "a: 1\nb: [1, 2.5, true, null, ~, on]\nc: {d: '2024-01-01'}\n",
        "a: 2024-01-01\n",  # a timestamp: built by the careful path
        "a: !!binary aGk=\n",
        "a: 1\na: 2\n",  # duplicate key
        "a: &x 1\nb: *x\n",
        "a: *x\n",
        "<<: {a: 1}\n",
        "a: !!python/name:os.system\n",
        "? [a]\n: 1\n",
        "- " * 199 + "x\n",
        "- " * 200 + "x\n",
        "a: [" * 150 + "]" * 150 + "\n",
        "",
        "# only a comment\n",
        "a: 1\n---\nb: 2\n",
    ],
)
def test_paths_agree_on_edge_cases(text: str) -> None:
    fast, careful = _both(text.encode())
    assert fast == careful


def test_positions_count_lines_as_editors_do() -> None:
    # libyaml (YAML 1.1) also breaks lines at NEL, LS and PS; editors and YAML 1.2 do not.
    text = 'a: "x\u2028y\u2029z\x85w"\nb: 1\nc: 2\nb: 3\n'
    with pytest.raises(LoadError) as info:
        read_document(text.encode(), "f.yaml")
    assert [str(i) for i in info.value.issues] == [
        "f.yaml:4:1: duplicate key 'b' (first defined at line 2)"
    ]


@pytest.mark.parametrize("newline", ["\r\n", "\r"])
def test_positions_with_windows_and_old_mac_line_endings(newline: str) -> None:
    text = newline.join(["a: 1", "b: |", "  text", "b: 2", "c:\t3", ""])
    doc = parse_document(text.encode(), "f.yaml")
    assert [str(i) for i in doc.issues] == [
        "f.yaml:4:1: duplicate key 'b' (first defined at line 2)",
        "f.yaml:5:3: tab character; YAML must be indented with spaces",
    ]
    assert doc.data == {"a": 1, "b": "text\n", "c": 3}
    assert doc.position(text.index("c")) == (4, 0)


def test_positions_after_a_byte_order_mark() -> None:
    with pytest.raises(LoadError) as info:
        read_document(b"\xef\xbb\xbfa: 1\na: 2\n", "f.yaml")
    assert str(info.value) == "f.yaml:2:1: duplicate key 'a' (first defined at line 1)"


def test_duplicate_keys_leave_the_first_value_to_check() -> None:
    doc = parse_document(b"a: 1\nb: 2\na: 3\n", "f.yaml")
    assert doc.data == {"a": 1, "b": 2}
    assert [i.line for i in doc.issues] == [3]
    with pytest.raises(LoadError):
        read_document(b"a: 1\nb: 2\na: 3\n", "f.yaml")
