"""`plan --impact`, the pure part: type rules, empty renders, counting, targets. Literal inputs."""

from __future__ import annotations

from typing import Any

import pytest

from promptsync.impact.analysis import Target, analyze, example, targets, truncate
from promptsync.impact.traffic import CallSample, SampledCall
from promptsync.kinds.prompts.changes import Breaking
from promptsync.kinds.prompts.remote import Content
from promptsync.templating import probe, shapes
from tests.planning import SYSTEM, USER, plan, remote, scope, snapshots, source


def content(*texts: str) -> Content:
    return {"messages": [{"role": "user", "content": t} for t in texts]}


def sample(*inputs: dict[str, Any], more: bool = False) -> CallSample:
    calls = tuple(SampledCall(i, f"c{n}") for n, i in enumerate(inputs))
    return CallSample(calls, more)


def target(before: str, after: str, *breaking: tuple[str, str]) -> Target:
    return Target(
        "support",
        "prod",
        content(before),
        content(after),
        tuple(Breaking(kind=k, environment="prod", detail=d) for k, d in breaking),
    )


# --- how a template uses its variables --------------------------------------------------------


def test_needs_reads_each_kind_of_use() -> None:
    found = shapes.needs(
        "{{a}} {{{b}}} {{& c}} {{d.e}} {{#f.g}}x{{/f.g}} {{#items}}{{name}}{{/items}}"
        " {{#flag}}yes{{/flag}} {{#dots}}{{.}}{{/dots}} {{^inv}}{{z}}{{/inv}} {{a}}"
    )
    assert found == {
        "a": shapes.Needs(text=True),
        "b": shapes.Needs(text=True),
        "c": shapes.Needs(text=True),
        "d": shapes.Needs(object=True),
        "f": shapes.Needs(object=True),
        "items": shapes.Needs(sections=(frozenset({"name"}),)),
        "flag": shapes.Needs(),
        "dots": shapes.Needs(),
    }


def test_needs_of_nested_sections_collects_every_name() -> None:
    found = shapes.needs("{{#orders}}{{#items}}{{sku}}{{/items}}{{^items}}-{{/items}}{{/orders}}")
    assert found == {"orders": shapes.Needs(sections=(frozenset({"items", "sku"}),))}


LIST = shapes.Needs(sections=(frozenset({"name"}),))


@pytest.mark.parametrize(
    ("need", "value", "passed", "lacking"),
    [
        (shapes.Needs(text=True), "x", {}, None),
        (shapes.Needs(text=True), 3, {}, None),
        (shapes.Needs(text=True), False, {}, None),
        (shapes.Needs(text=True), ["a"], {}, "text"),
        (shapes.Needs(text=True), {"a": 1}, {}, "text"),
        (shapes.Needs(object=True), {"name": "Ada"}, {}, None),
        (shapes.Needs(object=True), "Ada", {}, "object"),
        (shapes.Needs(object=True), [{"name": "Ada"}], {}, "object"),
        (LIST, [{"name": "a"}, {"name": "b"}], {}, None),
        (LIST, {"name": "a"}, {}, None),
        (LIST, [], {}, None),
        (LIST, "", {}, None),  # an empty value skips the section
        (LIST, False, {}, None),
        (LIST, "a, b", {}, "list"),
        (LIST, ["a", "b"], {}, "list"),
        (LIST, [{"name": "a"}, "b"], {}, "list"),
        (LIST, True, {"name": "Ada"}, None),  # `name` is found among the call's variables
        (shapes.Needs(), "anything", {}, None),
    ],
)
def test_type_rules(need: shapes.Needs, value: Any, passed: dict[str, Any], lacking: Any) -> None:
    assert shapes.unmet(need, value, passed) == lacking


@pytest.mark.parametrize(
    ("value", "kind"),
    [
        ("s", "string"),
        (1, "number"),
        (1.5, "number"),
        (True, "boolean"),
        ([], "list"),
        ({}, "object"),
    ],
)
def test_kind_of(value: Any, kind: str) -> None:
    assert shapes.kind_of(value) == kind


