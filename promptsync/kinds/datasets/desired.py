"""The desired datasets: validated dataset files, their test cases normalized. Pure data."""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property

from promptsync.errors import Issue
from promptsync.kinds.datasets.identity import case_hash
from promptsync.kinds.datasets.remote import CaseContent


@dataclass(frozen=True)
class DatasetSource:
    """One dataset file: where it is, the dataset it describes, its test cases (normalized, in
    file order) and where each came from (for messages)."""

    path: str
    name: str
    description: str | None
    input_names: tuple[str, ...]
    declared_inputs: bool  # the file lists input_names (else they are the inputs its cases use)
    cases: tuple[CaseContent, ...]
    case_places: tuple[str, ...]  # "datasets/x.yaml:12" or "datasets/x.jsonl:3", per case

    @cached_property
    def hashes(self) -> tuple[str, ...]:
        return tuple(case_hash(c) for c in self.cases)

    @property
    def support_history(self) -> bool:
        return any(c["history"] for c in self.cases)


@dataclass(frozen=True)
class LoadedDatasets:
    sources: tuple[DatasetSource, ...] = ()
    warnings: tuple[Issue, ...] = ()

    @cached_property
    def by_name(self) -> dict[str, DatasetSource]:
        return {s.name: s for s in self.sources}
