"""The user's project: settings, the prompt files, the managed environments, what is selected."""

from __future__ import annotations

import fnmatch
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path

from promptsync.errors import Issue, LoadError, PromptsyncError
from promptsync.kinds.datasets.desired import LoadedDatasets
from promptsync.kinds.datasets.load import check_datasets
from promptsync.kinds.prompts.desired import LoadedPrompts, PromptSource
from promptsync.kinds.prompts.load import load_prompts, name_in_file
from promptsync.kinds.prompts.remote import LATEST
from promptsync.repo.settings import Settings, load_settings


@dataclass(frozen=True)
class Selection:
    """What a plan is limited to: environments, template globs, files changed since a ref."""

    environments: Sequence[str] = ()
    templates: Sequence[str] = ()
    changed_since: str | None = None


@dataclass(frozen=True)
class Project:
    settings: Settings
    loaded: LoadedPrompts
    datasets: LoadedDatasets = field(default_factory=LoadedDatasets)

    @cached_property
    def managed(self) -> list[str]:
        """The config's list, else every environment named in a file (first appearance order)."""
        if self.settings.config.environments:
            return list(self.settings.config.environments)
        seen: list[str] = []
        for source in self.loaded.sources:
            for env in source.prompt.environments or []:
                if env not in seen:
                    seen.append(env)
        return seen


def open_project(config: str | None, environ: Mapping[str, str], cwd: Path) -> Project:
    """Read the config and every prompt file (raises LoadError listing all problems)."""
    settings = load_settings(config, environ, cwd)
    check_started(settings, cwd)
    return load_project(settings)


def check_started(settings: Settings, cwd: Path) -> None:
    """No config anywhere and no prompts directory: point at `init` instead of a bare error."""
    if settings.config_path is None and not settings.prompts_dir.is_dir():
        raise PromptsyncError(
            f"no promptsync.yaml in {cwd} or any parent directory, and no prompts/ here;"
            " run `promptsync init` to start a project (or pass --config)"
        )


def load_project(settings: Settings) -> Project:
    """Every prompt file and dataset file, checked; raises LoadError listing the problems of
    both at once."""
    backend = settings.config.backend
    issues: list[Issue] = []
    prompts: LoadedPrompts | None = None
    try:
        prompts = load_prompts(
            settings.prompts_dir, settings.config.environments, root=settings.root, backend=backend
        )
    except LoadError as exc:
        issues += exc.issues
    sources, dataset_issues = check_datasets(settings.datasets_dir, settings.root, backend)
    if issues or any(i.severity == "error" for i in dataset_issues):
        raise LoadError(sorted([*issues, *dataset_issues]))
    assert prompts is not None
    return Project(settings, prompts, LoadedDatasets(tuple(sources), tuple(dataset_issues)))


def acting_environments(managed: Sequence[str], chosen: Sequence[str]) -> list[str]:
    """The environments a plan may change: the managed ones (or those chosen) plus latest."""
    for env in chosen:
        if env not in managed and env != LATEST:
            raise PromptsyncError(
                f"--env {env}: not a managed environment (managed: {', '.join(managed) or 'none'})"
            )
    if not chosen:
        return [*managed, LATEST]
    return [e for e in [*managed, LATEST] if e in chosen]


def matches(name: str, patterns: Sequence[str]) -> bool:
    return not patterns or any(fnmatch.fnmatchcase(name, p) for p in patterns)


def template_filter(
    project: Project, selection: Selection
) -> Callable[[str, Sequence[PromptSource]], bool]:
    """(template name, its files) → in scope? From --template globs and --changed-since."""
    changed = None
    if selection.changed_since:
        from promptsync.repo.gitdiff import changed_since  # GitPython only when asked for

        changed = changed_since(project.settings.root, selection.changed_since, name_in_file)

    def in_scope(name: str, files: Sequence[PromptSource]) -> bool:
        if not matches(name, selection.templates):
            return False
        if changed is None:
            return True
        return name in changed.removed_names or any(
            Path(f.path).resolve() in changed.paths for f in files
        )

    return in_scope
