"""The click declarations: every command and option, each dispatching to one `commands/` module.

Imports of pydantic, yaml, httpx, jinja2, git and deepdiff happen inside the commands, so
`--version` and `--help` stay fast.
"""

from __future__ import annotations

import functools
import os
import sys
from dataclasses import dataclass
from typing import Any

import click

from promptsync import __version__
from promptsync.cli import runtime
from promptsync.commands.options import (
    changed_since_option,
    env_option,
    eval_options,
    evaluation,
    impact,
    impact_options,
    not_empty,
    parallelism_option,
    remote,
    remote_options,
    selection,
    template_option,
)

all_option = click.option(
    "--all",
    "all_projects",
    is_flag=True,
    help="Every promptsync.yaml git tracks here or below, one combined output (docs/monorepo.md).",
)


def _no_config_with_all(g: Globals, all_projects: bool) -> bool:
    if all_projects and g.config:
        raise click.UsageError("--all finds every config itself; leave out --config")
    return all_projects


@dataclass
class Globals:
    config: str | None
    color: bool
    verbose: int


def _color_enabled(no_color: bool) -> bool:
    if no_color or "NO_COLOR" in os.environ:
        return False
    return sys.stdout is not None and sys.stdout.isatty()


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="promptsync")
@click.option(
    "--config",
    "config",
    metavar="PATH",
    callback=not_empty,
    help="Config file (default: promptsync.yaml"
    " found by walking up from the current directory, or $PROMPTSYNC_CONFIG).",
)
@click.option("--no-color", is_flag=True, help="Never colour output (NO_COLOR is honoured too).")
@click.option("-v", "--verbose", count=True, help="More detail; tracebacks on errors.")
@click.pass_context
def cli(ctx: click.Context, config: str | None, no_color: bool, verbose: int) -> None:
    """promptsync: a git repository as the source of truth for LLM prompt templates."""
    runtime.STATE["verbose"] = verbose
    ctx.obj = Globals(config=config, color=_color_enabled(no_color), verbose=verbose)


@cli.command()
@click.option(
    "--format", "fmt", type=click.Choice(["text", "json"]), default="text", show_default=True
)
@all_option
@click.pass_obj
def validate(g: Globals, fmt: str, all_projects: bool) -> int:
    """Check every prompt file and the config, offline. Exit 0 valid, 1 invalid."""
    if _no_config_with_all(g, all_projects):
        from promptsync.commands.projects import run_validate_all

        return run_validate_all(fmt)
    from promptsync.commands.validate import run_validate

    return run_validate(g.config, fmt)


@cli.command()
@click.argument("kind", type=click.Choice(["prompt", "dataset", "eval", "config", "plan", "plans"]))
def schema(kind: str) -> int:
    """Print the JSON Schema of a prompt file, the config or a plan file."""
    from promptsync import console
    from promptsync.commands.schema import schema_json

    console.out(schema_json(kind))
    return 0


@cli.command()
@click.option(
    "--dir",
    "directory",
    default=".",
    show_default=True,
    metavar="PATH",
    callback=not_empty,
    help="Where to create the files.",
)
@click.option(
    "--backend",
    type=click.Choice(["freeplay", "promptlayer"]),
    default="freeplay",
    show_default=True,
    help="The registry the project deploys to.",
)
def init(directory: str, backend: str) -> int:
    """Write promptsync.yaml, an example prompt and an example workflow (never overwrites)."""
    from pathlib import Path

    from promptsync.commands.init import run_init

    return run_init(Path(directory), backend)


@cli.command()
@env_option
@template_option
@click.option(
    "--out",
    metavar="FILE",
    callback=not_empty,
    help="Also write the plan as JSON to FILE (for apply).",
)
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["text", "markdown", "json"]),
    default="text",
    show_default=True,
)
@click.option(
    "--detailed-exitcode",
    is_flag=True,
    help="Exit 0 when there are no changes, 2 when there are, 1 on error.",
)
@changed_since_option
@impact_options
@eval_options
@all_option
@remote_options
@click.pass_obj
def plan(
    g: Globals, /, fmt: str, out: str | None, detailed_exitcode: bool, all_projects: bool, **kw: Any
) -> int:
    """Compare the prompt files with the registry and show what apply would do."""
    if _no_config_with_all(g, all_projects):
        from promptsync.commands.projects import run_plan_all

        runtime.imported()
        return run_plan_all(
            selection(kw),
            remote(kw),
            fmt=fmt,
            out=out,
            detailed_exitcode=detailed_exitcode,
            color=g.color,
            verbose=g.verbose,
            impact=impact(kw),
        )
    from promptsync.commands.plan import run_plan

    runtime.imported()
    return run_plan(
        g.config,
        selection(kw),
        remote(kw),
        fmt=fmt,
        out=out,
        detailed_exitcode=detailed_exitcode,
        color=g.color,
        verbose=g.verbose,
        impact=impact(kw),
        evaluation=evaluation(kw),
    )


