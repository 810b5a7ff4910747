"""The shell of `plan --impact`: sample each target's recorded calls, analyze, add to the plan.

One search per updated or promoted template × changed environment (`impact.targets`), a few
in flight at once. A search that fails is a warning in the plan, never a failed plan; a
registry that cannot search its calls gets a note saying so.
"""

from __future__ import annotations

from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import datetime, timedelta

from promptsync.errors import PromptsyncError
from promptsync.impact.analysis import Target, analyze, failed, targets
from promptsync.impact.models import Impact, PairImpact
from promptsync.impact.traffic import CallSampler
from promptsync.kinds.prompts.remote import Snapshots
from promptsync.plan.models import Plan
from promptsync.repo.config import ImpactConfig

SHOWN_EXAMPLES = 3
SEARCHES_IN_FLIGHT = 8


@dataclass(frozen=True)
class ImpactOptions:
    """`plan --impact` as asked on the command line; None: promptsync.yaml's `impact:`."""

    days: int | None = None
    sample: int | None = None
    show_examples: bool = False


def with_impact(
    plan: Plan,
    snapshots: Snapshots,
    sampler: CallSampler | None,
    options: ImpactOptions,
    config: ImpactConfig,
    now: datetime,
) -> Plan:
    days = options.days or config.days
    limit = options.sample or config.sample
    since = now - timedelta(days=days)
    found = targets(plan.template_changes, plan.environments, snapshots)
    pairs: list[PairImpact] = []
    note = None
    if sampler is None:
        note = (
            f"impact is not available for {plan.backend.kind}: its API cannot search recorded"
            " calls; the rest of the plan is complete"
        )
        found = []
    elif not found:
        note = "no updated or promoted template in an environment that serves it: nothing to sample"
    else:
        examples = SHOWN_EXAMPLES if options.show_examples else 0
        pairs = _sample(found, sampler, since, limit, examples)
    impact = Impact(
        days=days,
        sample=limit,
        since=since.strftime("%Y-%m-%dT%H:%M:%SZ"),
        available=sampler is not None,
        note=note,
        searches=len(found),
        pairs=pairs,
    )
    return plan.model_copy(
        update={"impact": impact, "warnings": [*plan.warnings, *search_warnings(pairs)]}
    )


def _sample(
    found: Sequence[Target], sampler: CallSampler, since: datetime, limit: int, examples: int
) -> list[PairImpact]:
    def one(target: Target) -> PairImpact:
        try:
            sample = sampler.sample_calls(target.name, target.environment, since, limit)
        except PromptsyncError as exc:
            return failed(target, str(exc))
        return analyze(target, sample, examples=examples)

    with ThreadPoolExecutor(max_workers=min(SEARCHES_IN_FLIGHT, len(found))) as pool:
        return list(pool.map(one, found))


def search_warnings(pairs: Sequence[PairImpact]) -> list[str]:
    """One warning per distinct failure, naming the templates and environments it hit."""
    by_error: dict[str, dict[str, list[str]]] = {}
    for pair in pairs:
        if pair.error is not None:
            by_error.setdefault(pair.error, {}).setdefault(pair.name, []).append(pair.environment)
    return [
        "impact: could not sample the calls of "
        + ", ".join(f"{name} ({', '.join(envs)})" for name, envs in where.items())
        + f": {error}"
        for error, where in by_error.items()
    ]
