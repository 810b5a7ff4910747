"""Helpers for the dataset and test-run tests: the OpenAPI paths, making datasets and cases."""

from __future__ import annotations

from typing import Any

from promptsync.emulator import RunningEmulator
from tests.emulator.openapi import check

D = "/api/v2/projects/{project_id}/prompt-datasets"
DS = f"{D}/{{dataset_id}}"
C = f"{DS}/test-cases"
CASE = f"{C}/{{test_case_id}}"
BULK = f"{C}/bulk"
L = "/api/v2/projects/{project_id}/datasets"
RUNS = "/api/v2/projects/{project_id}/test-runs"
RUN = f"{RUNS}/id/{{test_run_id}}"

# The shape of SPEC §16's example file, as Freeplay's `PromptTestCase` bodies.
SUPPORT_CASES: list[dict[str, Any]] = [
    {
        "inputs": {"product": "Acme", "question": "How do I reset my password?"},
        "output": "Go to Settings → Security → Reset.",
        "metadata": {"source": "ticket-1042", "priority": 2, "vip": True},
        "history": [{"role": "user", "content": "Hi"}, {"role": "assistant", "content": "Hello"}],
    },
    {"inputs": {"product": "Acme", "question": "Can I export my data?"}},
    {
        "inputs": {"product": "Bolt", "question": "Is there an API?", "tags": ["api", 2]},
        "output": "Yes: see the docs.",
    },
]


def path(fp: RunningEmulator, template: str, **params: str) -> str:
    """An OpenAPI path with this emulator's project (and `params`) filled in, under /api/v2."""
    filled = template.format(project_id=fp.project_id, **params)
    return filled.removeprefix("/api/v2")


def create_dataset(fp: RunningEmulator, name: str, **fields: Any) -> dict[str, Any]:
    body = {"name": name, "support_history": True, **fields}
    with fp.client() as client:
        return check(client.post(path(fp, D), json=body), "POST", D, 201)  # type: ignore[no-any-return]


def add_cases(fp: RunningEmulator, dataset_id: str, cases: list[dict[str, Any]]) -> list[Any]:
    with fp.client() as client:
        response = client.post(path(fp, BULK, dataset_id=dataset_id), json={"data": cases})
    return check(response, "POST", BULK, 201)["data"]  # type: ignore[no-any-return]


def support_dataset(fp: RunningEmulator, name: str = "support_cases") -> tuple[str, list[Any]]:
    """SPEC §16's dataset, made over HTTP: (dataset id, the created test cases)."""
    dataset = create_dataset(fp, name, input_names=["product", "question", "tags"])
    return dataset["id"], add_cases(fp, dataset["id"], SUPPORT_CASES)