@cli.command(name="eval")
@template_option
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["text", "markdown", "json"]),
    default="text",
    show_default=True,
)
@functools.partial(eval_options, flag=False)
@remote_options
@click.pass_obj
def eval_command(g: Globals, /, fmt: str, **kw: Any) -> int:
    """Run the templates that have eval files over their test cases, next to the baseline."""
    from promptsync.commands.eval import run_eval

    runtime.imported()
    return run_eval(
        g.config,
        selection(kw),
        remote(kw),
        evaluation(kw, asked=True),
        fmt=fmt,
        verbose=g.verbose,
    )


@cli.command()
@click.argument("planfile", required=False, metavar="[PLANFILE]", callback=not_empty)
@click.option("--auto-approve", is_flag=True, help="Do not ask for confirmation.")
@parallelism_option
@env_option
@template_option
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["text", "json"]),
    default="text",
    show_default=True,
    help="json: a machine-readable result on stdout.",
)
@all_option
@remote_options
@click.pass_obj
def apply(
    g: Globals,
    /,
    planfile: str | None,
    auto_approve: bool,
    parallelism: int,
    fmt: str,
    all_projects: bool,
    **kw: Any,
) -> int:
    """Create the planned versions and move environments, then verify the remote."""
    if _no_config_with_all(g, all_projects):
        from promptsync.commands.projects import run_apply_all

        runtime.imported()
        return run_apply_all(
            planfile,
            selection(kw),
            remote(kw),
            auto_approve=auto_approve,
            parallelism=parallelism,
            fmt=fmt,
            color=g.color,
            verbose=g.verbose,
        )
    from promptsync.commands.apply import run_apply

    runtime.imported()
    return run_apply(
        g.config,
        planfile,
        selection(kw),
        remote(kw),
        auto_approve=auto_approve,
        parallelism=parallelism,
        fmt=fmt,
        color=g.color,
        verbose=g.verbose,
    )


@cli.command()
@click.option(
    "--env",
    multiple=True,
    metavar="ENV",
    callback=not_empty,
    help="Environment to pull (repeatable; default: promptsync.yaml environments).",
)
@template_option
@click.option("--force", is_flag=True, help="Replace local files that differ from the remote.")
@remote_options
@click.pass_obj
def pull(g: Globals, /, force: bool, **kw: Any) -> int:
    """Write the remote templates as prompt files (to adopt an existing project)."""
    from promptsync.commands.pull import run_pull

    runtime.imported()
    return run_pull(g.config, selection(kw), remote(kw), force=force)


@cli.command()
@all_option
@click.option(
    "--write",
    is_flag=True,
    help="Write what the registry serves for the templates that differ into the files.",
)
@click.option(
    "--format", "fmt", type=click.Choice(["text", "json"]), default="text", show_default=True
)
@click.option(
    "--detailed-exitcode",
    is_flag=True,
    help="Exit 0 when every registry matches its files, 2 when one differs, 1 on error.",
)
@remote_options
@click.pass_obj
def drift(
    g: Globals, /, all_projects: bool, write: bool, fmt: str, detailed_exitcode: bool, **kw: Any
) -> int:
    """Show where the registry differs from the files, and the files pull would change."""
    from promptsync.commands.drift import run_drift

    runtime.imported()
    return run_drift(
        g.config,
        _no_config_with_all(g, all_projects),
        remote(kw),
        write=write,
        fmt=fmt,
        detailed_exitcode=detailed_exitcode,
        verbose=g.verbose,
    )


