"""Helpers for the impact tests: record calls of a deployed template, edit a prompt file."""

from __future__ import annotations

import uuid
from pathlib import Path
from typing import Any

from promptsync.emulator import RunningEmulator

# support_agent (the example prompts/) made to require `tone`: a newly required variable.
TONE_LINE = "      Answer in a {{tone}} tone.\n"


def require_tone(project: Path) -> Path:
    path = project / "prompts" / "support_agent.yaml"
    text = path.read_text(encoding="utf-8")
    text = text.replace("      Knowledge base:\n", TONE_LINE + "\n      Knowledge base:\n")
    text = text.replace("variables:\n", "variables:\n  tone: {example: friendly}\n")
    path.write_text(text, encoding="utf-8")
    return path


def version_id(fp: RunningEmulator, template: str, environment: str) -> str:
    with fp.client() as client:
        served = client.get(f"/projects/{fp.project_id}/prompt-templates/all/{environment}")
    for item in served.json()["prompt_templates"]:
        if item["prompt_template_name"] == template:
            return str(item["prompt_template_version_id"])
    raise AssertionError(f"{template} is not deployed to {environment}")


def record_calls(
    fp: RunningEmulator, template: str, environment: str, *inputs: dict[str, Any]
) -> None:
    """Record one completion per inputs, as an application using the template would."""
    version = version_id(fp, template, environment)
    with fp.client() as client:
        for values in inputs:
            response = client.post(
                f"/projects/{fp.project_id}/sessions/{uuid.uuid4()}/completions",
                json={
                    "messages": [
                        {"role": "user", "content": "…"},
                        {"role": "assistant", "content": "…"},
                    ],
                    "inputs": values,
                    "prompt_info": {
                        "prompt_template_version_id": version,
                        "environment": environment,
                    },
                },
            )
            assert response.status_code == 201, response.text
