"""`plan --impact` on PromptLayer: calls logged with the official SDK (`log_request`) against the
emulator show up in the plan. The calls a release label serves are those logged with the
version it points at; one request-log search per changed template and label."""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import jsonschema
import pytest

from promptsync.backends.promptlayer.search import inputs_of, read_page, search_body
from promptsync.commands.schema import schema
from promptsync.emulator import running_emulator
from tests.conftest import RunCli
from tests.promptlayer import PL, edit, make_project, sdk, served

PRIVATE = "PRIVATE-USER-TEXT"
SEARCH = "POST /api/public/v2/requests/search"


@pytest.fixture
def pl() -> Iterator[PL]:
    with running_emulator(backend="promptlayer") as emulator:
        yield emulator


@pytest.fixture
def applied(isolated: Path, pl: PL, monkeypatch: pytest.MonkeyPatch, run_cli: RunCli) -> Path:
    project = make_project(isolated, pl, monkeypatch)
    code, _, err = run_cli("apply", "--auto-approve", "--retry-delay", "0")
    assert code == 0, err
    return project


def log_call(pl: PL, label: str, variables: dict[str, str]) -> None:
    """A call of support_agent made with the version `label` serves, logged as an
    application logs it with the SDK."""
    now = time.time()
    message = {"role": "user", "content": [{"type": "text", "text": "Can I get a refund?"}]}
    answer = {"role": "assistant", "content": [{"type": "text", "text": "Sure."}]}
    sdk(pl).log_request(
        provider="anthropic",
        model="claude-sonnet-4-5",
        input={"type": "chat", "messages": [message]},
        output={"type": "chat", "messages": [answer]},
        request_start_time=now - 1,
        request_end_time=now,
        prompt_name="support_agent",
        prompt_version_number=served(pl, label)["support_agent"],
        prompt_input_variables=variables,
    )


def test_calls_logged_with_the_sdk_show_up_in_plan_impact(
    applied: Path, pl: PL, run_cli: RunCli
) -> None:
    for n, extra in enumerate([{}, {"tone": "warm"}, {}]):
        log_call(
            pl,
            "prod",
            {
                "product": "Acme",
                "knowledge_base": f"{PRIVATE}-{n} " * 20,
                "question": "Refund?",
                **extra,
            },
        )
    path = applied / "prompts" / "support_agent.yaml"
    edit(path, "You are the support agent for {product}.", "Answer in a {tone} tone for {product}.")
    edit(path, "  question: {example: Can I get a refund?}", "  question: {}\n  tone: {}")
    pl.stats.reset()
    code, out, err = run_cli("plan", "--impact", "--format", "json")
    assert code == 0, err
    assert pl.stats.routes.get(SEARCH) == 2  # one per changed label: staging and prod
    assert sum(pl.stats.routes.values()) == 2 + 3  # and the three list reads
    plan = json.loads(out)
    jsonschema.Draft202012Validator(schema("plan")).validate(plan)
    impact = plan["impact"]
    assert impact["available"] is True
    assert impact["searches"] == 2
    staging, prod = impact["pairs"]
    # Both labels point at version 1: the calls made with it are what each of them serves.
    assert (staging["environment"], staging["sampled"]) == ("staging", 3)
    assert (prod["environment"], prod["sampled"], prod["more"]) == ("prod", 3, False)
    assert prod["breaking"] == [
        {"kind": "variable_newly_required", "detail": "tone", "affected": 2}
    ]
    assert PRIVATE not in out
    code, text, _ = run_cli("--no-color", "plan", "--impact")
    assert code == 0
    assert "prod: 3 calls in the last 7 days; 2 of them do not pass `tone`" in text
    assert "not available" not in text


def test_results_without_inputs_are_completed_by_one_detail_read_each() -> None:
    item = {"id": 7, "prompt_name": "x"}  # the documented result: no input variables
    items, more = read_page({"items": [item], "has_next": False})
    assert (items, more) == ([item], False)
    assert inputs_of(items[0]) is None
    assert inputs_of({"prompt_input_variables": {"a": "1"}}) == {"a": "1"}
    body = search_body("12", 3, datetime(2026, 12, 1, tzinfo=UTC), 2)
    assert body["filter_group"]["filters"] == [
        {"field": "prompt_id", "operator": "is", "value": 12},
        {"field": "prompt_version_number", "operator": "is", "value": 3},
        {"field": "request_start_time", "operator": "after", "value": "2026-12-01T00:00:00Z"},
    ]
    assert (body["page"], body["per_page"]) == (2, 25)
