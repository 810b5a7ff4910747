"""`promptsync github run`: what the GitHub Action executes. Inputs come from INPUT_* variables.

plan: plan with --detailed-exitcode and --out, the markdown plan in the job summary, step
outputs, and one sticky pull-request comment per config. Without FREEPLAY_API_KEY (pull requests
from forks) it validates offline and says that the remote comparison was skipped.
apply: apply (a plan file given in `args`, or plan-and-apply with --auto-approve).
"""

from __future__ import annotations

import contextlib
import hashlib
import io
import json
import os
import shlex
import sys
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from promptsync.display.lines import summary_line
from promptsync.display.markdown import render_markdown
from promptsync.errors import PromptsyncError
from promptsync.github import COMMENT_LIMIT, GitHub, GitHubError, append_summary, write_outputs
from promptsync.plan_models import Plan

SKIPPED = (
    "**Remote comparison skipped:** `FREEPLAY_API_KEY` is not available to this run"
    " (pull requests from forks do not receive secrets), so the prompt files were only"
    " validated offline."
)


@dataclass(frozen=True)
class Inputs:
    command: str
    config: str | None
    args: list[str]
    comment: bool
    token: str

    @classmethod
    def from_env(cls, env: Mapping[str, str]) -> Inputs:
        command = env.get("INPUT_COMMAND", "plan").strip() or "plan"
        if command not in ("plan", "apply"):
            raise PromptsyncError(f"input command: {command!r} is not plan or apply")
        try:
            args = shlex.split(env.get("INPUT_ARGS", ""))
        except ValueError as exc:
            raise PromptsyncError(f"input args: {exc}") from None
        return cls(
            command,
            env.get("INPUT_CONFIG", "").strip() or None,
            args,
            env.get("INPUT_COMMENT", "true").strip().lower() in ("true", "1", "yes"),
            env.get("INPUT_GITHUB_TOKEN", "").strip(),
        )


@dataclass(frozen=True)
class Outcome:
    summary_markdown: str
    comment_markdown: str | None
    summary_line: str
    has_changes: bool
    exitcode: int
    plan_path: str = ""


def _capture(argv: list[str]) -> tuple[int, str, str]:
    """Run the CLI in-process; echo its output to the job log as well."""
    from promptsync.cli import main

    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        code = main(argv)
    sys.stdout.write(out.getvalue())
    sys.stderr.write(err.getvalue())
    return code, out.getvalue(), err.getvalue()


def _block(text: str) -> str:
    return "```\n" + text.strip().replace("```", "`\u200b``") + "\n```"


def _failed(title: str, what: str, err: str) -> Outcome:
    line = next((ln for ln in err.splitlines() if ln.startswith("error:")), "error")
    md = f"### promptsync {what} — {title}\n\n❌ **{what} failed**\n\n{_block(err)}\n"
    return Outcome(md, md, line, False, 1)


def _plan(title: str, base: list[str], inputs: Inputs, temp: Path) -> Outcome:
    path = temp / f"promptsync-plan-{hashlib.sha256(title.encode()).hexdigest()[:8]}.json"
    code, _out, err = _capture(
        [*base, "plan", *inputs.args, "--detailed-exitcode", "--out", str(path)]
    )
    if code == 1:
        return _failed(title, "plan", err)
    plan = Plan.model_validate_json(path.read_text(encoding="utf-8"))
    full = render_markdown(plan, title=title, limit=1_000_000)
    comment = render_markdown(plan, title=title, limit=COMMENT_LIMIT - 500)
    return Outcome(full, comment, summary_line(plan), plan.has_changes, code, str(path))


def _validate_only(title: str, base: list[str]) -> Outcome:
    code, out, err = _capture([*base, "validate"])
    result = (
        f"✅ {out.strip()}"
        if code == 0
        else f"❌ **The prompt files are invalid:**\n\n{_block(err)}"
    )
    md = f"### promptsync plan — {title}\n\n{SKIPPED}\n\n{result}\n"
    line = (
        "Remote comparison skipped (no FREEPLAY_API_KEY); files validated."
        if code == 0
        else "Remote comparison skipped (no FREEPLAY_API_KEY); files are invalid."
    )
    return Outcome(md, md, line, False, code)


def _apply(title: str, base: list[str], inputs: Inputs) -> Outcome:
    if not os.environ.get("FREEPLAY_API_KEY", "").strip():
        return _failed(
            title,
            "apply",
            "error: apply needs FREEPLAY_API_KEY (add it as a secret and pass it in env)",
        )
    code, out, err = _capture([*base, "apply", *inputs.args, "--auto-approve"])
    last = (out.strip().splitlines() or err.strip().splitlines() or [""])[-1]
    icon = "✅" if code == 0 else "❌"
    md = (
        f"### promptsync apply — {title}\n\n{icon} **{last}**\n\n<details><summary>Log"
        f"</summary>\n\n{_block(err + out)}\n\n</details>\n"
    )
    return Outcome(md, None, last, not last.startswith("No changes"), code)


def run_github(global_config: str | None) -> int:
    env = os.environ
    inputs = Inputs.from_env(env)
    config = inputs.config or global_config
    title = config or "promptsync.yaml"
    base = ["--no-color", *(["--config", config] if config else [])]
    temp = Path(env.get("RUNNER_TEMP") or ".")
    has_key = bool(env.get("FREEPLAY_API_KEY", "").strip())
    if inputs.command == "apply":
        outcome = _apply(title, base, inputs)
    elif has_key:
        outcome = _plan(title, base, inputs, temp)
    else:
        outcome = _validate_only(title, base)
    if env.get("GITHUB_STEP_SUMMARY"):
        append_summary(env["GITHUB_STEP_SUMMARY"], outcome.summary_markdown)
    if env.get("GITHUB_OUTPUT"):
        write_outputs(
            env["GITHUB_OUTPUT"],
            {
                "has-changes": "true" if outcome.has_changes else "false",
                "plan-json": outcome.plan_path,
                "exitcode": str(outcome.exitcode),
                "summary": outcome.summary_line,
            },
        )
    failed = outcome.exitcode == 1
    if inputs.command == "plan" and inputs.comment and outcome.comment_markdown:
        try:
            _comment(env, inputs, title, outcome.comment_markdown)
        except GitHubError as exc:
            if has_key:  # a normal pull request: the workflow's permissions need fixing
                raise
            print(f"::warning::promptsync could not comment: {exc}", file=sys.stderr)
    return 1 if failed else 0


def _comment(env: Mapping[str, str], inputs: Inputs, title: str, markdown: str) -> None:
    if env.get("GITHUB_EVENT_NAME") not in ("pull_request", "pull_request_target"):
        return
    event = json.loads(Path(env["GITHUB_EVENT_PATH"]).read_text(encoding="utf-8"))
    number = int(event["pull_request"]["number"])
    if not inputs.token:
        raise GitHubError("no github-token to comment with")
    marker = f"<!-- promptsync:plan {title} -->"
    body = f"{marker}\n{markdown}"
    with GitHub(env.get("GITHUB_API_URL", "https://api.github.com"), inputs.token) as github:
        done = github.upsert_comment(env["GITHUB_REPOSITORY"], number, marker, body)
    print(f"promptsync: {done} the plan comment on pull request #{number}", file=sys.stderr)
