"""An evaluation (plan --eval, promptsync eval) as text lines and as a markdown table."""

from __future__ import annotations

import json

from promptsync.display.lines import Line, Style, visible
from promptsync.evaluate.results import Evaluation, Side, TemplateEval


def rate(side: Side | None) -> str:
    value = side.pass_rate if side is not None else None
    return "n/a" if value is None else f"{value:.0%}"


def delta(row: TemplateEval) -> str:
    new, old = row.after.pass_rate, row.before.pass_rate if row.before else None
    if new is None or old is None:
        return ""
    points = round((new - old) * 100)
    return f"{points:+d} pp"


def verdict(row: TemplateEval) -> str:
    if row.regressed and row.improved:
        return "mixed"
    if row.regressed:
        return "regressed"
    if row.improved:
        return "improved"
    return "same"


def headline(row: TemplateEval) -> str:
    before = f"{rate(row.before)} -> " if row.before else ""
    change = f" ({delta(row)})" if delta(row) else ""
    baseline = f" vs {row.baseline}" if row.baseline else ""
    return (
        f"{row.template} on {row.dataset}{baseline}: {row.cases} case(s), pass rate"
        f" {before}{rate(row.after)}{change}; {row.improved} improved, {row.regressed}"
        f" regressed, {row.after.errors} error(s); {row.calls} call(s), {row.cached} cached,"
        f" {row.input_tokens + row.output_tokens:,} tokens"
    )


def lines(evaluation: Evaluation) -> list[Line]:
    out: list[Line] = [("plain", "Evaluation (the new version vs the baseline, on test cases):")]
    for row in evaluation.templates:
        style: Style = (
            "remove" if row.regressed or row.gate else "create" if row.improved else "plain"
        )
        out.append((style, f"  {headline(row)}"))
        if row.gate:
            out.append(("breaking", f"    ! gate failed: {row.gate}"))
        if row.test_run:
            out.append(("dim", f"    test run: {row.test_run}"))
        for example in row.examples:
            inputs = json.dumps(example.inputs, ensure_ascii=False, sort_keys=True)
            out.append(("dim", f"    regressed: {inputs}"))
            out.append(("remove", f"      before: {example.before}"))
            out.append(("create", f"      after:  {example.after}"))
            out.append(("dim", f"      fails: {'; '.join(example.failed_checks)}"))
    out.extend(("dim", f"  {note}") for note in evaluation.skipped)
    if not evaluation.templates and not evaluation.skipped:
        out.append(("dim", "  nothing to evaluate: no changed template has an eval file"))
    return out


def _cell(text: str) -> str:
    return visible(text).replace("|", "\\|").replace("<", "&lt;")


def markdown(evaluation: Evaluation) -> str:
    """The PR comment's evaluation section: one row per template, regressions collapsed."""
    parts = ["#### Evaluation", ""]
    if evaluation.templates:
        parts += [
            "| Template | Dataset | Cases | Before | After | Change | Improved | Regressed |"
            " Errors | Gate |",
            "|---|---|---:|---:|---:|---:|---:|---:|---:|---|",
        ]
        for row in evaluation.templates:
            gate = f"❌ {_cell(row.gate)}" if row.gate else "✅"
            parts.append(
                f"| `{_cell(row.template)}` | `{_cell(row.dataset)}` | {row.cases} |"
                f" {rate(row.before) if row.before else '—'} | {rate(row.after)} |"
                f" {delta(row) or '—'} {verdict(row)} | {row.improved} | {row.regressed} |"
                f" {row.after.errors} | {gate} |"
            )
        for row in evaluation.templates:
            if not row.examples:
                continue
            name = _cell(row.template)
            parts += ["", f"<details><summary>Regressed cases of <code>{name}</code></summary>", ""]
            for example in row.examples:
                inputs = json.dumps(example.inputs, ensure_ascii=False, sort_keys=True)
                parts += [
                    f"- inputs `{_cell(inputs)}`",
                    f"  - before: {_cell(example.before)}",
                    f"  - after: {_cell(example.after)}",
                    f"  - fails: {_cell('; '.join(example.failed_checks))}",
                ]
            parts += ["", "</details>"]
    parts += [f"_{_cell(note)}_" for note in evaluation.skipped]
    return "\n".join(parts) + "\n"
