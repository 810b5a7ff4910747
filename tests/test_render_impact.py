"""Rendering of `plan --impact` with golden files (UPDATE_GOLDEN=1 to accept a change)."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

from promptsync.backends.http import BackendError
from promptsync.display.markdown import plan_markdown
from promptsync.display.text import plan_text
from promptsync.impact.traffic import CallSample, SampledCall
from promptsync.jobs.impact import ImpactOptions, with_impact
from promptsync.kinds.prompts.remote import Snapshots
from promptsync.plan.models import BackendRef, Plan
from promptsync.repo.config import ImpactConfig
from tests.planning import plan, remote, scope, snapshots, source, whole_plan
from tests.test_render import GOLDEN_PLAN, check_golden
from tests.test_render import scenario as plain_scenario

NOW = datetime(2026, 1, 8, 9, 30, tzinfo=UTC)
MANAGED = ["staging", "prod"]
TOOL = {"name": "lookup", "description": "Look up", "parameters": {"type": "object"}}


def user(text: str) -> list[dict[str, Any]]:
    return [{"role": "user", "content": text}]


BEFORE = user("Answer {{question}} using {{items}}.")
AFTER = user("Answer {{question}} in a {{tone}} tone.\n{{#items}}- {{title}}\n{{/items}}")


class Sampler:
    def __init__(self, answers: dict[tuple[str, str], CallSample | Exception]) -> None:
        self.answers = answers

    def sample_calls(
        self, template: str, environment: str, since: datetime, limit: int
    ) -> CallSample:
        answer = self.answers[template, environment]
        if isinstance(answer, Exception):
            raise answer
        return answer


def calls(*inputs: dict[str, Any], more: bool = False) -> CallSample:
    ids = [f"{n:08x}-0000-4000-8000-{n:012x}" for n in range(len(inputs))]
    return CallSample(tuple(SampledCall(i, c) for i, c in zip(inputs, ids, strict=True)), more)


def scenario(*, examples: bool) -> Plan:
    files = [
        source("prompts/support.yaml", name="support", environments=MANAGED, messages=AFTER),
        source(
            "prompts/album_bot.yaml",
            environments=["prod"],
            messages=user("Album in the style of {{artist}}"),
        ),
        source("prompts/notes.yaml", name="notes", environments=["prod"], model="gpt-4.1"),
        source("prompts/agent.yaml", name="agent", environments=["prod"]),
    ]
    remote_state = remote_snapshots()
    body = plan(files, remote_state, scope(managed=MANAGED))
    base = whole_plan(
        body,
        MANAGED,
        **GOLDEN_PLAN,
        remote_fingerprint=dict.fromkeys(["latest", *MANAGED], f"sha256:{'0' * 64}"),
        warnings=[],
    )
    long = "Where is my order? " * 10
    sampler = Sampler(
        {
            ("support", "staging"): calls(),
            ("support", "prod"): calls(
                {"question": "q1", "items": "socks, shoes"},
                {"question": long, "items": [{"title": "socks"}]},
                {"question": "q3\x1b[2J", "items": 3},
                {"question": "q4", "tone": "dry", "items": [{"title": "a"}, {"name": "b"}]},
                more=True,
            ),
            ("album_bot", "prod"): calls(
                {"pop_star": "Taylor Swift"}, {"artist": "Adele"}, {"pop_star": "Prince"}
            ),
            ("notes", "prod"): BackendError(
                "POST /api/v2/projects/8f93dd00-2eb5-4ba2-9354-86d5c6831dfd/search/completions:"
                " 403 Forbidden (this API key may not search completions)",
                403,
            ),
            ("agent", "prod"): calls({"pop_star": "Bowie"}),
        }
    )
    options = ImpactOptions(show_examples=examples)
    return with_impact(base, remote_state, sampler, options, ImpactConfig(sample=4), NOW)


def remote_snapshots() -> Snapshots:
    support = remote("5a5a5a5a-aaaa-4aaa-8aaa-000000000001", name="support", messages=BEFORE)
    album = remote("a1b1c1d1-aaaa-4aaa-8aaa-000000000001", messages=user("Album {{pop_star}}"))
    notes = remote("e1e1e1e1-bbbb-4bbb-8bbb-000000000001", name="notes")
    agent = remote("c1c1c1c1-cccc-4ccc-8ccc-000000000001", name="agent", tool_schema=[TOOL])
    return snapshots(
        MANAGED,
        staging=[support],
        prod=[support, album, notes, agent],
        latest=[support, album, notes, agent],
    )


def test_text() -> None:
    check_golden("plan_impact.txt", plan_text(scenario(examples=False)))


def test_text_with_examples_and_colour() -> None:
    check_golden("plan_impact_examples.ansi.txt", plan_text(scenario(examples=True), color=True))


def test_markdown() -> None:
    check_golden("plan_impact.md", plan_markdown(scenario(examples=False), title="promptsync.yaml"))


def test_json() -> None:
    made = scenario(examples=True)
    check_golden("plan_impact.json", made.model_dump_json(indent=2) + "\n")
    import jsonschema

    from promptsync.commands.schema import schema

    jsonschema.Draft202012Validator(schema("plan")).validate(json.loads(made.model_dump_json()))
    assert Plan.model_validate_json(made.model_dump_json()) == made


def test_a_plan_without_impact_renders_as_before() -> None:
    plain = plain_scenario()
    assert "impact" not in json.loads(plain.model_dump_json())
    assert "impact" not in plan_text(plain).lower()
    assert "impact" not in plan_markdown(plain).lower()


def test_a_registry_without_search_gets_a_note_in_text_and_markdown() -> None:
    plain = plain_scenario()
    promptlayer = plain.model_copy(
        update={"backend": BackendRef(kind="promptlayer", api_url="https://api.promptlayer.com")}
    )
    made = with_impact(promptlayer, remote_snapshots(), None, ImpactOptions(), ImpactConfig(), NOW)
    note = (
        "Impact: impact is not available for promptlayer: its API cannot search recorded calls;"
        " the rest of the plan is complete."
    )
    text = plan_text(made)
    assert text.endswith(f"{note}\n\nPlan: 1 to create, 2 to update, 1 to promote, 1 breaking.\n")
    assert "impact: " not in text  # no per-environment lines
    assert f"\n**{note}**\n" in plan_markdown(made)
    assert text.replace(f"{note}\n", "") == plan_text(plain)
