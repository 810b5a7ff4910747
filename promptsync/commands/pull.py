"""`promptsync pull`: write what the registry serves as prompt files (adoption)."""

from __future__ import annotations

import os
from collections.abc import Sequence
from pathlib import Path

from promptsync import console
from promptsync.errors import PromptsyncError
from promptsync.jobs.planning import RemoteOptions, connect
from promptsync.jobs.project import Selection, matches
from promptsync.jobs.workspace import (
    dataset_targets,
    existing_datasets,
    existing_files,
    file_changes,
    prompt_targets,
    schema_ref,
    valid_files,
    write_changes,
)
from promptsync.kinds.prompts.load import display_path
from promptsync.kinds.prompts.pull import pull_all, unreadable_notes
from promptsync.kinds.prompts.remote import LATEST
from promptsync.repo.settings import Settings, load_settings


def _managed(settings: Settings, chosen: Sequence[str]) -> list[str]:
    if LATEST in chosen:
        raise PromptsyncError("--env latest: latest is always pulled; name the other environments")
    if chosen:
        return list(chosen)
    if settings.config.environments:
        return list(settings.config.environments)
    raise PromptsyncError(
        "pull: which environments? List them in promptsync.yaml (environments: [...]) or pass --env"
    )


def run_pull(
    config: str | None, selection: Selection, remote: RemoteOptions, *, force: bool
) -> int:
    settings = load_settings(config, os.environ, Path.cwd())
    backend_name = settings.config.backend
    existing = existing_files(settings.prompts_dir, backend_name)
    managed = _managed(settings, selection.environments)
    backend = connect(settings, remote, os.environ)
    try:
        snapshots = backend.read([*managed, LATEST])
        # Datasets too, unless the pull is limited to templates.
        datasets = None if selection.templates else backend.read_datasets(None)
    finally:
        backend.close()
    latest = snapshots[LATEST]
    readable = {n for env in [*managed, LATEST] for n in snapshots[env].versions}
    names = sorted(n for n in readable if matches(n, selection.templates))
    unmatched = [p for p in selection.templates if not any(matches(n, [p]) for n in latest.names())]
    if unmatched:
        raise PromptsyncError(f"--template {unmatched[0]!r}: matches no remote template")
    pulled = pull_all(snapshots, managed, names, schema_ref(settings))
    files, skipped = valid_files(pulled, settings.prompts_dir, settings.config.backend)
    targets = prompt_targets(settings.prompts_dir, files)
    dataset_warnings: list[str] = []
    if datasets is not None:
        found, dataset_warnings = dataset_targets(
            settings.datasets_dir, datasets, schema_ref(settings, "dataset", settings.datasets_dir)
        )
        targets += found
        existing.update(existing_datasets(settings.datasets_dir, settings.root, backend_name))
    changes, same = file_changes(targets, existing)
    conflicts = [display_path(c.path) for c in changes if c.symbol != "+"]
    if conflicts and not force:
        raise PromptsyncError(
            f"pull would overwrite or remove {len(conflicts)} local file(s) that differ from the"
            f" remote ({', '.join(sorted(conflicts))}); nothing was written. Review them, then"
            " run pull --force to replace them"
        )
    write_changes(changes, settings.root)
    for change in sorted(changes, key=lambda c: (c.path.as_posix(), c.symbol)):
        console.out(f"  {change.symbol} {display_path(change.path)}\n")
    for path in sorted(same):
        console.out(f"  = {display_path(path)}\n")
    counts = {s: sum(c.symbol == s for c in changes) for s in "+~-"}
    pulled_datasets = (
        f" and {len(datasets.datasets)} dataset(s)" if datasets and datasets.datasets else ""
    )
    console.out(
        f"Pulled {len(names) - len(skipped)} template(s){pulled_datasets} into"
        f" {len(targets)} file(s): {counts['+']} created, {counts['~']} updated,"
        f" {counts['-']} removed, {len(same)} unchanged.\n"
    )
    for skip in skipped:
        console.err(f"warning: skipped {skip.template}: {skip.reason}")
    for warning in unreadable_notes(snapshots, [*managed, LATEST], selection.templates):
        console.err(f"warning: {warning}")
    for warning in dataset_warnings:
        console.err(f"warning: {warning}")
    return 0
