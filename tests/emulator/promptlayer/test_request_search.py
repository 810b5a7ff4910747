"""`POST /api/public/v2/requests/search`: the documented shape, pagination, sorting, and the
filter language on the fields plan --impact needs (prompt, version, input variables, start time)
and the others."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from promptsync.emulator import RunningEmulator
from promptsync.emulator.promptlayer.store import Store
from tests.emulator.promptlayer.schemas import is_error, is_invalid
from tests.emulator.promptlayer.wire import chat, found, log, publish, search, where

PL = RunningEmulator[Store]
SEARCH = "/api/public/v2/requests/search"


def at(minute: int) -> dict[str, str]:
    start = f"2025-03-15T10:{minute:02d}:00Z"
    return {"request_start_time": start, "request_end_time": f"2025-03-15T10:{minute:02d}:01Z"}


def test_items_carry_the_documented_fields_and_the_prompt(pl: PL) -> None:
    with pl.client() as client:
        publish(client, "support-response", chat("{question}"))
        log(
            client,
            prompt_name="support-response",
            prompt_input_variables={"question": "Why?"},
            input_tokens=150,
            output_tokens=300,
            price=0.005,
            metadata={"user_id": "customer_123", "plan": "pro"},
            **at(30),
        )
        client.post("/rest/track-score", json={"request_id": 1, "score": 80})
        named = search(client, include_prompt_name=True)
        unnamed = search(client)
    item = named["items"][0]
    assert {k: v for k, v in item.items() if k != "prompt_input_variables"} == {
        "id": 1,
        "engine": "gpt-4o",
        "provider_type": "openai",
        "input_tokens": 150,
        "output_tokens": 300,
        "price": 0.005,
        "request_start_time": "2025-03-15T10:30:00.000000Z",
        "request_end_time": "2025-03-15T10:30:01.000000Z",
        "latency": 1.0,
        "tags_array": ["production"],
        "metadata": [{"user_id": "customer_123"}, {"plan": "pro"}],
        "scores": [{"name": "default", "score": 80}],
        "prompt_name": "support-response",
        # Beyond the documented properties (RequestLogSearchResult allows more):
        "prompt_id": 1,
        "prompt_version_id": 1,
        "prompt_version_number": 1,
        "status": "SUCCESS",
    }
    assert item["prompt_input_variables"] == {"question": "Why?"}
    assert "prompt_name" not in unnamed["items"][0]  # only with include_prompt_name


def test_pagination(pl: PL) -> None:
    with pl.client() as client:
        for minute in range(7):
            log(client, **at(minute))
        empty = search(client, where("engine", "is", "none"))
        pages = [search(client, page=p, per_page=3) for p in (1, 2, 3, 4)]
        default = search(client)
    assert {k: empty[k] for k in empty if k != "items"} == {
        "success": True,
        "page": 1,
        "pages": 0,
        "per_page": 10,
        "total": 0,
        "has_next": False,
        "has_prev": False,
        "next_num": None,
        "prev_num": None,
    }
    summary = [
        (
            p["page"],
            p["pages"],
            p["total"],
            p["has_prev"],
            p["has_next"],
            p["prev_num"],
            p["next_num"],
        )
        for p in pages
    ]
    assert summary == [
        (1, 3, 7, False, True, None, 2),
        (2, 3, 7, True, True, 1, 3),
        (3, 3, 7, True, False, 2, None),
        (4, 3, 7, True, False, 3, None),
    ]
    ids = [item["id"] for p in pages for item in p["items"]]
    assert ids == [7, 6, 5, 4, 3, 2, 1]  # newest start time first
    assert (default["per_page"], len(default["items"])) == (10, 7)


def test_sorting(pl: PL) -> None:
    with pl.client() as client:
        log(client, price=0.2, input_tokens=5, **at(3))
        log(client, price=0.1, input_tokens=9, **at(1))
        log(client, price=0.2, input_tokens=1, status="ERROR", **at(2))
        by_cost = found(client, sort_by="cost", sort_order="desc")
        by_cost_asc = found(client, sort_by="cost", sort_order="asc")
        by_tokens = found(client, sort_by="input_tokens", sort_order="asc")
        by_start = found(client, sort_by="request_start_time", sort_order="asc")
        by_status = found(client, sort_by="status", sort_order="asc")
        only_by = found(client, sort_by="input_tokens")
    assert by_cost == [3, 1, 2]  # ties by id, in the same direction
    assert by_cost_asc == [2, 1, 3]
    assert by_tokens == [3, 1, 2]
    assert by_start == [2, 3, 1]
    assert by_status == [3, 1, 2]  # ERROR before SUCCESS
    assert only_by == [2, 1, 3]  # sort_order defaults to desc


@pytest.fixture
def logs(pl: PL) -> Iterator[httpx.Client]:
    """Two versions of one template and an unlinked request, with inputs and outputs."""
    with pl.client() as client:
        _log_five(client)
        yield client


def _log_five(client: httpx.Client) -> None:
    publish(client, "support", chat("{product}: {question}"))
    publish(client, "support", chat("v2 {product}: {question}"))
    publish(client, "other", chat("x"))
    inputs = {"product": "Acme", "question": "How?", "user": {"plan": "pro", "seats": 3}}
    log(
        client,
        prompt_name="support",
        prompt_version_number=1,
        prompt_input_variables=inputs,
        **at(1),
    )
    log(
        client,
        "refund policy",
        prompt_name="support",
        prompt_version_number=2,
        prompt_input_variables={"product": "Bolt", "question": "Refund?"},
        tags=["production", "eu"],
        **at(2),
    )
    log(
        client,
        prompt_name="support",
        prompt_input_variables={"product": "Acme", "question": "When?"},
        answer='{"decision": {"status": "approved"}}',
        **at(3),
    )
    log(client, prompt_name="other", metadata={"user_id": "u7"}, model="claude", **at(4))
    log(client, "unlinked", **at(5))


@pytest.mark.parametrize(
    ("filters", "ids"),
    [
        # What plan --impact asks: one template's calls with one version, in a time window.
        ([where("prompt_id", "is", 1)], [3, 2, 1]),
        ([where("prompt_id", "is", 1), where("prompt_version_number", "is", 2)], [3, 2]),
        ([where("prompt_version_number", "eq", "1")], [4, 1]),
        ([where("prompt_version_number", "in", [1, 2]), where("prompt_id", "neq", 2)], [3, 2, 1]),
        ([where("prompt_id", "is_null")], [5]),
        ([where("prompt_id", "is_not_null"), where("prompt_id", "is_not", 1)], [4]),
        ([where("request_start_time", "after", "2025-03-15T10:02:00Z")], [5, 4, 3]),
        ([where("request_start_time", "before", "2025-03-15T10:02:00Z")], [1]),
        ([where("request_start_time", "gte", "2025-03-15T10:02:00+00:00")], [5, 4, 3, 2]),
        (
            [
                where(
                    "request_start_time", "between", ["2025-03-15T10:02:00", "2025-03-15T10:03:00Z"]
                )
            ],
            [3, 2],
        ),
        ([where("request_end_time", "lt", 1742032921)], [1]),  # epoch seconds: 10:02:01
        ([where("input_variables", "key_equals", "Acme", nested_key="product")], [3, 1]),
        ([where("input_variables", "key_not_equals", "Acme", nested_key="product")], [5, 4, 2]),
        ([where("input_variables", "key_equals", 3, nested_key="user.seats")], [1]),
        ([where("input_variables", "key_equals", "3", nested_key="user.seats")], [1]),
        ([where("input_variables", "key_contains", "REF", nested_key="question")], [2]),
        ([where("input_variables", "is_not_null", nested_key="user.plan")], [1]),
        ([where("input_variables", "is_empty")], [5, 4]),
        ([where("input_variable_keys", "contains", "user.plan")], [1]),
        ([where("input_variable_keys", "in", ["user.seats", "nope"])], [1]),
        ([where("output", "key_equals", "approved", nested_key="decision.status")], [3]),
        ([where("output_keys", "is_not_empty")], [3]),
        ([where("is_json", "is_true")], [3]),
        ([where("is_plain_text", "is", True)], [5, 4, 2, 1]),
        ([where("is_tool_call", "is_false")], [5, 4, 3, 2, 1]),
        ([where("engine", "is", "claude")], [4]),
        ([where("engine", "not_in", ["claude"]), where("pl_id", "lte", 2)], [2, 1]),
        ([where("provider_type", "starts_with", "OPEN")], [5, 4, 3, 2, 1]),
        ([where("input_text", "contains", "[user]: refund")], [2]),
        ([where("output_text", "ends_with", "there!")], [5, 4, 2, 1]),
        ([where("status", "is", "success")], [5, 4, 3, 2, 1]),
        ([where("tags", "contains", "eu")], [2]),
        ([where("tags", "not_contains", "eu")], [5, 4, 3, 1]),
        ([where("metadata", "key_equals", "u7", nested_key="user_id")], [4]),
        ([where("metadata_keys", "is", "session_id")], [5, 3, 2, 1]),
        ([where("cost", "between", [0, 1]), where("latency_ms", "is", 1000)], [5, 4, 3, 2, 1]),
        ([where("tool_names", "is_empty")], [5, 4, 3, 2, 1]),
    ],
)
def test_filters(logs: httpx.Client, filters: list[dict[str, Any]], ids: list[int]) -> None:
    assert found(logs, *filters) == ids


def test_groups_nest_and_combine(logs: httpx.Client) -> None:
    version_1_or_other = {
        "logic": "OR",
        "filters": [where("prompt_version_number", "is", 1), where("engine", "is", "claude")],
    }
    assert found(logs, version_1_or_other) == [4, 1]
    nested = {"logic": "AND", "filters": [version_1_or_other, where("prompt_id", "is", 1)]}
    assert found(logs, filter_group=nested) == [1]
    assert found(logs, filter_group={"filters": []}) == [5, 4, 3, 2, 1]
    # PromptLayer's reference page also documents a flat `filters` list (AND).
    both = found(logs, where("prompt_id", "is", 1), filters=[where("pl_id", "gt", 2)])
    assert both == [3]
    assert found(logs, q="refu") == [2]  # each word of q starts a word of input or output
    assert found(logs, q="hello there") == [4, 1]  # 3 answers JSON, 5 says "unlinked"
    assert found(logs, q="hello nothing") == []


def test_tool_calls_are_searchable(pl: PL) -> None:
    reply = {
        "role": "assistant",
        "content": None,
        "tool_calls": [
            {"id": "c1", "function": {"name": "lookup_order", "arguments": '{"id": 7}'}},
            {"id": "c2", "function": {"name": "refund", "arguments": "{}"}},
        ],
    }
    with pl.client() as client:
        log(client, output={"type": "chat", "messages": [reply]})
        log(client)
        assert found(client, where("is_tool_call", "is_true")) == [1]
        assert found(client, where("tool_names", "in", ["refund"])) == [1]
        assert found(
            client,
            where("output", "key_equals", "lookup_order", nested_key="tool_calls.function.name"),
        ) == [1]


@pytest.mark.parametrize(
    ("body", "message"),
    [
        (
            {"filter_group": {"filters": [where("engine", "gt", 3)]}},
            "Invalid filter at filter_group.filters.0: operator 'gt' does not apply to field"
            " 'engine'",
        ),
        (
            {"filter_group": {"filters": [{"filters": [where("cost", "gte", "cheap")]}]}},
            "Invalid filter at filter_group.filters.0.filters.0: value must be a number,"
            ' not "cheap"',
        ),
        (
            {"filter_group": {"filters": [where("request_start_time", "after", "yesterday")]}},
            "Invalid filter at filter_group.filters.0: value must be an ISO 8601 date-time,"
            ' not "yesterday"',
        ),
        (
            {"filter_group": {"filters": [where("cost", "between", [1])]}},
            "Invalid filter at filter_group.filters.0: value must be a list of 2 values, not [1]",
        ),
        (
            {"filter_group": {"filters": [where("metadata", "key_equals", "x")]}},
            "Invalid filter at filter_group.filters.0: operator 'key_equals' needs a nested_key",
        ),
        (
            {"filters": [where("user_intent", "is", "curious")]},
            "Invalid filter at filters.filters.0: field 'user_intent' is not supported by the"
            " emulator",
        ),
        ({"sort_order": "asc"}, "sort_order must be provided together with sort_by"),
    ],
)
def test_bad_filters_are_400_naming_where(pl: PL, body: dict[str, Any], message: str) -> None:
    with pl.client() as client:
        assert is_error(client.post(SEARCH, json=body), 400) == message


@pytest.mark.parametrize(
    ("body", "loc"),
    [
        ({"per_page": 26}, ["body", "per_page"]),
        ({"page": 0}, ["body", "page"]),
        ({"sort_by": "price"}, ["body", "sort_by"]),
        (
            {"filter_group": {"filters": [where("nope", "is")]}},
            ["body", "filter_group", "filters", 0, "filter", "field"],
        ),
        (
            {"filter_group": {"filters": [where("cost", "approx")]}},
            ["body", "filter_group", "filters", 0, "filter", "operator"],
        ),
        ({"filter_group": {"logic": "XOR", "filters": []}}, ["body", "filter_group", "logic"]),
        ({"filter_group": {}}, ["body", "filter_group", "filters"]),
    ],
)
def test_bad_search_bodies_name_the_field(pl: PL, body: dict[str, Any], loc: list[Any]) -> None:
    with pl.client() as client:
        assert is_invalid(client.post(SEARCH, json=body))[0] == loc
