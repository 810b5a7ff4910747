"""Dataset files → checked datasets, every problem reported as `path:line:column: message`, all
of them at once: the YAML, the model's field errors, a JSON Lines `cases_file` line by line, and
the checks across test cases (duplicates, inputs outside `input_names`) and files (one file per
dataset name). The files are found as prompt files are (`repo.discovery`: symbolic-link rules).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from promptsync.errors import Issue, LoadError
from promptsync.kinds.datasets.desired import DatasetSource
from promptsync.kinds.datasets.identity import case_content, case_hash
from promptsync.kinds.datasets.remote import CaseContent
from promptsync.kinds.datasets.shape import case_ok, dataset_ok
from promptsync.repo.discovery import display_path, escapes_root, read_tree
from promptsync.repo.locate import describe, mark
from promptsync.repo.yamlread import LIBYAML, Document, parse_document

DATASET_FIELDS = "a mapping of dataset fields (see docs/datasets.md)"
MAX_CASES_FILE = 256 * 1024 * 1024  # a JSON Lines file is read line by line; this bounds it
# Columns a PromptLayer dataset version holds besides the inputs (see docs/datasets.md).
PROMPTLAYER_RESERVED = ("output", "metadata", "history")


def _place(doc: Document, path: tuple[str | int, ...]) -> tuple[int, int]:
    return mark(doc, path)


@dataclass(frozen=True)
class _Declared:
    """What a dataset file says, as plain data (from the model, or vouched for by the shape
    check without pydantic)."""

    name: str
    description: str | None
    input_names: list[str] | None
    test_cases: list[dict[str, Any]] | None  # each a test case's raw fields
    cases_file: str | None


def _declared(doc: Document) -> tuple[_Declared | None, list[Issue]]:
    data = doc.data
    if LIBYAML and dataset_ok(data):  # certainly valid: no pydantic (validate stays fast)
        return _Declared(
            data["name"],
            data.get("description"),
            data.get("input_names"),
            data.get("test_cases"),
            data.get("cases_file"),
        ), []
    from promptsync.kinds.datasets.models import DatasetFile, dataset_keys
    from promptsync.repo.model_issues import validate_model

    file, issues = validate_model(doc, DatasetFile, dataset_keys)
    if file is None:
        return None, issues
    cases = None if file.test_cases is None else [c.model_dump() for c in file.test_cases]
    return _Declared(file.name, file.description, file.input_names, cases, file.cases_file), issues


def _case_from_line(raw: str, shown: str, number: int) -> tuple[CaseContent | None, list[Issue]]:
    """One line of a cases file: valid lines cost a JSON parse and a validation; a line with a
    problem is read again as a document (JSON is YAML), so its messages are located and worded
    as every other file's are."""
    from pydantic import ValidationError

    from promptsync.kinds.datasets.models import TestCase

    try:
        data = json.loads(raw)
    except ValueError as exc:
        column = getattr(exc, "colno", 1)
        message = getattr(exc, "msg", str(exc))
        return None, [Issue(shown, number, column, f"not valid JSON: {message}")]
    if not isinstance(data, dict):
        return None, [Issue(shown, number, 1, f"expected a test case object, got {describe(data)}")]
    if case_ok(data):
        return _content(data), []
    try:
        return _content(TestCase.model_validate(data).model_dump()), []
    except ValidationError:
        pass
    from promptsync.kinds.datasets.models import case_keys
    from promptsync.repo.model_issues import validate_model

    try:
        doc = parse_document(raw.encode(), shown, "a test case object")
    except LoadError as exc:
        return None, [Issue(shown, number, i.column, i.message) for i in exc.issues]
    _, issues = validate_model(doc, TestCase, case_keys)
    return None, [Issue(shown, number, i.column, i.message, i.severity) for i in issues]


def _content(case: dict[str, Any]) -> CaseContent:
    return case_content(
        case["inputs"], case.get("output"), case.get("metadata"), case.get("history")
    )


def _cases_file(
    doc: Document, value: str, root: Path
) -> tuple[list[tuple[CaseContent, str]], list[Issue]]:
    """The test cases of a JSON Lines file named by `cases_file` (relative to the dataset file)."""
    line, col = _place(doc, ("cases_file",))
    target = Path(doc.path).parent / value
    escape = escapes_root(target, root)
    if escape is not None:
        return [], [doc.issue(line, col, f"cases_file: {escape}")]
    shown = display_path(target)
    try:
        size = target.stat().st_size
        if size > MAX_CASES_FILE:
            return [], [
                doc.issue(line, col, f"cases_file: {shown} is {size:,} bytes; the limit: 256 MiB")
            ]
        handle = target.open("r", encoding="utf-8")
    except OSError as exc:
        return [], [doc.issue(line, col, f"cases_file: cannot read {shown}: {exc.strerror}")]
    cases: list[tuple[CaseContent, str]] = []
    issues: list[Issue] = []
    with handle:
        try:
            for number, text in enumerate(handle, 1):
                if not text.strip():
                    continue
                case, problems = _case_from_line(text, shown, number)
                issues += problems
                if case is not None:
                    cases.append((case, f"{shown}:{number}"))
        except UnicodeDecodeError:
            issues.append(Issue(shown, 0, 0, "not UTF-8 text"))
    return cases, issues


