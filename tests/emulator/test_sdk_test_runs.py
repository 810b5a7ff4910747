"""The official freeplay SDK's test runs work against the emulator."""

from __future__ import annotations

import uuid

from freeplay import Freeplay, RecordPayload

from promptsync.emulator import RunningEmulator
from tests.emulator.completions import create_template
from tests.emulator.datasets import RUN, SUPPORT_CASES, path, support_dataset


def sdk(fp: RunningEmulator) -> Freeplay:
    return Freeplay(freeplay_api_key=fp.api_key, api_base=f"{fp.url}/api")


def test_test_runs_create_returns_exactly_the_datasets_test_cases(
    emulator: RunningEmulator,
) -> None:
    _dataset_id, created = support_dataset(emulator)
    run = sdk(emulator).test_runs.create(
        emulator.project_id, testlist="support_cases", include_outputs=True
    )
    uuid.UUID(run.test_run_id)
    got = [
        (c.id, c.variables, c.output, c.history, c.custom_metadata) for c in run.get_test_cases()
    ]
    assert got == [
        (case["id"], sent["inputs"], sent.get("output"), sent.get("history"), sent.get("metadata"))
        for case, sent in zip(created, SUPPORT_CASES, strict=True)
    ]
    assert run.trace_test_cases == []
    # The SDK's default is include_outputs=False: the same cases, without expected outputs.
    default = sdk(emulator).test_runs.create(emulator.project_id, testlist="support_cases")
    assert [c.id for c in default.test_cases] == [c["id"] for c in created]
    assert [c.output for c in default.test_cases] == [None] * len(created)


def test_a_test_run_end_to_end(emulator: RunningEmulator) -> None:
    """The API reference's "Executing a Test Run", through the SDK."""
    fp, client = emulator, sdk(emulator)
    create_template(fp, "rag-qa", "gpt-4o-mini", "openai")
    support_dataset(fp)
    run = client.test_runs.create(
        fp.project_id, testlist="support_cases", name="nightly", description="prompt v2"
    )
    for case in run.get_test_cases():
        formatted = client.prompts.get_formatted(
            project_id=fp.project_id,
            template_name="rag-qa",
            environment="prod",
            variables={"topic": case.variables["question"]},
        )
        client.recordings.create(
            RecordPayload(
                project_id=fp.project_id,
                all_messages=[*formatted.llm_prompt, {"role": "assistant", "content": "ok"}],
                inputs=case.variables,
                prompt_version_info=formatted.prompt_info,
                test_run_info=run.get_test_run_info(case.id),
                eval_results={"short": True, "score": 0.75},
            )
        )
    results = client.test_runs.get(fp.project_id, run.test_run_id)
    assert (results.test_run_id, results.name, results.description) == (
        run.test_run_id,
        "nightly",
        "prompt v2",
    )
    statistics = results.summary_statistics
    assert (statistics.auto_evaluation, statistics.human_evaluation) == ({}, {})
    with fp.client() as http:
        body = http.get(path(fp, RUN, test_run_id=run.test_run_id)).json()
    assert body["sessions_count"] == len(SUPPORT_CASES)  # the SDK makes a session per record
    assert body["summary_statistics"]["client_evaluation"] == {
        "short": {"true": 3},
        "score": {"0.75": 3},
    }
    assert (body["prompt_name"], body["model_name"]) == ("rag-qa", "gpt-4o-mini")
