"""Recording completions and searching them with the filter language of the search API."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pytest

from promptsync.emulator import RunningEmulator, running_emulator
from tests.emulator.completions import create_template, epoch, record, search, turn


@dataclass
class Corpus:
    fp: RunningEmulator
    ids: dict[str, str]  # label -> completion id
    album: dict[str, Any]
    support: dict[str, Any]

    def labels(self, body: dict[str, Any]) -> list[str]:
        by_id = {v: k for k, v in self.ids.items()}
        return [by_id[item["completion_id"]] for item in body["data"]]


@pytest.fixture(scope="module")
def corpus() -> Iterator[Corpus]:
    with running_emulator() as fp:
        album = create_template(fp, "album_bot", "gpt-4o", "openai")
        support = create_template(fp, "support", "claude-sonnet-4-5", "anthropic")

        def prompt(version: dict[str, Any], env: str) -> dict[str, Any]:
            return {
                "prompt_template_version_id": version["prompt_template_version_id"],
                "environment": env,
            }

        def call(start: str, seconds: float | None = None, **more: Any) -> dict[str, Any]:
            begin = epoch(start)
            return {
                "start_time": begin,
                "end_time": None if seconds is None else begin + seconds,
                **more,
            }

        payloads = {
            "a": {
                "messages": turn("Weather?", "Sunny"),
                "inputs": {"topic": "Weather in Paris", "n": 3},
                "prompt_info": prompt(album, "prod"),
                "call_info": call("2024-05-31 23:59:59", 2),
                "session_info": {"custom_metadata": {"user_type": "premium"}},
                "eval_results": {"score": 85},
            },
            "b": {
                "messages": turn("Sports?", "Goal!"),
                "inputs": {"topic": "sports"},
                "prompt_info": prompt(album, "staging"),
                "call_info": call("2024-06-01 00:00:00", 8, model="gpt-4o-mini", provider="openai"),
            },
            "c": {
                "messages": turn("Refund?", "Refund approved"),
                "inputs": {"user": {"name": "Ada"}},
                "prompt_info": prompt(support, "prod"),
                "call_info": call("2024-06-01 12:30:00.500000", 0.5),
                "session_info": {"custom_metadata": {"user_type": "free"}},
            },
            "d": {
                "messages": turn("Weather again?", "Cloudy"),
                "inputs": {"topic": "WEATHER"},
                "prompt_info": prompt(support, "dev"),
                "call_info": call("2024-06-02 00:00:00"),
                "eval_results": {"passed": True},
            },
            "e": {
                "messages": [
                    {"role": "user", "parts": [{"text": "Rain?"}]},
                    {"role": "model", "parts": [{"text": "It rains"}]},
                ],
                "call_info": call(
                    "2024-06-03 00:00:00", model="gemini-2.0-flash", provider="gemini"
                ),
            },
        }
        ids = {label: record(fp, body)["completion_id"] for label, body in payloads.items()}
        yield Corpus(fp, ids, album, support)


@pytest.mark.parametrize(
    ("filters", "expected"),
    [
        ({}, "edcba"),
        ({"field": "prompt_template", "op": "eq", "value": "album_bot"}, "ba"),
        ({"field": "environment", "op": "eq", "value": "prod"}, "ca"),
        ({"field": "model", "op": "eq", "value": "gpt-4o"}, "a"),  # b's call named its model
        ({"field": "model", "op": "eq", "value": "claude-sonnet-4-5"}, "dc"),
        ({"field": "provider", "op": "eq", "value": "openai"}, "ba"),
        ({"field": "provider", "op": "eq", "value": "gemini"}, "e"),
        ({"field": "start_time", "op": "gte", "value": "2024-06-01"}, "edcb"),
        ({"field": "start_time", "op": "lt", "value": "2024-06-01 00:00:00"}, "a"),
        ({"field": "start_time", "op": "eq", "value": "2024-06-01"}, "cb"),  # the whole day
        ({"field": "start_time", "op": "eq", "value": "2024-06-01 12:30:00"}, "c"),
        ({"field": "start_time", "op": "eq", "value": "2024-06-01T12:30"}, "c"),
        ({"field": "start_time", "op": "lte", "value": "2024-06-01 00:00:00"}, "ba"),
        ({"field": "start_time", "op": "gt", "value": "2024-06-01"}, "ed"),
        ({"field": "start_time", "op": "lt", "value": "2024-06-01T02:00:00+02:00"}, "a"),
        ({"field": "start_time", "op": "gte", "value": epoch("2024-06-02 00:00:00")}, "ed"),
        (
            {
                "field": "start_time",
                "op": "between",
                "value": [epoch("2024-06-01 00:00:00"), epoch("2024-06-01 12:30:00.5")],
            },
            "cb",
        ),
        ({"field": "latency", "op": "between", "value": [1, 3]}, "a"),
        ({"field": "latency", "op": "gte", "value": 8}, "b"),
        ({"field": "latency", "op": "lt", "value": 1}, "c"),
        ({"field": "completion_inputs.topic", "op": "contains", "value": "weather"}, "da"),
        ({"field": "completion_inputs.user.name", "op": "contains", "value": "ad"}, "c"),
        ({"field": "completion_inputs.n", "op": "contains", "value": "3"}, "a"),
        ({"field": "completion_inputs.missing", "op": "contains", "value": ""}, ""),
        ({"field": "session_custom_metadata.user_type", "op": "contains", "value": "prem"}, "a"),
        ({"field": "completion_output", "op": "contains", "value": "refund"}, "c"),
        ({"field": "completion_output", "op": "contains", "value": "rains"}, "e"),
        ({"field": "completion_client_evaluation_results.score", "op": "eq", "value": "85"}, "a"),
        ({"field": "completion_client_evaluation_results.score", "op": "eq", "value": 85}, "a"),
        ({"field": "completion_client_evaluation_results.score", "op": "eq", "value": "86"}, ""),
        (
            {"field": "completion_client_evaluation_results.passed", "op": "eq", "value": "true"},
            "d",
        ),
        (
            {
                "and": [
                    {"field": "start_time", "op": "gte", "value": "2024-06-01 00:00:00"},
                    {
                        "or": [
                            {"field": "model", "op": "eq", "value": "gpt-4o-mini"},
                            {"field": "model", "op": "eq", "value": "claude-sonnet-4-5"},
                        ]
                    },
                    {"not": {"field": "environment", "op": "eq", "value": "prod"}},
                ]
            },
            "db",
        ),
        ({"not": {"not": {"field": "environment", "op": "eq", "value": "prod"}}}, "ca"),
        (
            {
                "or": [
                    {"and": [{"field": "provider", "op": "eq", "value": "gemini"}]},
                    {"not": {"or": [{"field": "latency", "op": "gte", "value": 0}, {}]}},
                ]
            },
            "e",
        ),
        ({"or": []}, ""),
        ({"and": []}, "edcba"),
        ({"not": {}}, ""),
    ],
)
def test_filters(corpus: Corpus, filters: dict[str, Any], expected: str) -> None:
    assert "".join(corpus.labels(search(corpus.fp, filters))) == expected


def test_ids_compare_as_uuids(corpus: Corpus) -> None:
    template_id = corpus.support["prompt_template_id"].upper()
    body = search(corpus.fp, {"field": "prompt_template_id", "op": "eq", "value": template_id})
    assert corpus.labels(body) == ["d", "c"]
    body = search(corpus.fp, {"field": "completion_id", "op": "eq", "value": corpus.ids["b"]})
    assert corpus.labels(body) == ["b"]


def test_result_carries_what_the_openapi_says(corpus: Corpus) -> None:
    body = search(corpus.fp, {"field": "completion_id", "op": "eq", "value": corpus.ids["a"]})
    (item,) = body["data"]
    album = corpus.album
    assert item["completion_metadata"] == {
        "environment": "prod",
        "start_time": "2024-05-31T23:59:59.000000",
        "end_time": "2024-06-01T00:00:01.000000",
        "model": "gpt-4o",
        "provider": "openai",
        "prompt_template": {"id": album["prompt_template_id"], "name": "album_bot"},
        "prompt_template_version_id": album["prompt_template_version_id"],
        "assignee": None,
        "prompt_version_name": "album_bot-v1",
        "prompt_version_description": None,
    }
    assert item["input_variables"] == {"topic": "Weather in Paris", "n": 3}
    assert item["messages"] == turn("Weather?", "Sunny")
    assert item["evaluation_results"]["client_evaluations"] == {"score": 85}
    assert item["usage"] == {"prompt_tokens": 0, "completion_tokens": 0}
    gemini = search(corpus.fp, {"field": "provider", "op": "eq", "value": "gemini"})["data"][0]
    assert gemini["completion_metadata"]["prompt_template"] is None
    assert gemini["messages"] == [
        {"role": "user", "content": [{"type": "text", "text": "Rain?"}]},
        {"role": "assistant", "content": [{"type": "text", "text": "It rains"}]},
    ]


def test_include_children(corpus: Corpus) -> None:
    body = search(corpus.fp, {}, include_children="true", page_size=2)
    assert [item["children"] for item in body["data"]] == [[], []]


# --- bad filters ---------------------------------------------------------------------------------


def _field(name: str, op: str, value: Any) -> dict[str, Any]:
    return {"field": name, "op": op, "value": value}


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ({}, "Invalid field filters: Field required"),
        ({"filters": []}, "Invalid filter filters: a filter must be an object"),
        (
            {"filters": _field("colour", "eq", "red")},
            "Invalid filter filters.field: unknown field 'colour'",
        ),
        (
            {"filters": {"and": [_field("model", "like", "x")]}},
            "Invalid filter filters.and.0.op: unknown operator 'like'"
            " (known: eq, gt, gte, lt, lte, contains, between)",
        ),
        (
            {"filters": {"or": [{}, _field("model", "contains", "gpt")]}},
            "Invalid filter filters.or.1 (model): operator 'contains' is not allowed (allowed: eq)",
        ),
        (
            {"filters": {"not": _field("completion_inputs.topic", "eq", "x")}},
            "Invalid filter filters.not (completion_inputs.topic): operator 'eq' is not allowed"
            " (allowed: contains)",
        ),
        (
            {"filters": _field("completion_inputs", "contains", "x")},
            "Invalid filter filters (completion_inputs): name a key, as in completion_inputs.<key>",
        ),
        (
            {"filters": _field("environment", "eq", 3)},
            "Invalid filter filters (environment): value must be a string",
        ),
        (
            {"filters": _field("latency", "gt", "slow")},
            "Invalid filter filters (latency): value must be a number",
        ),
        (
            {"filters": _field("latency", "between", [3])},
            "Invalid filter filters (latency): 'between' takes [low, high], two numbers",
        ),
        (
            {"filters": _field("latency", "between", [3, 1])},
            "Invalid filter filters (latency): 'between' low 3 is above high 1",
        ),
        (
            {"filters": _field("start_time", "gte", "yesterday")},
            "Invalid filter filters (start_time): value must be a date or time like"
            " '2024-06-01 00:00:00', or seconds since the epoch",
        ),
        (
            {"filters": _field("start_time", "gte", "2024-02-30")},
            "Invalid filter filters (start_time): value must be a date or time like"
            " '2024-06-01 00:00:00', or seconds since the epoch",
        ),
        (
            {"filters": _field("cost", "gte", 0.01)},
            "Invalid filter filters (cost): the emulator does not record cost",
        ),
        (
            {"filters": {"field": "model", "op": "eq"}},
            "Invalid filter filters: 'value' is required",
        ),
        (
            {"filters": {**_field("model", "eq", "x"), "negate": True}},
            "Invalid filter filters: unknown key 'negate'",
        ),
        (
            {"filters": {"and": [], "or": []}},
            "Invalid filter filters: 'and' cannot be combined with 'or'",
        ),
        (
            {"filters": {"and": {}}},
            "Invalid filter filters.and: must be a list of filters",
        ),
        (
            {"filters": {**_field("model", "eq", "x"), "and": []}},
            "Invalid filter filters: a filter has either 'field' or 'and', not both",
        ),
    ],
)
def test_bad_filters(emulator: RunningEmulator, body: dict[str, Any], message: str) -> None:
    response = emulator.client().post(
        f"/projects/{emulator.project_id}/search/completions", json=body
    )
    assert (response.status_code, response.json()) == (400, {"message": message})


def test_filters_nest_deep_but_not_endlessly(corpus: Corpus) -> None:
    deep: dict[str, Any] = {}
    for _ in range(64):
        deep = {"and": [deep]}
    assert "".join(corpus.labels(search(corpus.fp, deep))) == "edcba"
    response = corpus.fp.client().post(
        f"/projects/{corpus.fp.project_id}/search/completions", json={"filters": {"not": deep}}
    )
    assert response.status_code == 400
    assert response.json()["message"].endswith(": filters nest deeper than 64 levels")