@cli.command(name="render")
@click.argument("name")
@click.option(
    "--env",
    metavar="ENV",
    callback=not_empty,
    help="The version claiming ENV (default: the env-less one).",
)
@click.option(
    "--var",
    "pairs",
    multiple=True,
    metavar="NAME=VALUE",
    help="A variable (repeatable; values are strings).",
)
@click.option(
    "--vars-file",
    metavar="PATH",
    callback=not_empty,
    help="YAML or JSON mapping of variables.",
)
@click.option("--flavor", metavar="FLAVOR", help="Provider format (default: from the provider).")
@click.option(
    "--use-examples",
    is_flag=True,
    help="Fill variables not given from the file's declared examples.",
)
@click.option(
    "--format", "fmt", type=click.Choice(["text", "json"]), default="text", show_default=True
)
@click.pass_obj
def render_command(g: Globals, /, name: str, **options: Any) -> int:
    """Render a local version exactly as its registry would (Freeplay's SDK, or PromptLayer)."""
    from promptsync.commands.render import run_render

    runtime.imported()
    return run_render(g.config, name, **options)


@cli.command()
@click.option(
    "--backend",
    type=click.Choice(["freeplay", "promptlayer"]),
    default="freeplay",
    show_default=True,
    help="API to serve: Freeplay's under /api/v2, or PromptLayer's at the root.",
)
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option(
    "--port",
    default=8765,
    show_default=True,
    type=click.IntRange(0, 65535),
    help="0 picks a free port.",
)
@click.option(
    "--db",
    default=".promptsync/emulator.sqlite",
    show_default=True,
    metavar="PATH|:memory:",
    callback=not_empty,
    help="SQLite file holding the state.",
)
@click.option(
    "--api-key",
    "api_keys",
    multiple=True,
    metavar="KEY",
    help="Accepted key (repeatable). Default: promptsync-emulator.",
)
@click.option(
    "--project-id",
    "project_ids",
    multiple=True,
    metavar="UUID",
    help="Project the keys may use (repeatable; paired with --api-key in order).",
)
@click.option(
    "--environment",
    "environments",
    multiple=True,
    metavar="NAME",
    help="Extra environment besides latest, dev, staging, prod (repeatable).",
)
@click.option(
    "--fail-rate",
    type=click.FloatRange(0, 1),
    default=0.0,
    help="Share of requests answered 500 before any write.",
)
@click.option(
    "--fail-after-commit-rate",
    type=click.FloatRange(0, 1),
    default=0.0,
    help="Share of requests processed (writes committed), then answered 500.",
)
@click.option(
    "--drop-rate",
    type=click.FloatRange(0, 1),
    default=0.0,
    help="Share of requests processed, then the connection closed with no response.",
)
@click.option(
    "--latency-ms", type=click.FloatRange(0), default=0.0, help="Delay added to every API request."
)
@click.option("--seed", type=int, default=None, help="Seed that makes faults reproducible.")
@click.option(
    "--rate-limit-every",
    type=click.IntRange(0),
    default=0,
    metavar="N",
    help="Answer every Nth model call (/v1/...) 429 with Retry-After (0: never).",
)
@click.option(
    "--retry-after",
    type=click.FloatRange(0, 120, min_open=True),
    default=1.0,
    show_default=True,
    metavar="SECONDS",
    help="Retry-After of those 429s.",
)
# Readings: server behaviours Freeplay's docs allow more than one of (docs/emulator.md).
@click.option(
    "--dedup",
    type=click.Choice(["target-environments", "any-version"]),
    default="target-environments",
    show_default=True,
    help="Which identical version a create reuses.",
)
@click.option(
    "--decorate-responses", is_flag=True, help="Add the extra fields a newer server might send."
)
@click.option(
    "--error-key",
    type=click.Choice(["message", "error"]),
    default="message",
    show_default=True,
    help="Key of error bodies.",
)
@click.option(
    "--env-update-reply",
    type=click.Choice(["object", "empty-200", "empty-204"]),
    default="object",
    show_default=True,
    help="Reply to update-environments: 200 {}, empty 200, or 204.",
)
@click.option(
    "--ready-file",
    metavar="PATH",
    callback=not_empty,
    help="Write the base URL to this file once listening (for scripts).",
)
def emulator(**options: Any) -> int:
    """Run a local Freeplay- or PromptLayer-compatible server until interrupted."""
    from promptsync.commands.emulator import run_emulator

    return run_emulator(**options)


@cli.group()
def github() -> None:
    """Commands the GitHub Action runs (inputs come from INPUT_* variables)."""


@github.command(name="run")
@click.pass_obj
def github_run(g: Globals) -> int:
    """Plan or apply, write the step summary and outputs, update the sticky PR comment."""
    from promptsync.commands.github import run_github

    runtime.imported()
    return run_github(g.config)
