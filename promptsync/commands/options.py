"""Command-line options shared by the CLI and the GitHub Action driver (which parses its
`args` input with the same definitions). Light: click only."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import click

F = Callable[..., Any]


def not_empty(_ctx: click.Context, _param: click.Parameter, value: Any) -> Any:
    """An empty value is an error, never the same as leaving the option out: `apply "$PLAN"`
    with PLAN unset must not plan and apply the files instead of the reviewed plan."""
    if value == "" or (isinstance(value, tuple) and "" in value):
        raise click.BadParameter("is empty (an unset variable?); give a value or leave it out")
    return value


def remote_options(fn: F) -> F:
    """Options of the commands that talk to the registry."""
    fn = click.option(
        "--api-key-file",
        metavar="PATH",
        callback=not_empty,
        help="Read the API key from this file instead of the environment"
        " (FREEPLAY_API_KEY / PROMPTLAYER_API_KEY).",
    )(fn)
    fn = click.option(
        "--timeout",
        type=click.FloatRange(min=0.1),
        default=30.0,
        show_default=True,
        help="Seconds before a request times out.",
    )(fn)
    return click.option(
        "--retry-delay",
        type=click.FloatRange(min=0),
        default=5.0,
        show_default=True,
        help="Seconds before the first retry (doubling after each).",
    )(fn)


env_option = click.option(
    "--env",
    multiple=True,
    metavar="ENV",
    callback=not_empty,
    help="Only act on this managed environment (repeatable).",
)
template_option = click.option(
    "--template",
    multiple=True,
    metavar="GLOB",
    callback=not_empty,
    help="Only templates whose name matches (repeatable).",
)
changed_since_option = click.option(
    "--changed-since",
    metavar="REF",
    callback=not_empty,
    help="Only templates whose files changed since this git revision.",
)
parallelism_option = click.option(
    "--parallelism",
    type=click.IntRange(1, 64),
    default=4,
    show_default=True,
    help="Operations in flight at once.",
)


def impact_options(fn: F) -> F:
    """`plan --impact`: evidence from recorded calls (docs/impact.md)."""
    fn = click.option(
        "--impact-show-examples",
        is_flag=True,
        help="With --impact: also show up to 3 sampled inputs per pair, truncated (they may"
        " hold user data).",
    )(fn)
    fn = click.option(
        "--impact-sample",
        type=click.IntRange(1, 100),
        metavar="N",
        help="At most N calls per template and environment (default: impact.sample in"
        " promptsync.yaml, or 100).",
    )(fn)
    fn = click.option(
        "--impact-days",
        type=click.IntRange(1, 365),
        metavar="N",
        help="Sample calls of the last N days (default: impact.days, or 7).",
    )(fn)
    return click.option(
        "--impact",
        is_flag=True,
        help="Sample the calls recorded for each changed template and environment, and show"
        " how many each breaking change would affect (one search per pair).",
    )(fn)


def impact(kw: dict[str, Any]) -> Any:
    """ImpactOptions with --impact, else None (the --impact-* options need --impact: nothing
    is ever searched without it)."""
    extra = {
        "--impact-days": kw.get("impact_days") is not None,
        "--impact-sample": kw.get("impact_sample") is not None,
        "--impact-show-examples": bool(kw.get("impact_show_examples")),
    }
    if not kw.get("impact"):
        given = [name for name, used in extra.items() if used]
        if given:
            from promptsync.errors import PromptsyncError

            raise PromptsyncError(f"{given[0]} only applies with --impact")
        return None
    from promptsync.jobs.impact import ImpactOptions

    return ImpactOptions(
        days=kw.get("impact_days"),
        sample=kw.get("impact_sample"),
        show_examples=extra["--impact-show-examples"],
    )


def eval_options(fn: F, *, flag: bool = True) -> F:
    """`plan --eval` (and the options of `promptsync eval`): docs/evaluation.md."""
    fn = click.option("--no-cache", is_flag=True, help="Call the model for every case.")(fn)
    fn = click.option(
        "--eval-no-gate", is_flag=True, help="Report only: a failed gate does not exit 3."
    )(fn)
    fn = click.option(
        "--eval-show-examples",
        is_flag=True,
        help="Show up to 5 regressed cases per template: inputs and both answers, truncated.",
    )(fn)
    fn = click.option(
        "--eval-concurrency",
        type=click.IntRange(1, 64),
        default=8,
        show_default=True,
        metavar="N",
        help="Model calls in flight at once.",
    )(fn)
    fn = click.option(
        "--eval-timeout",
        type=click.FloatRange(1, 600),
        default=60.0,
        show_default=True,
        metavar="SECONDS",
        help="Give up on one model call after this long.",
    )(fn)
    if not flag:
        return fn
    return click.option(
        "--eval",
        "evaluate",
        is_flag=True,
        help="Run each created or updated template and the baseline's version over its test"
        " cases and compare them (calls models: docs/evaluation.md).",
    )(fn)


def evaluation(kw: dict[str, Any], *, asked: bool | None = None) -> Any:
    """EvalRequest with --eval (or for `promptsync eval`), else None; the --eval-* options
    need --eval: nothing is called without it."""
    on = kw.get("evaluate") if asked is None else asked
    extra = {
        "--eval-show-examples": bool(kw.get("eval_show_examples")),
        "--eval-no-gate": bool(kw.get("eval_no_gate")),
        "--no-cache": bool(kw.get("no_cache")),
    }
    if not on:
        given = [name for name, used in extra.items() if used]
        if given:
            from promptsync.errors import PromptsyncError

            raise PromptsyncError(f"{given[0]} only applies with --eval")
        return None
    from promptsync.jobs.evaluation import EvalRequest

    return EvalRequest(
        concurrency=kw.get("eval_concurrency") or 8,
        show_examples=extra["--eval-show-examples"],
        gate=not extra["--eval-no-gate"],
        cache=not extra["--no-cache"],
        timeout=kw.get("eval_timeout") or 60.0,
    )


def selection(kw: dict[str, Any]) -> Any:
    from promptsync.jobs.project import Selection

    return Selection(
        environments=tuple(kw.get("env", ())),
        templates=tuple(kw.get("template", ())),
        changed_since=kw.get("changed_since"),
    )


def remote(kw: dict[str, Any]) -> Any:
    from promptsync.jobs.planning import RemoteOptions

    return RemoteOptions(
        api_key_file=kw.get("api_key_file"),
        timeout=kw.get("timeout", 30.0),
        retry_delay=kw.get("retry_delay", 5.0),
    )


@click.command()
@env_option
@template_option
@changed_since_option
@impact_options
@eval_options
@remote_options
def plan_arguments(**kw: Any) -> dict[str, Any]:
    """What the Action's `args` may hold for plan."""
    return kw


@click.command()
@click.argument("planfile", required=False, callback=not_empty)
@parallelism_option
@env_option
@template_option
@remote_options
def apply_arguments(**kw: Any) -> dict[str, Any]:
    """What the Action's `args` may hold for apply."""
    return kw


def parse(command: click.Command, args: list[str]) -> dict[str, Any]:
    """Parse `args` with a command's options (raises click.UsageError)."""
    with command.make_context(command.name or "args", list(args)) as ctx:
        return dict(ctx.params)
