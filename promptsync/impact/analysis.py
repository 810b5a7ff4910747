"""Evidence from recorded calls for a plan's changes (`plan --impact`). Pure: no I/O.

`targets` lists what to sample: every updated or promoted template in every managed environment
that changes and serves a version today (a created template, or an environment that serves
nothing yet, has no calls). `analyze` reads one sample of calls against one target: how many
calls each breaking change affects, which values no longer fit how the new version uses them
(the type rules of `templating.shapes`), and which tags the new version renders empty with
each call's inputs. The inputs themselves never leave this module, except as truncated
examples when asked for.
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from promptsync.impact.models import (
    AffectedCalls,
    EmptyRenders,
    Example,
    PairImpact,
    TypeMismatch,
)
from promptsync.impact.traffic import CallSample, SampledCall
from promptsync.kinds.prompts.changes import Breaking, Change, CreateVersion
from promptsync.kinds.prompts.identity import content_of
from promptsync.kinds.prompts.remote import Content, Snapshots
from promptsync.templating import mustache, probe, shapes

EXAMPLE_VALUE_CHARS = 80
EXAMPLE_VARIABLES = 10


@dataclass(frozen=True)
class Target:
    """One template in one environment: what it serves now, what it will serve."""

    name: str
    environment: str
    before: Content
    after: Content
    breaking: tuple[Breaking, ...]


def _after(change: Change, env: str, snapshots: Snapshots) -> Content | None:
    after = change.environments[env].after
    if change.environments[env].via == "promote":
        for snapshot in snapshots.values():
            version = snapshot.get(change.name)
            if version is not None and version.version_id == after.version_id:
                return version.content
        return None
    for op in change.operations:
        if isinstance(op, CreateVersion) and op.hash == after.hash:
            return content_of(op.content)
    return None


def targets(
    changes: Sequence[Change], managed: Sequence[str], snapshots: Snapshots
) -> list[Target]:
    found = []
    for change in changes:
        if change.action == "create":
            continue
        for env, moved in change.environments.items():
            current = snapshots[env].get(change.name) if env in snapshots else None
            if env not in managed or moved.before is None or current is None:
                continue
            after = _after(change, env, snapshots)
            if after is None:  # pragma: no cover - the planner always says where it comes from
                continue
            breaking = tuple(b for b in change.breaking if b.environment == env)
            found.append(Target(change.name, env, current.content, after, breaking))
    return found


def _texts(content: Content) -> list[str]:
    """The message texts that render (a remote text that does not parse tells nothing)."""
    texts = []
    for message in content["messages"]:
        text = message.get("content")
        if not isinstance(text, str):
            continue
        try:
            mustache.parse(text)
        except mustache.MustacheError:
            continue
        texts.append(text)
    return texts


@dataclass(frozen=True)
class _Version:
    texts: list[str]
    needs: dict[str, shapes.Needs]

    @classmethod
    def of(cls, content: Content) -> _Version:
        texts = _texts(content)
        return cls(texts, shapes.merge([shapes.needs(t) for t in texts]))

    def empty(self, inputs: dict[str, Any]) -> set[str]:
        found: set[str] = set()
        for text in self.texts:
            if probe.probeable(text):
                found |= probe.empty_variables(text, inputs)
        return found


def _affects(breaking: Breaking, inputs: Mapping[str, Any]) -> bool | None:
    if breaking.kind == "variable_newly_required":
        return breaking.detail not in inputs
    if breaking.kind == "variable_removed":
        return breaking.detail in inputs
    if breaking.kind == "variable_renamed":
        old, _, new = breaking.detail.partition(" -> ")
        return old in inputs and new not in inputs
    return None  # tools, output schema, history: the inputs cannot tell


@dataclass
class _Tally:
    breaking: list[int | None]
    mismatches: dict[tuple[str, shapes.Shape], Counter[shapes.ValueKind]]
    empty_after: Counter[str]
    renders_after: int = 0
    renders_before: int = 0


def analyze(target: Target, sample: CallSample, *, examples: int = 0) -> PairImpact:
    """How the sampled calls fare with the new version; `examples` truncated inputs of calls
    (the affected ones first) are included when asked for."""
    before, after = _Version.of(target.before), _Version.of(target.after)
    tally = _Tally(
        breaking=[0 if _affects(b, {}) is not None else None for b in target.breaking],
        mismatches={},
        empty_after=Counter(),
    )
    affected_calls: list[SampledCall] = []
    for call in sample.calls:
        inputs = dict(call.inputs)
        hit = False
        for i, breaking in enumerate(target.breaking):
            if _affects(breaking, inputs):
                tally.breaking[i] = (tally.breaking[i] or 0) + 1
                hit = True
        for name, value in sorted(inputs.items()):
            if name not in after.needs:
                continue
            lacking = shapes.unmet(after.needs[name], value, inputs)
            if lacking and not shapes.unmet(before.needs.get(name, shapes.Needs()), value, inputs):
                tally.mismatches.setdefault((name, lacking), Counter())[shapes.kind_of(value)] += 1
                hit = True
        empty = after.empty(inputs)
        tally.empty_after.update(empty)
        tally.renders_after += bool(empty)
        tally.renders_before += bool(before.empty(inputs))
        if empty or hit:
            affected_calls.append(call)
    chosen = _choose(affected_calls, sample.calls, examples)
    return PairImpact(
        name=target.name,
        environment=target.environment,
        sampled=len(sample.calls),
        more=sample.more,
        breaking=[
            AffectedCalls(kind=b.kind, detail=b.detail, affected=n)
            for b, n in zip(target.breaking, tally.breaking, strict=True)
        ],
        type_mismatches=[
            TypeMismatch(
                variable=name, needs=lacking, passed=dict(sorted(kinds.items())), affected=n
            )
            for (name, lacking), kinds in sorted(tally.mismatches.items())
            if (n := sum(kinds.values()))
        ],
        empty_renders=EmptyRenders(
            after=tally.renders_after,
            before=tally.renders_before,
            variables=dict(sorted(tally.empty_after.items())),
        ),
        examples=[example(call) for call in chosen],
        error=None,
    )


def failed(target: Target, error: str) -> PairImpact:
    return PairImpact(
        name=target.name,
        environment=target.environment,
        sampled=None,
        more=False,
        breaking=[],
        type_mismatches=[],
        empty_renders=None,
        examples=[],
        error=error,
    )


def _choose(affected: list[SampledCall], calls: Iterable[SampledCall], n: int) -> list[SampledCall]:
    chosen = affected[:n]
    for call in calls:
        if len(chosen) >= n:
            break
        if all(c is not call for c in chosen):
            chosen.append(call)
    return chosen


def truncate(value: Any, limit: int = EXAMPLE_VALUE_CHARS) -> Any:
    """A value of at most `limit` characters (a list or object as compact JSON): kept as it
    is when short enough, else its text cut to `limit` characters, ending in `…`."""
    text = value if isinstance(value, str) else json.dumps(value, separators=(",", ":"))
    if len(text) <= limit:
        return value
    return text[: limit - 1] + "…"


def example(call: SampledCall) -> Example:
    names = sorted(call.inputs)
    shown = names[:EXAMPLE_VARIABLES]
    return Example(
        completion_id=call.completion_id,
        inputs={str(truncate(k)): truncate(call.inputs[k]) for k in shown},
        omitted=len(names) - len(shown),
    )