def _inline_cases(doc: Document, file: _Declared) -> list[tuple[CaseContent, str]]:
    found = []
    for i, case in enumerate(file.test_cases or []):
        line, _ = _place(doc, ("test_cases", i))
        found.append((_content(case), f"{doc.path}:{line + 1}"))
    return found


def _check_cases(
    doc: Document, file: _Declared, cases: list[tuple[CaseContent, str]], backend: str
) -> tuple[tuple[str, ...], list[Issue]]:
    """The dataset's input names (declared, or every input used, in order of first use), and
    the problems across its test cases."""
    issues: list[Issue] = []
    declared = file.input_names
    used: list[str] = []
    seen: dict[str, str] = {}
    for case, place in cases:
        for name in case["inputs"]:
            if name not in used:
                used.append(name)
            if declared is not None and name not in declared:
                issues.append(
                    _at(place, f"input {name!r} is not in input_names: {', '.join(declared)}")
                )
        digest = case_hash(case)
        if digest in seen:
            issues.append(_at(place, f"duplicate test case: the same as {seen[digest]}"))
        else:
            seen[digest] = place
    names = tuple(declared) if declared is not None else tuple(used)
    if backend == "promptlayer":
        for reserved in PROMPTLAYER_RESERVED:
            if reserved in names:
                line, col = _place(doc, ("input_names",) if declared is not None else ())
                issues.append(
                    doc.issue(
                        line,
                        col,
                        f"input {reserved!r}: on PromptLayer a dataset version's {reserved!r}"
                        " column holds the test case's own field; rename the input",
                    )
                )
    return names, issues


def _at(place: str, message: str) -> Issue:
    path, _, line = place.rpartition(":")
    return Issue(path, int(line), 1, message)


def check_dataset(
    raw: bytes, path: str, root: Path, backend: str
) -> tuple[DatasetSource | None, list[Issue]]:
    """One dataset file: the dataset, or None, and every issue found in it."""
    doc = parse_document(raw, path, DATASET_FIELDS)
    issues = list(doc.issues)
    if type(doc.data) is not dict:
        line, col = _place(doc, ())
        return None, [
            *issues,
            doc.issue(line, col, f"expected a mapping, got {describe(doc.data)}"),
        ]
    file, model_issues = _declared(doc)
    issues += model_issues
    if file is None:
        return None, issues
    if (file.test_cases is None) == (file.cases_file is None):
        line, col = _place(doc, ("cases_file",) if file.cases_file is not None else ())
        both = file.cases_file is not None
        issues.append(
            doc.issue(
                line,
                col,
                "test_cases and cases_file are both given; keep one"
                if both
                else "a dataset needs test_cases (a list) or cases_file (a JSON Lines file)",
            )
        )
        return None, issues
    if file.cases_file is not None:
        cases, case_issues = _cases_file(doc, file.cases_file, root)
        issues += case_issues
    else:
        cases = _inline_cases(doc, file)
    names, cross = _check_cases(doc, file, cases, backend)
    issues += cross
    if any(i.severity == "error" for i in issues):
        return None, issues
    source = DatasetSource(
        path=path,
        name=file.name,
        description=file.description,
        input_names=names,
        declared_inputs=file.input_names is not None,
        cases=tuple(c for c, _ in cases),
        case_places=tuple(p for _, p in cases),
    )
    return source, issues


def check_datasets(
    datasets_dir: Path, root: Path, backend: str
) -> tuple[list[DatasetSource], list[Issue]]:
    """Every dataset file under `datasets_dir` (none when it does not exist), all issues."""
    files, issues = read_tree(datasets_dir, root, " (put the test cases in a cases_file)")
    sources: list[DatasetSource] = []
    names: dict[str, str] = {}
    for found, raw in files:
        try:
            source, found_issues = check_dataset(raw, found.shown, root, backend)
        except LoadError as exc:
            issues += exc.issues
            continue
        issues += found_issues
        if source is None:
            continue
        if source.name in names:
            issues.append(
                Issue(
                    found.shown,
                    1,
                    1,
                    f"dataset {source.name!r} is already described by"
                    f" {names[source.name]}; one file per dataset",
                )
            )
            continue
        names[source.name] = found.shown
        sources.append(source)
    return sources, sorted(issues)
