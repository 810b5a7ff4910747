"""The datasets' planner: (desired dataset files, remote datasets) → dataset changes. Pure.

Test cases are compared as a multiset of contents: a case the file has and the registry does not
is added, the reverse removed; an added and a removed case with the same inputs are shown as one
changed case (`~`). Where the registry keeps a dataset's cases editable (Freeplay), apply deletes
and adds exactly those cases, in bulk; where dataset versions are immutable (PromptLayer), any
difference is a new version holding the file's cases. Nothing but test cases is ever deleted.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

from promptsync.kinds.datasets.changes import (
    AddTestCases,
    CaseChange,
    CaseCounts,
    CreateDataset,
    DatasetChange,
    DatasetFieldDiff,
    DatasetOperation,
    DatasetOrphan,
    DatasetSummary,
    DeleteTestCases,
    PublishDatasetVersion,
    TestCaseData,
    UpdateDataset,
)
from promptsync.kinds.datasets.desired import DatasetSource
from promptsync.kinds.datasets.identity import canonical
from promptsync.kinds.datasets.remote import CaseContent, RemoteDataset, RemoteDatasets


@dataclass(frozen=True)
class DatasetPlan:
    changes: list[DatasetChange]
    orphans: list[DatasetOrphan]
    summary: DatasetSummary
    warnings: list[str] = field(default_factory=list)


def _data(content: CaseContent) -> TestCaseData:
    return TestCaseData.model_construct(**content)


@dataclass
class _CaseDiff:
    added: list[int] = field(default_factory=list)  # indexes into the file's cases
    removed: list[int] = field(default_factory=list)  # indexes into the remote cases
    pairs: list[tuple[int, int]] = field(default_factory=list)  # (removed, added) shown as ~


def _case_diff(source: DatasetSource, remote: RemoteDataset) -> _CaseDiff:
    diff = _CaseDiff()
    available: dict[str, list[int]] = {}
    for i, case in enumerate(remote.cases):
        available.setdefault(case.hash, []).append(i)
    for i, digest in enumerate(source.hashes):
        if available.get(digest):
            available[digest].pop(0)
        else:
            diff.added.append(i)
    diff.removed = sorted(i for indexes in available.values() for i in indexes)
    by_inputs: dict[str, list[int]] = {}
    for i in diff.removed:
        by_inputs.setdefault(canonical(remote.cases[i].content.get("inputs")), []).append(i)
    for i in diff.added:
        match = by_inputs.get(canonical(source.cases[i]["inputs"]))
        if match:
            diff.pairs.append((match.pop(0), i))
    return diff


def _field_diffs(source: DatasetSource, remote: RemoteDataset) -> list[DatasetFieldDiff]:
    diffs = []
    # Compared when the file lists them; otherwise they are what its cases use, sent on create.
    if source.declared_inputs and tuple(remote.input_names) != source.input_names:
        diffs.append(
            DatasetFieldDiff(
                path="input_names", before=list(remote.input_names), after=list(source.input_names)
            )
        )
    if source.description is not None and source.description != remote.description:
        diffs.append(
            DatasetFieldDiff(
                path="description", before=remote.description, after=source.description
            )
        )
    return diffs


def _create(source: DatasetSource, versioned: bool) -> list[DatasetOperation]:
    cases = [_data(c) for c in source.cases]
    if versioned:
        return [
            PublishDatasetVersion(
                name=source.name, dataset_id=None, input_names=list(source.input_names), cases=cases
            )
        ]
    ops: list[DatasetOperation] = [
        CreateDataset(
            name=source.name,
            description=source.description,
            input_names=list(source.input_names),
            support_history=source.support_history,
        )
    ]
    if cases:
        ops.append(AddTestCases(name=source.name, dataset_id=None, cases=cases))
    return ops


def _update(
    source: DatasetSource,
    remote: RemoteDataset,
    diff: _CaseDiff,
    fields: list[DatasetFieldDiff],
    versioned: bool,
) -> list[DatasetOperation]:
    if versioned:
        return [
            PublishDatasetVersion(
                name=source.name,
                dataset_id=remote.dataset_id,
                input_names=list(source.input_names),
                cases=[_data(c) for c in source.cases],
            )
        ]
    ops: list[DatasetOperation] = []
    needs_history = source.support_history and not remote.support_history
    if fields or needs_history:
        ops.append(
            UpdateDataset(
                name=source.name,
                dataset_id=remote.dataset_id,
                description=source.description
                if source.description is not None
                else remote.description,
                input_names=list(source.input_names),
                support_history=source.support_history or remote.support_history,
            )
        )
    ids = [remote.cases[i].case_id for i in diff.removed]
    if ids:
        ops.append(
            DeleteTestCases(
                name=source.name,
                dataset_id=remote.dataset_id,
                test_case_ids=[i for i in ids if i is not None],
            )
        )
    if diff.added:
        ops.append(
            AddTestCases(
                name=source.name,
                dataset_id=remote.dataset_id,
                cases=[_data(source.cases[i]) for i in diff.added],
            )
        )
    return ops


def plan_dataset(
    source: DatasetSource, remote: RemoteDataset | None, versioned: bool
) -> DatasetChange | None:
    after = sorted(source.hashes)
    if remote is None:
        return DatasetChange(
            name=source.name,
            action="create",
            actions=["create"],
            files=[source.path],
            dataset_id=None,
            diff=[],
            cases=CaseCounts(added=len(source.cases), removed=0, changed=0, unchanged=0),
            case_changes=[],
            operations=_create(source, versioned),
            after_hashes=after,
        )
    diff = _case_diff(source, remote)
    fields = _field_diffs(source, remote)
    needs_history = source.support_history and not remote.support_history and not versioned
    if not (diff.added or diff.removed or fields or needs_history):
        return None
    changed = [
        CaseChange(
            inputs=source.cases[a]["inputs"],
            before=_data(remote.cases[r].content),
            after=_data(source.cases[a]),
        )
        for r, a in diff.pairs
    ]
    return DatasetChange(
        name=source.name,
        action="update",
        actions=["update"],
        files=[source.path],
        dataset_id=remote.dataset_id,
        before_version=remote.version,
        unreadable=remote.unreadable,
        diff=fields,
        cases=CaseCounts(
            added=len(diff.added) - len(diff.pairs),
            removed=len(diff.removed) - len(diff.pairs),
            changed=len(diff.pairs),
            unchanged=len(source.cases) - len(diff.added),
        ),
        case_changes=changed,
        operations=_update(source, remote, diff, fields, versioned),
        after_hashes=after,
    )


def plan_datasets(
    sources: Sequence[DatasetSource], remote: RemoteDatasets, *, versioned: bool
) -> DatasetPlan:
    """Plan every dataset file against what the registry holds; other datasets are orphans."""
    changes = []
    for source in sorted(sources, key=lambda s: s.name):
        change = plan_dataset(source, remote.datasets.get(source.name), versioned)
        if change is not None:
            changes.append(change)
    known = {s.name for s in sources}
    orphans = [
        DatasetOrphan(name=name, dataset_id=dataset_id)
        for name, dataset_id in sorted(remote.others.items())
        if name not in known
    ]
    summary = DatasetSummary(
        create=sum(c.action == "create" for c in changes),
        update=sum(c.action == "update" for c in changes),
        no_op=len(sources) - len(changes),
        orphans=len(orphans),
        cases_added=sum(c.cases.added for c in changes),
        cases_removed=sum(c.cases.removed for c in changes),
        cases_changed=sum(c.cases.changed for c in changes),
    )
    return DatasetPlan(changes, orphans, summary)
