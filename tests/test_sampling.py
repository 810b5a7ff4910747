"""The impact job: one search per target, failures as warnings, a note when unavailable."""

from __future__ import annotations

import threading
from datetime import UTC, datetime
from typing import Any

from promptsync.backends.http import BackendError
from promptsync.impact.traffic import CallSample, SampledCall
from promptsync.jobs.impact import ImpactOptions, with_impact
from promptsync.kinds.prompts.remote import Snapshots
from promptsync.plan.models import Plan
from promptsync.repo.config import ImpactConfig
from tests.planning import SYSTEM, USER, plan, remote, scope, snapshots, source, whole_plan

NOW = datetime(2026, 1, 8, 9, 30, tzinfo=UTC)
TONE = [{"role": "system", "content": SYSTEM}, {"role": "user", "content": USER + " {{tone}}"}]


def scenario() -> tuple[Plan, Snapshots]:
    """album_bot: staging and prod get a new version that needs `tone`; new_bot is created."""
    v1 = remote("a1b1c1d1-aaaa-4aaa-8aaa-000000000001")
    snaps = snapshots(["staging", "prod"], staging=[v1], prod=[v1], latest=[v1])
    files = [
        source("a.yaml", environments=["staging", "prod"], messages=TONE),
        source("n.yaml", name="new_bot", environments=["staging", "prod"]),
    ]
    body = plan(files, snaps, scope())
    return whole_plan(body, warnings=["a file warning"]), snaps


class Sampler:
    def __init__(self, answers: dict[str, CallSample | Exception]) -> None:
        self.answers = answers
        self.asked: list[tuple[str, str, datetime, int]] = []
        self._lock = threading.Lock()

    def sample_calls(
        self, template: str, environment: str, since: datetime, limit: int
    ) -> CallSample:
        with self._lock:
            self.asked.append((template, environment, since, limit))
        answer = self.answers[environment]
        if isinstance(answer, Exception):
            raise answer
        return answer


def calls(*inputs: dict[str, Any], more: bool = False) -> CallSample:
    return CallSample(tuple(SampledCall(i, f"id{n}") for n, i in enumerate(inputs)), more)


def test_one_search_per_changed_environment_of_an_updated_template() -> None:
    made, snaps = scenario()
    sampler = Sampler(
        {"staging": calls(), "prod": calls({"question": "q"}, {"tone": "warm"}, more=True)}
    )
    result = with_impact(made, snaps, sampler, ImpactOptions(), ImpactConfig(days=3), NOW)
    assert sorted(sampler.asked) == [
        ("album_bot", "prod", datetime(2026, 1, 5, 9, 30, tzinfo=UTC), 100),
        ("album_bot", "staging", datetime(2026, 1, 5, 9, 30, tzinfo=UTC), 100),
    ]
    impact = result.impact
    assert impact is not None
    assert (impact.days, impact.sample, impact.since) == (3, 100, "2026-01-05T09:30:00Z")
    assert (impact.available, impact.note, impact.searches) == (True, None, 2)
    staging, prod = impact.pairs
    assert (staging.environment, staging.sampled, staging.more) == ("staging", 0, False)
    assert (prod.sampled, prod.more) == (2, True)
    assert [(b.detail, b.affected) for b in prod.breaking] == [("tone", 1)]
    assert prod.examples == []
    assert result.warnings == ["a file warning"]
    assert result.changes == made.changes  # the plan itself is untouched


def test_options_override_the_config_and_examples_are_asked_for() -> None:
    made, snaps = scenario()
    sampler = Sampler({"staging": calls(), "prod": calls(*({"q": str(i)} for i in range(5)))})
    options = ImpactOptions(days=30, sample=5, show_examples=True)
    result = with_impact(made, snaps, sampler, options, ImpactConfig(days=3, sample=9), NOW)
    assert {(a[2], a[3]) for a in sampler.asked} == {(datetime(2025, 12, 9, 9, 30, tzinfo=UTC), 5)}
    assert result.impact is not None
    assert [len(p.examples) for p in result.impact.pairs] == [0, 3]


def test_failing_searches_are_warnings_one_per_distinct_error() -> None:
    made, snaps = scenario()
    denied = BackendError("POST /api/v2/projects/p/search/completions: 403 Forbidden", 403)
    sampler = Sampler({"staging": denied, "prod": denied})
    result = with_impact(made, snaps, sampler, ImpactOptions(), ImpactConfig(), NOW)
    assert result.warnings == [
        "a file warning",
        "impact: could not sample the calls of album_bot (staging, prod):"
        " POST /api/v2/projects/p/search/completions: 403 Forbidden",
    ]
    assert result.impact is not None
    assert [(p.sampled, p.error) for p in result.impact.pairs] == [(None, str(denied))] * 2
    # One failing, one answering: the answer is still used.
    sampler = Sampler({"staging": BackendError("timed out"), "prod": calls({"tone": "x"})})
    result = with_impact(made, snaps, sampler, ImpactOptions(), ImpactConfig(), NOW)
    assert result.warnings[1:] == [
        "impact: could not sample the calls of album_bot (staging): timed out"
    ]
    assert result.impact is not None
    assert [p.sampled for p in result.impact.pairs] == [None, 1]


def test_a_registry_that_cannot_search_gets_a_note_and_no_request() -> None:
    made, snaps = scenario()
    result = with_impact(made, snaps, None, ImpactOptions(), ImpactConfig(), NOW)
    assert result.impact is not None
    assert not result.impact.available
    assert result.impact.note == (
        "impact is not available for freeplay: its API cannot search recorded calls;"
        " the rest of the plan is complete"
    )
    assert (result.impact.searches, result.impact.pairs) == (0, [])
    assert result.warnings == ["a file warning"]  # a note, not a warning


def test_nothing_to_sample_is_said_and_costs_nothing() -> None:
    made, snaps = scenario()
    creates_only = made.model_copy(
        update={"changes": [c for c in made.changes if c.action == "create"]}
    )
    sampler = Sampler({})
    result = with_impact(creates_only, snaps, sampler, ImpactOptions(), ImpactConfig(), NOW)
    assert sampler.asked == []
    assert result.impact is not None
    assert result.impact.searches == 0
    assert result.impact.note is not None
    assert result.impact.note.startswith("no updated or promoted template")
