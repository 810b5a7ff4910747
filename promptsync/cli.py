"""Command-line shell: parse arguments, call one function, map errors to exit codes.

Imports of pydantic, yaml, httpx, jinja2, git and deepdiff happen inside the commands, so
`--version` and `--help` stay fast.
"""

from __future__ import annotations

import atexit
import contextlib
import errno
import gc
import os
import signal
import sys
import threading
import traceback
from dataclasses import dataclass
from typing import Any, NoReturn

import click

from promptsync import __version__
from promptsync.options import (
    changed_since_option,
    env_option,
    impact,
    impact_options,
    not_empty,
    parallelism_option,
    remote,
    remote_options,
    selection,
    template_option,
)


@dataclass
class Globals:
    config: str | None
    color: bool
    verbose: int


_state = {"verbose": 0, "tuned": 0}
_WRITE_ERRORS = {errno.ENOSPC, errno.EIO, errno.EFBIG, errno.EDQUOT}


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
    _state["verbose"] = verbose
    ctx.obj = Globals(config=config, color=_color_enabled(no_color), verbose=verbose)


@cli.command()
@click.option(
    "--format", "fmt", type=click.Choice(["text", "json"]), default="text", show_default=True
)
@click.pass_obj
def validate(g: Globals, fmt: str) -> int:
    """Check every prompt file and the config, offline. Exit 0 valid, 1 invalid."""
    from promptsync.commands.validate import run_validate

    return run_validate(g.config, fmt)


@cli.command()
@click.argument("kind", type=click.Choice(["prompt", "config", "plan"]))
def schema(kind: str) -> int:
    """Print the JSON Schema of a prompt file, the config or a plan file."""
    from promptsync import console
    from promptsync.schemas import schema_json

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
@remote_options
@click.pass_obj
def plan(g: Globals, /, fmt: str, out: str | None, detailed_exitcode: bool, **kw: Any) -> int:
    """Compare the prompt files with the registry and show what apply would do."""
    from promptsync.commands.plan import run_plan

    _imported()
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
@remote_options
@click.pass_obj
def apply(
    g: Globals, /, planfile: str | None, auto_approve: bool, parallelism: int, fmt: str, **kw: Any
) -> int:
    """Create the planned versions and move environments, then verify the remote."""
    from promptsync.commands.apply import run_apply

    _imported()
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

    _imported()
    return run_pull(g.config, selection(kw), remote(kw), force=force)


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

    _imported()
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

    _imported()
    return run_github(g.config)


_GROUP_OPTIONS = ("--config", "--no-color", "-v", "--verbose")


def _usage_hint(exc: click.ClickException) -> str:
    if isinstance(exc, click.NoSuchOption) and exc.option_name in _GROUP_OPTIONS:
        return (
            f" ({exc.option_name} is a global option: put it before the command,"
            f" e.g. promptsync {exc.option_name} plan)"
        )
    return ""


def _run(argv: list[str] | None) -> int:
    """Run one command; output that could not be written (other than to a reader that went
    away) fails it, after the work is done."""
    from promptsync import console

    console.reset()
    code = _outcome(argv)
    lost = console.failure()
    if lost and code != 130:
        console.err(f"error: {lost}")
        return 1
    return code


def _outcome(argv: list[str] | None) -> int:
    from promptsync import console
    from promptsync.errors import PromptsyncError, messages
    from promptsync.interrupts import Interrupted

    try:
        result: Any = cli.main(args=argv, prog_name="promptsync", standalone_mode=False)
    except (Interrupted, click.exceptions.Abort, KeyboardInterrupt):
        console.err("error: interrupted")
        return 130
    except click.exceptions.Exit as exc:
        return int(exc.exit_code)
    except click.ClickException as exc:
        # Usage errors exit 1, not click's 2: with --detailed-exitcode, 2 means "changes".
        console.err(f"error: {exc.format_message()}{_usage_hint(exc)}")
        return 1
    except PromptsyncError as exc:
        if _state["verbose"]:
            traceback.print_exc()
        for line in messages(exc):
            console.err(line)
        return 1
    except BrokenPipeError:  # a reader that went away, outside promptsync's own writes
        return 1
    except Exception as exc:
        if isinstance(exc, OSError) and exc.errno in _WRITE_ERRORS:
            # click's own output (--help, --version) to a full disk or a failing device.
            console.err(f"error: cannot write output: {exc.strerror}")
            return 1
        # A bug: one line unless -v.
        if _state["verbose"]:
            traceback.print_exc()
        console.err(
            f"error: internal error ({type(exc).__name__}: {exc}); run with -v for the traceback"
        )
        return 1
    return result if isinstance(result, int) else 0


def main(argv: list[str] | None = None) -> int:
    """Entry point for in-process use; returns the exit code instead of raising SystemExit."""
    from promptsync.interrupts import INTERRUPTS

    INTERRUPTS.install()
    try:
        return _run(argv)
    finally:
        INTERRUPTS.restore()


def entry() -> None:
    """The `promptsync` executable: like main, but Ctrl-C stays harmless until the process ends
    (threads still finishing a request are joined at exit, and must not be interrupted)."""
    from promptsync.interrupts import INTERRUPTS

    _tune_collector()
    INTERRUPTS.install()
    code = _run(None)
    # From here on Ctrl-C is ignored, by the OS itself: during the interpreter's shutdown a late
    # SIGINT would otherwise meet the default action and replace the exit code with a signal.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    _exit(code)


def _tune_collector() -> None:
    """Collect cycles less often: almost everything a run builds (files, snapshots, the plan)
    lives until it ends, and Python's default (a collection every 700 new objects) re-scanned
    it over and over: a plan of 10,000 templates made ~1,500 collections, 11 of them full, for
    ~2 s of its ~7 s. Every 10,000 new objects: ~110 collections, none full, ~0.6 s, for ~10%
    more peak memory. What is imported lives as long as the process: it is frozen (here, and
    again by `_imported` once a command's modules are in), so no collection scans it."""
    _state["tuned"] = 1
    gc.freeze()
    gc.set_threshold(10_000, 10, 10)


def _imported() -> None:
    """A command's modules are imported: in the executable, freeze them (see _tune_collector;
    at 1,000 templates this halves a plan's collection time). In-process callers are left
    alone."""
    if _state["tuned"]:
        gc.freeze()


def _exit(code: int) -> NoReturn:
    """End the process. When nothing is left to finish (no thread but daemons, exit handlers
    run, output flushed), the interpreter's teardown is skipped: it frees every object one by
    one (~50 ms after a plan of 1,000 templates), where the OS reclaims the memory at once."""
    main = threading.main_thread()
    if any(t is not main and not t.daemon and t.is_alive() for t in threading.enumerate()):
        sys.exit(code)  # e.g. apply's workers still finishing a request: they are joined
    atexit._run_exitfuncs()
    for stream in (sys.stdout, sys.stderr):
        with contextlib.suppress(Exception):  # a closed pipe: console.py already said so
            stream.flush()
    os._exit(code)
