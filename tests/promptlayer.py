"""Shared by the PromptLayer client tests: a project on the emulator, and reading its state
back over plain HTTP (independently of promptsync's own reader)."""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Any

import pytest
from promptlayer import PromptLayer

from promptsync.emulator import RunningEmulator
from promptsync.emulator.promptlayer.store import Store
from tests.conftest import REPO, RunCli

PL = RunningEmulator[Store]
EXAMPLE = REPO / "examples" / "promptlayer"
LIST = "GET /prompt-templates"


def make_project(root: Path, pl: PL, monkeypatch: pytest.MonkeyPatch) -> Path:
    """The example PromptLayer project, pointed at the emulator."""
    shutil.copytree(EXAMPLE / "prompts", root / "prompts")
    (root / "promptsync.yaml").write_text(
        f"backend: promptlayer\napi_url: {pl.url}\nenvironments: [staging, prod]\n",
        encoding="utf-8",
    )
    monkeypatch.setenv("PROMPTLAYER_API_KEY", pl.api_key)
    return root


def listing(pl: PL, label: str | None = None) -> list[dict[str, Any]]:
    """Every item of a list (a label's, or latest), following pages."""
    items: list[dict[str, Any]] = []
    page = 1
    with pl.client() as client:
        while True:
            params: dict[str, Any] = {"page": page, "per_page": 100}
            if label:
                params["label"] = label
            body = client.get("/prompt-templates", params=params).json()
            items += body["items"]
            if not body["has_next"]:
                return items
            page += 1


def version_counts(pl: PL) -> dict[str, int]:
    """Versions per template: numbers count up from 1 with none ever deleted, so the latest
    number is the count."""
    return {item["prompt_name"]: item["version"] for item in listing(pl)}


def served(pl: PL, label: str) -> dict[str, int]:
    """Template name → the version number a release label points at."""
    return {item["prompt_name"]: item["version"] for item in listing(pl, label)}


def sdk(pl: PL) -> Any:
    return PromptLayer(api_key=pl.api_key, base_url=pl.url)


def publish(pl: PL, name: str, text: str, labels: list[str] | None = None, **extra: Any) -> Any:
    """A version published by the official SDK, as a PromptLayer user would."""
    return sdk(pl).templates.publish(
        {
            "prompt_name": name,
            "prompt_template": {
                "type": "chat",
                "messages": [{"role": "user", "content": [{"type": "text", "text": text}]}],
            },
            "metadata": {"model": {"provider": "openai", "name": "gpt-4o", "parameters": {}}},
            "commit_message": extra.pop("commit_message", "from the SDK"),
            "release_labels": labels or [],
            **extra,
        }
    )


def plan_json(run_cli: RunCli, *args: str) -> dict[str, Any]:
    code, out, err = run_cli("plan", "--format", "json", *args)
    assert code == 0, err
    return json.loads(out)  # type: ignore[no-any-return]


def edit(path: Path, old: str, new: str) -> None:
    text = path.read_text(encoding="utf-8")
    assert old in text, (path, old)
    path.write_text(text.replace(old, new), encoding="utf-8")