# --- empty renders -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "values", "empty"),
    [
        ("Hi {{name}}", {"name": "Ada"}, set()),
        ("Hi {{name}}", {}, {"name"}),
        ("Hi {{ name }}", {"name": ""}, {"name"}),
        ("{{{raw}}} {{& amp}}", {"raw": "", "amp": "x"}, {"raw"}),
        ("{{#tone}}Tone: {{tone}}{{/tone}}", {}, set()),  # an optional section, skipped
        ("{{#items}}- {{name}}\n{{/items}}", {"items": [{"name": "a"}, {}]}, {"name"}),
        ("{{#items}}- {{name}}\n{{/items}}", {"items": [{"name": "a"}]}, set()),
        ("{{user.name}}", {"user": "Ada"}, {"user.name"}),
        ("{{user.name}}", {"user": {"name": "Ada"}}, set()),
        ("{{#items}}{{.}}{{/items}}", {"items": ["", "b"]}, set()),  # `.` is not a variable
        ("{{n}} {{b}}", {"n": 0, "b": False}, set()),  # 0 and False render as text
        ("{{! {{ignored}} }}plain", {}, set()),
    ],
)
def test_empty_variables(text: str, values: dict[str, Any], empty: set[str]) -> None:
    assert probe.empty_variables(text, values) == empty


def test_markers_leave_the_rendering_otherwise_alone() -> None:
    # A value that looks like a tag is not rendered again, and a filled tag is not reported.
    assert probe.empty_variables("{{a}}{{b}}", {"a": "{{b}}", "b": "x"}) == set()


def test_delimiter_changes_and_marker_characters_are_not_probed() -> None:
    assert not probe.probeable("{{=<% %>=}}<% name %>")
    assert not probe.probeable("odd \ue001 text")
    assert probe.probeable("{{name}}")


# --- counting ----------------------------------------------------------------------------------


def test_newly_required_variable_counts_the_calls_without_it() -> None:
    t = target(
        "Answer {{question}}",
        "Answer {{question}} in a {{tone}} tone",
        ("variable_newly_required", "tone"),
    )
    result = analyze(
        t, sample({"question": "q1"}, {"question": "q2", "tone": "warm"}, {"question": "q3"})
    )
    assert result.sampled == 3
    assert not result.more
    assert [(b.kind, b.detail, b.affected) for b in result.breaking] == [
        ("variable_newly_required", "tone", 2)
    ]
    assert result.empty_renders is not None
    assert result.empty_renders.model_dump() == {
        "after": 2,
        "before": 0,
        "variables": {"tone": 2},
    }
    assert result.type_mismatches == []
    assert result.examples == []  # none unless asked for
    assert result.error is None


def test_removed_and_renamed_variables() -> None:
    t = target(
        "{{pop_star}} {{kb}}",
        "{{knowledge_base}}",
        ("variable_removed", "pop_star"),
        ("variable_renamed", "kb -> knowledge_base"),
    )
    result = analyze(
        t,
        sample(
            {"pop_star": "Taylor", "kb": "x"},
            {"kb": "y", "knowledge_base": "y"},  # already passes the new name too
            {"other": 1},
        ),
    )
    assert [b.affected for b in result.breaking] == [1, 1]
    assert result.empty_renders is not None
    assert (result.empty_renders.after, result.empty_renders.before) == (2, 2)


def test_changes_the_inputs_cannot_tell_are_not_counted() -> None:
    t = target("{{q}}", "{{q}}", ("tool_removed", "weather"), ("history_removed", "history"))
    result = analyze(t, sample({"q": "a"}))
    assert [b.affected for b in result.breaking] == [None, None]
    # And no calls at all: variable changes are 0 of 0, the others still unknown.
    t = target(
        "{{q}}", "{{q}} {{tone}}", ("variable_newly_required", "tone"), ("tool_removed", "w")
    )
    empty = analyze(t, sample())
    assert (empty.sampled, [b.affected for b in empty.breaking]) == (0, [0, None])


def test_a_text_variable_becoming_a_list() -> None:
    t = target("Items: {{items}}", "{{#items}}- {{name}}\n{{/items}}")
    result = analyze(
        t,
        sample(
            {"items": "apples, pears"},
            {"items": 3},
            {"items": [{"name": "apples"}]},
            {"items": True, "name": "flag-style"},  # `name` is found at the top level
            {"items": ""},  # skipped section
        ),
    )
    assert [m.model_dump() for m in result.type_mismatches] == [
        {"variable": "items", "needs": "list", "passed": {"number": 1, "string": 1}, "affected": 2}
    ]


def test_only_values_that_fit_the_current_version_count() -> None:
    # Calls already passing a list to a text tag are not broken by this change.
    t = target("{{user}} / {{items}}", "{{user.name}} / {{items}}")
    result = analyze(t, sample({"user": "Ada", "items": ["x"]}, {"user": {"name": "Bo"}}))
    assert [(m.variable, m.needs, m.passed) for m in result.type_mismatches] == [
        ("user", "object", {"string": 1})
    ]
    # A section that becomes text: a list now goes in as JSON.
    t = target("{{#tags}}{{label}}{{/tags}}", "Tags: {{tags}}")
    result = analyze(t, sample({"tags": [{"label": "a"}]}))
    assert [(m.variable, m.needs, m.passed) for m in result.type_mismatches] == [
        ("tags", "text", {"list": 1})
    ]
    # A variable new to this version that callers already pass in the wrong shape.
    t = target("hello", "{{#rows}}{{cell}}{{/rows}}")
    result = analyze(t, sample({"rows": "a"}))
    assert [m.variable for m in result.type_mismatches] == ["rows"]


