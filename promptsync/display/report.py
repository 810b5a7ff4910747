"""An apply report for a terminal or a job log."""

from __future__ import annotations

from promptsync.apply.report import Report
from promptsync.display.lines import visible


def report_text(report: Report) -> str:
    c = report.counts()
    done = f"{c['created']} created, {c['updated']} updated, {c['promoted']} promoted"
    if "datasets_created" in c:
        done += f"; datasets: {c['datasets_created']} created, {c['datasets_updated']} updated"
    warnings = [f"warning: {d}" for d in report.duplicates]
    if report.ok:
        return "".join(visible(w) + "\n" for w in warnings) + (
            f"Apply complete: {done}. Remote verified.\n"
        )
    lines = [*warnings]
    if report.interrupted:
        lines.append("Apply interrupted: operations not yet started were skipped.")
    failed = [r for r in report.results if r.outcome == "failed"]
    if failed:
        lines.append(f"Apply failed: {len(failed)} of {len(report.results)} operations failed:")
        lines += [f"  {r.operation.name}: {r.error}" for r in failed]
    lines += [f"Remote does not match the plan: {m}" for m in report.mismatches]
    if report.unverified:
        lines.append(f"Could not verify the remote: {report.unverified}")
    partly = report.partly_done()
    in_part = f"; in part: {', '.join(partly)}" if partly else ""
    lines.append(f"Done so far: {done}{in_part}. Run apply again to converge.")
    return "\n".join(visible(line) for line in lines) + "\n"
