"""A dataset's part of the plan: what changes (input names, description, test cases added,
removed or changed) and the neutral operations apply runs. Frozen data built by the planner,
rendered for humans and executed by apply."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import Field

from promptsync.kinds.common import Frozen

DatasetAction = Literal["create", "update"]


class TestCaseData(Frozen):
    """A test case's content, as the file says it (normalized)."""

    __test__ = False  # not a pytest test class

    inputs: dict[str, Any]
    output: str | None = None
    metadata: dict[str, Any] | None = None
    history: list[dict[str, Any]] | None = None


class DatasetFieldDiff(Frozen):
    path: Literal["input_names", "description"]
    before: Any = None
    after: Any = None


class CaseChange(Frozen):
    """A test case whose inputs stay and whose expected output, metadata or history change."""

    inputs: dict[str, Any]
    before: TestCaseData
    after: TestCaseData


class CaseCounts(Frozen):
    added: int = Field(description="Test cases only the file has (inputs the registry lacks).")
    removed: int = Field(description="Test cases only the registry has.")
    changed: int = Field(
        description="Test cases whose inputs both have, with another output, metadata or"
        " history (apply replaces them)."
    )
    unchanged: int


class CreateDataset(Frozen):
    op: Literal["create_dataset"] = "create_dataset"
    kind: Literal["dataset"] = "dataset"
    name: str
    description: str | None
    input_names: list[str]
    support_history: bool


class UpdateDataset(Frozen):
    op: Literal["update_dataset"] = "update_dataset"
    kind: Literal["dataset"] = "dataset"
    name: str
    dataset_id: str
    description: str | None
    input_names: list[str]
    support_history: bool


class AddTestCases(Frozen):
    """Add these test cases (the backend sends them in bulk: Freeplay, ≤ 100 a request)."""

    op: Literal["add_test_cases"] = "add_test_cases"
    kind: Literal["dataset"] = "dataset"
    name: str
    dataset_id: str | None = Field(description="null: the dataset this plan creates.")
    cases: list[TestCaseData]


class DeleteTestCases(Frozen):
    op: Literal["delete_test_cases"] = "delete_test_cases"
    kind: Literal["dataset"] = "dataset"
    name: str
    dataset_id: str
    test_case_ids: list[str]


class PublishDatasetVersion(Frozen):
    """A new version of the dataset holding exactly these test cases (registries whose dataset
    versions are immutable: PromptLayer)."""

    op: Literal["publish_dataset_version"] = "publish_dataset_version"
    kind: Literal["dataset"] = "dataset"
    name: str
    dataset_id: str | None = Field(description="The dataset group; null: created by this op.")
    input_names: list[str]
    cases: list[TestCaseData]


DatasetOperation = Annotated[
    CreateDataset | UpdateDataset | AddTestCases | DeleteTestCases | PublishDatasetVersion,
    Field(discriminator="op"),
]


class DatasetChange(Frozen):
    kind: Literal["dataset"] = "dataset"
    name: str
    action: DatasetAction = Field(description="create: the dataset is new; update: it changes.")
    actions: list[DatasetAction]
    files: list[str]
    dataset_id: str | None = Field(description="null when the dataset does not exist yet.")
    before_version: int | None = Field(
        default=None, description="PromptLayer: the newest version compared with."
    )
    unreadable: str | None = Field(
        default=None, description="Why the registry's test cases cannot be compared (drift)."
    )
    diff: list[DatasetFieldDiff]
    cases: CaseCounts
    case_changes: list[CaseChange] = Field(description="The test cases shown as ~ (changed).")
    breaking: list[Any] = Field(default_factory=list, description="Always empty for datasets.")
    operations: list[DatasetOperation]
    after_hashes: list[str] = Field(
        description="The hash of every test case the dataset holds after apply, sorted."
    )


class DatasetOrphan(Frozen):
    """A remote dataset no file describes (promptsync never deletes it)."""

    kind: Literal["dataset"] = "dataset"
    name: str
    dataset_id: str | None


class DatasetSummary(Frozen):
    create: int
    update: int
    no_op: int
    orphans: int
    cases_added: int
    cases_removed: int
    cases_changed: int
