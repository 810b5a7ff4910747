"""What a test case *is*, for comparison: its normalized content and the hash of it. Pure.

Identity of a test case = its inputs, expected output, metadata and history, normalized: key
order is irrelevant, `1 == 1.0`, an absent field equals null (and empty metadata or history equals
none, a null input equals a missing one), text is compared exactly. A dataset's own identity is
its input names (in order) and description; its test cases are a multiset of case identities.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from promptsync.kinds.datasets.remote import CaseContent, RemoteDataset

CASE_FIELDS = ("inputs", "output", "metadata", "history")


def normalize(value: Any) -> Any:
    """JSON values compared as a registry compares them: `1 == 1.0`, keys in any order."""
    if isinstance(value, bool) or value is None or isinstance(value, str):
        return value
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, int | float):
        return value
    if isinstance(value, Mapping):
        return {str(k): normalize(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [normalize(v) for v in value]
    return value


def case_content(
    inputs: Mapping[str, Any],
    output: str | None = None,
    metadata: Mapping[str, Any] | None = None,
    history: Sequence[Mapping[str, Any]] | None = None,
) -> CaseContent:
    """The normalized content of a test case (empty metadata or history is none)."""
    return {
        # A null input is the same as a missing one (both render empty; a PromptLayer version's
        # row holds null in a column the case does not use).
        "inputs": normalize({k: v for k, v in inputs.items() if v is not None}),
        "output": output,
        "metadata": normalize(dict(metadata)) if metadata else None,
        "history": [{"role": m["role"], "content": m["content"]} for m in history]
        if history
        else None,
    }


def canonical(value: Any) -> str:
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def case_hash(content: CaseContent) -> str:
    return "sha256:" + hashlib.sha256(canonical(content).encode()).hexdigest()


def fingerprint(datasets: Mapping[str, RemoteDataset], names: Iterable[str]) -> str:
    """A hash of everything the managed datasets hold remotely (to detect that one changed
    since a plan): ids, input names, description, and every test case's id and content."""
    rows: list[list[Any]] = []
    for name in sorted(names):
        found = datasets.get(name)
        if found is None:
            rows.append([name, None])
            continue
        rows.append(
            [
                name,
                found.dataset_id,
                found.version,
                list(found.input_names),
                found.description,
                [[c.case_id, c.hash] for c in found.cases],
                found.unreadable,
            ]
        )
    return "sha256:" + hashlib.sha256(canonical(rows).encode()).hexdigest()
