"""The shell of evaluation (`plan --eval`, `promptsync eval`): which templates to run and with
what content, the model clients and the cache, Ctrl-C, and the registry's test run.

For `plan --eval`, every template the plan creates or updates and that has an eval file: the new
content is what the plan creates for the baseline environment (else its first new version); the
before is what the baseline serves now. For `promptsync eval`, every template with an eval file
(or those `--template` selects), the files as they are: the version claiming the baseline (else
the one without environments).
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from promptsync.errors import LoadError
from promptsync.evaluate.load import EvalSpec, check_evals
from promptsync.evaluate.results import Evaluation
from promptsync.evaluate.run import EvalOptions, EvalTarget, TestRunRecorder, evaluate
from promptsync.jobs.project import Project, matches
from promptsync.kinds.prompts.changes import Change, CreateVersion
from promptsync.kinds.prompts.identity import content_of
from promptsync.kinds.prompts.remote import Snapshots

if TYPE_CHECKING:
    from promptsync.backends.base import Backend

CACHE = Path(".promptsync") / "cache" / "responses"


@dataclass(frozen=True)
class EvalRequest:
    """What `--eval` and its options ask for."""

    concurrency: int = 8
    show_examples: bool = False
    gate: bool = True
    cache: bool = True
    timeout: float = 60.0


def load_specs(project: Project) -> list[EvalSpec]:
    """The project's eval files, checked against its templates and datasets (LoadError)."""
    settings = project.settings
    specs, issues = check_evals(
        settings.root / settings.config.evals_dir,
        settings.root,
        set(project.loaded.templates),
        set(project.datasets.by_name),
    )
    errors = [i for i in issues if i.severity == "error"]
    if errors:
        raise LoadError(issues)
    return specs


def _baseline(spec: EvalSpec, project: Project) -> str | None:
    managed = project.managed
    return spec.spec.baseline or (managed[0] if managed else None)


def _new_content(change: Change, baseline: str | None) -> Mapping[str, Any] | None:
    creates = [op for op in change.operations if isinstance(op, CreateVersion)]
    for op in creates:
        if baseline in op.environments:
            return content_of(op.content)
    return content_of(creates[0].content) if creates else None


def _file_content(project: Project, name: str, baseline: str | None) -> Mapping[str, Any]:
    sources = project.loaded.templates[name]
    chosen = next((s for s in sources if baseline in (s.prompt.environments or [])), None)
    chosen = chosen or next((s for s in sources if not s.prompt.environments), sources[0])
    return chosen.identity.content


def targets(
    project: Project,
    specs: Sequence[EvalSpec],
    snapshots: Snapshots,
    changes: Sequence[Change] | None,
    templates: Sequence[str] = (),
) -> tuple[list[EvalTarget], list[str]]:
    """What to run (`changes` None: the files as they are), and notes on what is not run."""
    found: list[EvalTarget] = []
    notes: list[str] = []
    by_name = {c.name: c for c in changes or []}
    for item in specs:
        spec = item.spec
        if templates and not matches(spec.template, templates):
            continue
        baseline = _baseline(item, project)
        if changes is not None:
            change = by_name.get(spec.template)
            if change is None or not {"create", "update"} & set(change.actions):
                continue  # nothing new to judge
            after = _new_content(change, baseline)
            if after is None:
                continue
        else:
            after = _file_content(project, spec.template, baseline)
        snapshot = snapshots.get(baseline) if baseline is not None else None
        served = snapshot.served(spec.template) if snapshot is not None else None
        before = None
        if served is not None and served.unreadable is None:
            before = served.content
        elif served is not None:
            notes.append(
                f"{spec.template}: {baseline}'s version cannot be read ({served.unreadable});"
                " only the new version was run"
            )
        found.append(
            EvalTarget(
                spec=spec,
                path=item.path,
                after=after,
                dataset=project.datasets.by_name[spec.dataset],
                baseline=baseline if served is not None else None,
                before=before,
                before_version=served.version_id if served is not None else None,
            )
        )
    return found, notes


def run_evaluation(
    project: Project,
    backend: Backend,
    found: Sequence[EvalTarget],
    request: EvalRequest,
    environ: Mapping[str, str],
    progress: Callable[[str], None],
    notes: Sequence[str] = (),
    run_name: str = "promptsync plan --eval",
) -> Evaluation:
    """Run the targets; Ctrl-C stops sending and raises Interrupted once calls in flight end."""
    from promptsync.evaluate.cache import ResponseCache
    from promptsync.evaluate.calls import ModelClients, require_sdks
    from promptsync.interrupts import INTERRUPTS

    if not found:
        return Evaluation(templates=[], skipped=list(notes), gate_failed=False)
    require_sdks()
    config = project.settings.config
    clients = ModelClients(config.providers, environ, timeout=request.timeout)
    cache = ResponseCache(project.settings.root / CACHE if request.cache else None)
    recorder = backend if isinstance(backend, TestRunRecorder) else None
    stop = threading.Event()
    options = EvalOptions(request.concurrency, request.show_examples, request.gate)
    with INTERRUPTS.defer(stop):
        evaluation = evaluate(
            found,
            clients,
            cache,
            options,
            progress=progress,
            stop=stop,
            recorder=recorder,
            run_name=run_name,
        )
    return evaluation.model_copy(update={"skipped": [*evaluation.skipped, *notes]})
