"""Remote datasets → dataset files, so that a following `plan` says No changes. Pure.

One file per dataset, `datasets/<stem>.yaml` (stems as for prompt files: `kinds/prompts/pull.
file_stem`); a dataset of more than INLINE test cases keeps them in a JSON Lines file beside it,
`datasets/<stem>.jsonl`, named by `cases_file`. Test cases promptsync cannot read are left out
(the caller warns): the file then holds the others, and the plan shows the difference.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from promptsync.kinds.datasets.remote import CaseContent, RemoteDataset

INLINE = 100  # more test cases than this go to a JSON Lines file


@dataclass(frozen=True)
class PulledDataset:
    name: str
    document: dict[str, Any]  # the dataset file, keys in the documented order
    stem: str
    cases_text: str | None  # the JSON Lines file, when the cases do not stay inline
    skipped: int  # test cases left out because they cannot be read


def _case(content: CaseContent) -> dict[str, Any]:
    """A test case as a file writes it: empty fields left out."""
    return {k: v for k, v in content.items() if v is not None}


def pull_dataset(remote: RemoteDataset, stem: str) -> PulledDataset:
    cases = [_case(c.content) for c in remote.cases if "unreadable" not in c.content]
    document: dict[str, Any] = {"name": remote.name}
    if remote.description is not None:
        document["description"] = remote.description
    used = [n for c in cases for n in c.get("inputs", {})]
    names = [*remote.input_names, *dict.fromkeys(n for n in used if n not in remote.input_names)]
    if remote.input_names:  # otherwise left to the test cases (and not compared: see planner)
        document["input_names"] = names
    cases_text = None
    if len(cases) > INLINE:
        document["cases_file"] = f"{stem}.jsonl"
        cases_text = "".join(json.dumps(c, ensure_ascii=False) + "\n" for c in cases)
    else:
        document["test_cases"] = cases
    return PulledDataset(remote.name, document, stem, cases_text, len(remote.cases) - len(cases))
