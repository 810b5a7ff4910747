"""The user's project: settings, the prompt files, the managed environments, what is selected."""

from __future__ import annotations

import fnmatch
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING

from promptsync.errors import Issue, LoadError, PromptsyncError
from promptsync.kinds.datasets.desired import DatasetSource, LoadedDatasets
from promptsync.kinds.datasets.load import check_datasets
from promptsync.kinds.prompts.desired import LoadedPrompts, PromptSource
from promptsync.kinds.prompts.load import load_prompts, name_in_file
from promptsync.kinds.prompts.remote import LATEST
from promptsync.repo.checked import CheckedFiles
from promptsync.repo.settings import Settings

CHECKED = Path(".promptsync") / "cache" / "files.json"

if TYPE_CHECKING:
    from promptsync.repo.gitdiff import ChangedFiles


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
        known = CheckedFiles(settings.root / CHECKED, backend)
        prompts = load_prompts(
            settings.prompts_dir,
            settings.config.environments,
            root=settings.root,
            backend=backend,
            known=known,
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
    project: Project, selection: Selection, changed: ChangedFiles | None = None
) -> Callable[[str, Sequence[PromptSource]], bool]:
    """(template name, its files) → in scope? From --template globs and --changed-since."""
    if changed is None:
        changed = changed_files(project, selection)

    def in_scope(name: str, files: Sequence[PromptSource]) -> bool:
        if not matches(name, selection.templates):
            return False
        if changed is None:
            return True
        return name in changed.removed_names or any(
            Path(f.path).resolve() in changed.paths for f in files
        )

    return in_scope


def changed_files(project: Project, selection: Selection) -> ChangedFiles | None:
    """The files --changed-since names (None without it)."""
    if not selection.changed_since:
        return None
    from promptsync.repo.gitdiff import changed_since  # GitPython only when asked for

    return changed_since(project.settings.root, selection.changed_since, name_in_file)


def datasets_in_scope(
    project: Project, selection: Selection, changed: ChangedFiles | None
) -> list[DatasetSource] | None:
    """The dataset files a plan compares; None when datasets are out of it: there is no
    datasets directory, or the plan is limited to templates (--template)."""
    if selection.templates or not project.settings.datasets_dir.is_dir():
        return None
    sources = list(project.datasets.sources)
    if changed is None:
        return sources
    return [s for s in sources if s.name in changed.removed_names or _touched(s, changed)]


def _touched(source: DatasetSource, changed: ChangedFiles) -> bool:
    places = {source.path, *(p.rsplit(":", 1)[0] for p in source.case_places)}
    return any(Path(p).resolve() in changed.paths for p in places)
