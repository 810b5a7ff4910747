"""`plan --impact` as lines of the text and markdown plans (display/lines.py places them).

Under each breaking change: how many sampled calls of that environment it affects. After a
template's breaking changes, per environment: the calls sampled, the renders this version
leaves empty, values of the wrong shape, and (only when asked for) truncated examples. At the
end: what was sampled, or why nothing was.
"""

from __future__ import annotations

import json
from typing import Literal

from promptsync.impact.models import AffectedCalls, Impact, PairImpact, TypeMismatch
from promptsync.kinds.prompts.changes import Breaking, Change
from promptsync.plan.models import Plan

ImpactLine = tuple[Literal["breaking", "dim", "plain"], str]

_NEEDS = {
    "text": "text (a string, number or boolean)",
    "object": "an object",
    "list": "a list of objects (or one object)",
}
_KINDS = {
    "string": "a string",
    "number": "a number",
    "boolean": "a boolean",
    "list": "a list",
    "object": "an object",
    "null": "null",
}


def _pair(impact: Impact | None, name: str, env: str) -> PairImpact | None:
    if impact is None:
        return None
    return next((p for p in impact.pairs if p.name == name and p.environment == env), None)


def _calls(pair: PairImpact, days: int) -> str:
    window = f"in the last {days} day{'s' if days != 1 else ''}"
    if not pair.sampled:
        return f"no calls {window}"
    count = f"≥ {pair.sampled}" if pair.more else str(pair.sampled)
    return f"{count} call{'s' if count != '1' else ''} {window}"


def _of_them(pair: PairImpact, n: int) -> str:
    return f"{n} of the newest {pair.sampled}" if pair.more else f"{n} of them"


def _verb(n: int, plural: str, singular: str) -> str:
    return singular if n == 1 else plural


def _effect(entry: AffectedCalls, n: int) -> str:
    detail = entry.detail
    if entry.kind == "variable_newly_required":
        return f"{_verb(n, 'do', 'does')} not pass `{detail}`, which this version now requires"
    if entry.kind == "variable_removed":
        passes = _verb(n, "pass", "passes")
        return f"still {passes} `{detail}`, which this version no longer uses"
    old, _, new = detail.partition(" -> ")
    passes = _verb(n, "pass", "passes")
    return f"{passes} `{old}` but not `{new}`, which this version uses instead"


def affected_lines(impact: Impact | None, change: Change, breaking: Breaking) -> list[ImpactLine]:
    """What the sampled calls say about one breaking change (nothing without --impact)."""
    pair = _pair(impact, change.name, breaking.environment)
    if impact is None or pair is None:
        return []
    where = f"  {pair.environment}: "
    if pair.sampled is None:
        return [("dim", where + "calls unknown (the search failed; see Warnings)")]
    calls = _calls(pair, impact.days)
    entry = next(
        (e for e in pair.breaking if (e.kind, e.detail) == (breaking.kind, breaking.detail)),
        None,
    )
    if not pair.sampled or entry is None:
        return [("dim", where + calls)]
    if entry.affected is None:
        return [("dim", f"{where}{calls}; their inputs cannot tell whether they are affected")]
    style: Literal["breaking", "dim"] = "breaking" if entry.affected else "dim"
    effect = _effect(entry, entry.affected)
    return [(style, f"{where}{calls}; {_of_them(pair, entry.affected)} {effect}")]


def _mismatch(m: TypeMismatch) -> str:
    passed = " or ".join(
        _KINDS[kind] + (f" ({n})" if len(m.passed) > 1 else "") for kind, n in m.passed.items()
    )
    passes = _verb(m.affected, "pass", "passes")
    return (
        f"  {m.affected} {passes} `{m.variable}` as {passed}; this version needs {_NEEDS[m.needs]}"
    )


def pair_lines(impact: Impact | None, change: Change) -> list[ImpactLine]:
    """Per changed environment of the template: the sampled calls and what they show."""
    if impact is None:
        return []
    lines: list[ImpactLine] = []
    for pair in (p for p in impact.pairs if p.name == change.name):
        head = f"impact: {pair.environment}: "
        if pair.sampled is None:
            lines.append(("dim", head + "unknown: the search failed (see Warnings)"))
            continue
        checked = f" (the newest {pair.sampled} are checked)" if pair.more else ""
        lines.append(("dim", head + _calls(pair, impact.days) + checked))
        renders = pair.empty_renders
        if renders is not None and (renders.after or renders.before):
            tags = ", ".join(f"`{tag}` {n}" for tag, n in renders.variables.items())
            lines.append(
                (
                    "breaking" if renders.after > renders.before else "dim",
                    f"  {renders.after} {_verb(renders.after, 'render', 'renders')} a variable"
                    " empty with this version (with the"
                    f" current one: {renders.before})" + (f": {tags}" if tags else ""),
                )
            )
        lines.extend(("breaking", _mismatch(m)) for m in pair.type_mismatches)
        for example in pair.examples:
            label = (example.completion_id or "call")[:8]
            more = f" (and {example.omitted} more)" if example.omitted else ""
            shown = json.dumps(example.inputs, ensure_ascii=False)
            lines.append(("plain", f"  example {label}: {shown}{more}"))
    return lines


def impact_note(plan: Plan) -> str | None:
    """One sentence about what was sampled (or why nothing was); None without --impact."""
    impact = plan.impact
    if impact is None:
        return None
    if impact.note is not None:
        return f"Impact: {impact.note}."
    since = impact.since.replace("T", " ").removesuffix("Z")[:16]
    searches = f"{impact.searches} search{'es' if impact.searches != 1 else ''}"
    return (
        f"Impact: calls recorded since {since} UTC ({impact.days} days), the newest"
        f" {impact.sample} per template and environment; {searches}."
    )
