"""Offline validation of a project: every rule of the config and the file format, all problems
at once. A valid repository is checked without importing pydantic (the slowest import
promptsync has): the config and each file first go through the pydantic-free shape checks, and
only what those cannot vouch for goes to the models, which then word every message.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from promptsync.errors import Issue, LoadError, PromptsyncError
from promptsync.kinds.datasets.load import check_datasets
from promptsync.kinds.prompts.load import check_prompts, display_path
from promptsync.repo.config_load import quick_config
from promptsync.repo.registries import REGISTRIES
from promptsync.repo.rules import check_api_url, check_project_id
from promptsync.repo.settings import find_config, load_settings


@dataclass(frozen=True)
class Where:
    root: Path
    prompts_dir: Path
    managed: list[str] | None
    backend: str
    datasets_dir: Path | None = None
    evals_dir: Path | None = None


@dataclass(frozen=True)
class Validation:
    """Every issue of the config and the prompt files, and what is valid."""

    files: int
    templates: int
    issues: list[Issue]
    prompts_dir: str  # as shown to the user
    datasets: DatasetCount | None = None  # None: no datasets directory
    evals: tuple[str, int] | None = None  # (the directory as shown, valid files); None: none

    @property
    def errors(self) -> list[Issue]:
        return [i for i in self.issues if i.severity == "error"]

    def summary(self) -> str:
        text = f"{self.prompts_dir}: {self.files} file(s), {self.templates} template(s) valid."
        if self.datasets is not None:
            d = self.datasets
            text += f"\n{d.directory}: {d.datasets} dataset(s), {d.cases} test case(s) valid."
        if self.evals is not None:
            text += f"\n{self.evals[0]}: {self.evals[1]} evaluation(s) valid."
        return text


@dataclass(frozen=True)
class DatasetCount:
    directory: str  # as shown to the user
    datasets: int
    cases: int


def _datasets(where: Where) -> tuple[DatasetCount | None, list[Issue], frozenset[str]]:
    directory = where.datasets_dir or where.root / "datasets"
    if not directory.is_dir():
        return None, [], frozenset()
    sources, issues = check_datasets(directory, where.root, where.backend)
    valid = not any(i.severity == "error" for i in issues)
    cases = sum(len(s.cases) for s in sources) if valid else 0
    count = DatasetCount(display_path(directory), len(sources) if valid else 0, cases)
    return count, issues, frozenset(s.name for s in sources)


def _quick_where(config: str | None, environ: Mapping[str, str], cwd: Path) -> Where | None:
    """What `load_settings` would give validate, when the config and the environment are
    certainly valid; None when only `load_settings` can say what is wrong."""
    path = find_config(config, environ, cwd)
    data: dict[str, Any] | None = {}
    if path is not None:
        try:
            data = quick_config(path.read_bytes(), display_path(path))
        except OSError:
            return None
    if data is None:
        return None
    backend = data.get("backend", "freeplay")
    registry = REGISTRIES.get(backend) if isinstance(backend, str) else None
    if registry is None:
        return None
    overrides = [(registry.url_variable, check_api_url)]
    if registry.project_variable:
        overrides.append((registry.project_variable, check_project_id))
    for name, check in overrides:
        value = environ.get(name, "").strip()
        try:
            if value:
                check(value)
        except ValueError:
            return None
    root = path.parent if path else cwd
    environments: list[str] | None = data.get("environments")
    prompts = root / data.get("prompts_dir", "prompts")
    datasets = root / data.get("datasets_dir", "datasets")
    return Where(
        root, prompts, environments, backend, datasets, root / data.get("evals_dir", "evals")
    )


def validate(config: str | None, environ: Mapping[str, str], cwd: Path) -> Validation:
    """Check config and prompts offline, collecting every issue instead of stopping at one."""
    if find_config(config, environ, cwd) is None and not (cwd / "prompts").is_dir():
        raise PromptsyncError(  # as every command says it (jobs/project.check_started)
            f"no promptsync.yaml in {cwd} or any parent directory, and no prompts/ here; run"
            " `promptsync init` to start a project (or pass --config)"
        )
    where = _quick_where(config, environ, cwd)
    if where is None:
        try:
            settings = load_settings(config, environ, cwd)
        except LoadError as exc:
            return Validation(0, 0, exc.issues, "prompts")
        c = settings.config
        where = Where(
            settings.root,
            settings.prompts_dir,
            c.environments,
            c.backend,
            settings.datasets_dir,
            settings.root / c.evals_dir,
        )
    shown = display_path(where.prompts_dir)
    datasets, dataset_issues, dataset_names = _datasets(where)
    try:
        checked = check_prompts(where.prompts_dir, where.managed, where.root, where.backend)
    except LoadError as exc:
        return Validation(0, 0, sorted([*exc.issues, *dataset_issues]), shown, datasets)
    valid = checked.valid
    evals, eval_issues = _evals(where, checked.names, dataset_names)
    return Validation(
        checked.files if valid else 0,
        checked.templates if valid else 0,
        sorted([*checked.issues, *dataset_issues, *eval_issues]),
        shown,
        datasets,
        evals,
    )


def _evals(
    where: Where, templates: frozenset[str], datasets: frozenset[str]
) -> tuple[tuple[str, int] | None, list[Issue]]:
    directory = where.evals_dir or where.root / "evals"
    if not directory.is_dir():
        return None, []
    from promptsync.evaluate.load import check_evals

    specs, issues = check_evals(directory, where.root, templates, datasets, build=False)
    valid = not any(i.severity == "error" for i in issues)
    return (display_path(directory), len(specs) if valid else 0), issues
