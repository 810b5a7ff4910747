"""Field diffs: the fast paths report exactly what deepdiff reports for the whole content."""

from __future__ import annotations

from typing import Any

from deepdiff import DeepDiff
from deepdiff.helper import notpresent
from hypothesis import given, settings
from hypothesis import strategies as st

from promptsync.kinds.prompts.diff import _comparable, differences
from promptsync.repo.rules import format_path

scalars = st.one_of(
    st.none(), st.booleans(), st.integers(-3, 3), st.sampled_from([0.5, 1.5]), st.sampled_from("ab")
)
values = st.recursive(
    scalars,
    lambda inner: st.one_of(
        st.lists(inner, max_size=3), st.dictionaries(st.sampled_from("xyz"), inner, max_size=3)
    ),
    max_leaves=6,
)
params = st.dictionaries(st.sampled_from(["temperature", "max_tokens", "stop", "extra"]), values)
tools = st.one_of(
    st.none(),
    st.lists(
        st.builds(
            lambda name, description, parameters: {
                "name": name,
                "description": description,
                "parameters": parameters,
            },
            st.sampled_from(["t1", "t2"]),
            st.sampled_from(["d", "e"]),
            st.dictionaries(st.sampled_from(["type", "properties"]), values, max_size=2),
        ),
        max_size=2,
        unique_by=lambda t: t["name"],
    ),
)


def content(model: str, llm: dict[str, Any], tool_schema: Any, output: Any) -> dict[str, Any]:
    return {
        "messages": [{"role": "user", "content": "hi"}],
        "provider": "openai",
        "model": model,
        "llm_parameters": llm,
        "tool_schema": tool_schema,
        "output_schema": output,
    }


contents = st.builds(
    content,
    st.sampled_from(["m1", "m2"]),
    params,
    tools,
    st.one_of(st.none(), st.dictionaries(st.sampled_from(["type", "x"]), values, max_size=2)),
)
NO_EXTRAS: dict[str, str | None] = {"version_name": None, "version_description": None}


def reference(before: dict[str, Any], after: dict[str, Any]) -> list[tuple[str, Any, Any]]:
    """deepdiff, field by field (a field present on one side only is one change)."""
    old, new = _comparable(before, NO_EXTRAS), _comparable(after, NO_EXTRAS)
    found = []
    for key in old.keys() | new.keys():
        if key not in old or key not in new:
            found.append((key, old.get(key), new.get(key)))
            continue
        for report in DeepDiff({key: old[key]}, {key: new[key]}, verbose_level=2).tree.values():
            for level in report:
                found.append(
                    (
                        format_path(level.path(output_format="list")),
                        None if level.t1 is notpresent else level.t1,
                        None if level.t2 is notpresent else level.t2,
                    )
                )
    return sorted(found, key=repr)


@settings(max_examples=400, deadline=None)
@given(contents, contents)
def test_fast_paths_match_deepdiff(before: dict[str, Any], after: dict[str, Any]) -> None:
    found = differences(
        before, after, before_extras=NO_EXTRAS, after_extras=NO_EXTRAS, labels=("a", "b")
    )
    ours = sorted(((d.path, d.before, d.after) for d in found if d.path != "messages"), key=repr)
    assert [repr(x) for x in ours] == [repr(x) for x in reference(before, after)]


def test_a_boolean_is_not_the_number_one() -> None:
    found = differences(
        content("m", {"stream": 1}, None, None),
        content("m", {"stream": True}, None, None),
        before_extras=NO_EXTRAS,
        after_extras=NO_EXTRAS,
        labels=("a", "b"),
    )
    assert [(d.path, d.before, d.after) for d in found] == [("llm_parameters.stream", 1, True)]