def test_more_is_kept_and_failed_is_empty() -> None:
    from promptsync.impact.analysis import failed

    t = target("{{a}}", "{{a}}")
    assert analyze(t, sample({"a": "x"}, more=True)).more
    bad = failed(t, "POST /x: 500 boom")
    assert (bad.sampled, bad.empty_renders, bad.error) == (None, None, "POST /x: 500 boom")


def test_examples_prefer_affected_calls_and_are_truncated() -> None:
    t = target("{{q}}", "{{q}} {{tone}}", ("variable_newly_required", "tone"))
    long = "x" * 200
    calls = sample({"q": "fine", "tone": "warm"}, {"q": long}, {"q": "ok", "tone": "dry"})
    result = analyze(t, calls, examples=3)
    assert [e.completion_id for e in result.examples] == ["c1", "c0", "c2"]
    assert result.examples[0].inputs == {"q": "x" * 79 + "…"}
    assert len(result.examples[0].inputs["q"]) == 80
    assert [e.completion_id for e in analyze(t, calls, examples=1).examples] == ["c1"]


def test_example_shows_ten_variables_short_values_as_they_are() -> None:
    big = {"rows": list(range(100))}
    call = SampledCall({f"v{i:02d}": i for i in range(11)} | {"obj": {"a": [1]}, "big": big}, None)
    shown = example(call)
    assert list(shown.inputs) == ["big", "obj", *(f"v{i:02d}" for i in range(8))]
    assert shown.inputs["obj"] == {"a": [1]}
    assert shown.inputs["v01"] == 1
    assert (
        shown.inputs["big"]
        == '{"rows":[0,1,2,3,4,5,6,7,8,9,10,11,12,13,14,15,16,17,18,19,20,21,22,23,24,25,26…'
    )
    assert len(shown.inputs["big"]) == 80
    assert shown.omitted == 3
    assert truncate("short") == "short"


def test_remote_text_that_does_not_parse_tells_nothing() -> None:
    t = Target("s", "prod", content("{{#open}}"), content("{{q}}"), ())
    result = analyze(t, sample({}))
    assert result.empty_renders is not None
    assert (result.empty_renders.after, result.empty_renders.before) == (1, 0)


# --- what is sampled ---------------------------------------------------------------------------


def test_targets_are_updated_and_promoted_environments_that_serve_something() -> None:
    tone = [{"role": "system", "content": SYSTEM}, {"role": "user", "content": USER + " {{tone}}"}]
    v1 = remote("a1b1c1d1-aaaa-4aaa-8aaa-000000000001")
    v2 = remote("a2b2c2d2-aaaa-4aaa-8aaa-000000000002", messages=tone)
    files = [
        # album_bot: staging gets a new version, prod is promoted to staging's current one.
        source("a/staging.yaml", environments=["staging"], messages=tone, llm_parameters={}),
        source("a/prod.yaml", environments=["prod"], messages=tone),
        # new_bot: a create, never sampled.
        source("n.yaml", name="new_bot", environments=["staging", "prod"]),
        # dev_bot: an update to an environment that serves nothing yet, and one that does.
        source("d.yaml", name="dev_bot", environments=["staging", "prod"]),
    ]
    dev_bot = remote("d1d1d1d1-aaaa-4aaa-8aaa-000000000001", name="dev_bot", model="gpt-3.5")
    snaps = snapshots(
        ["staging", "prod"],
        staging=[v2, dev_bot],
        prod=[v1],
        latest=[v2, dev_bot],
    )
    body = plan(files, snaps, scope())
    found = targets(body.changes, ["staging", "prod"], snaps)
    assert [(t.name, t.environment) for t in found] == [
        ("album_bot", "staging"),
        ("album_bot", "prod"),
        ("dev_bot", "staging"),
    ]
    staging, prod, _dev = found
    assert staging.before == v2.content
    assert staging.after["llm_parameters"] == {}  # the file's content, from its create
    assert prod.before == v1.content
    assert prod.after == v2.content  # promoted: the content of the version it now serves
    assert [(b.kind, b.detail) for b in prod.breaking] == [("variable_newly_required", "tone")]
    assert staging.breaking == ()
