"""The remote datasets as the planner sees them, whatever the registry. Pure data, no I/O.

A backend reads the managed datasets (one list of datasets, then one test-case listing per
managed dataset, by pages) into `RemoteDatasets`: name → `RemoteDataset` with its test cases'
normalized contents, plus the names of every other dataset (orphans).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

CaseContent = dict[str, Any]  # normalized (see promptsync.kinds.datasets.identity)


@dataclass(frozen=True, slots=True)
class RemoteCase:
    """One test case as the registry holds it: its id (None where rows have no ids, as in a
    PromptLayer dataset version) and its normalized content."""

    case_id: str | None
    content: CaseContent
    hash: str


@dataclass(frozen=True)
class RemoteDataset:
    """One dataset: on Freeplay the dataset itself; on PromptLayer its group's newest version
    (`version` is its number, `dataset_id` the group's id)."""

    name: str
    dataset_id: str
    input_names: tuple[str, ...] = ()
    description: str | None = None
    cases: tuple[RemoteCase, ...] = ()
    version: int | None = None
    support_history: bool = False
    # Why promptsync cannot model the dataset's rows (it then holds no cases): drift apply
    # replaces with the file's test cases.
    unreadable: str | None = None


@dataclass(frozen=True)
class RemoteDatasets:
    """The managed datasets found remotely (by name), and every other dataset's name and id."""

    datasets: Mapping[str, RemoteDataset] = field(default_factory=dict)
    others: Mapping[str, str] = field(default_factory=dict)  # name → id, the orphans
