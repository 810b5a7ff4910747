"""Evaluation files → checked specs, every problem `path:line:column: message`, all at once: the
YAML, the model's field errors, and what they refer to (a template with prompt files, a dataset
with a dataset file, one file per template)."""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from promptsync.errors import Issue, LoadError
from promptsync.evaluate.shape import eval_ok
from promptsync.repo.discovery import read_tree
from promptsync.repo.locate import describe, mark
from promptsync.repo.yamlread import LIBYAML, parse_document

if TYPE_CHECKING:  # pydantic only when a model is built
    from promptsync.evaluate.models import EvalFile

EVAL_FIELDS = "a mapping of evaluation fields (see docs/evaluation.md)"


@dataclass(frozen=True)
class EvalSpec:
    path: str
    spec: EvalFile


@dataclass(frozen=True)
class _Refs:
    """What validate needs of a file the shape check vouched for (no model is built)."""

    template: str
    dataset: str


def _one(
    raw: bytes, path: str, templates: Collection[str], datasets: Collection[str], build: bool
) -> tuple[EvalSpec | None, list[Issue]]:
    doc = parse_document(raw, path, EVAL_FIELDS)
    issues = list(doc.issues)
    if type(doc.data) is not dict:
        line, col = mark(doc, ())
        return None, [
            *issues,
            doc.issue(line, col, f"expected a mapping, got {describe(doc.data)}"),
        ]
    if not build and LIBYAML and eval_ok(doc.data):  # validate: certainly valid, no pydantic
        data = doc.data
        spec: Any = _Refs(data["template"], data["dataset"])
    else:
        from promptsync.evaluate.models import EvalFile, eval_keys
        from promptsync.repo.model_issues import validate_model

        spec, problems = validate_model(doc, EvalFile, eval_keys)
        issues += problems
        if spec is None:
            return None, issues
    if spec.template not in templates:
        line, col = mark(doc, ("template",))
        issues.append(doc.issue(line, col, f"template {spec.template!r} has no prompt file"))
    if spec.dataset not in datasets:
        line, col = mark(doc, ("dataset",))
        issues.append(doc.issue(line, col, f"dataset {spec.dataset!r} has no dataset file"))
    if any(i.severity == "error" for i in issues):
        return None, issues
    return EvalSpec(path, spec), issues


def check_evals(
    evals_dir: Path,
    root: Path,
    templates: Collection[str],
    datasets: Collection[str],
    *,
    build: bool = True,
) -> tuple[list[EvalSpec], list[Issue]]:
    """Every eval file under `evals_dir` (none when it does not exist), and every issue."""
    files, issues = read_tree(evals_dir, root)
    specs: list[EvalSpec] = []
    seen: dict[str, str] = {}
    for found, raw in files:
        try:
            spec, found_issues = _one(raw, found.shown, templates, datasets, build)
        except LoadError as exc:
            issues += exc.issues
            continue
        issues += found_issues
        if spec is None:
            continue
        name = spec.spec.template
        if name in seen:
            issues.append(
                Issue(found.shown, 1, 1, f"template {name!r} is already evaluated by {seen[name]}")
            )
            continue
        seen[name] = found.shown
        specs.append(spec)
    return specs, sorted(issues)
