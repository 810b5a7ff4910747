"""JSON Schemas generated from the models (committed under schemas/, drift-tested)."""

from __future__ import annotations

import json
from typing import Any

from pydantic import BaseModel


def _model(kind: str) -> type[BaseModel]:
    if kind == "prompt":
        from promptsync.kinds.prompts.models import PromptFile

        return PromptFile
    if kind == "config":
        from promptsync.repo.config import Config

        return Config
    if kind == "dataset":
        from promptsync.kinds.datasets.models import DatasetFile

        return DatasetFile
    if kind == "eval":
        from promptsync.evaluate.models import EvalFile

        return EvalFile
    if kind == "plan":
        from promptsync.plan.models import Plan

        return Plan
    if kind == "plans":
        from promptsync.plan.projects import ProjectsPlan

        return ProjectsPlan
    raise ValueError(f"unknown schema {kind!r}")


def schema(kind: str) -> dict[str, Any]:
    generated = _model(kind).model_json_schema()
    for nested in generated.get("$defs", {}).values():
        # A model with its own `$id` (the Plan, inside a plan of several projects) would start a
        # new base URI there, and its `#/$defs/…` references would no longer resolve.
        nested.pop("$id", None)
        nested.pop("$schema", None)
    head: dict[str, Any] = {
        key: generated.pop(key) for key in ("$schema", "$id", "title") if key in generated
    }
    return {**head, **generated}


def schema_json(kind: str) -> str:
    return json.dumps(schema(kind), indent=2, ensure_ascii=False) + "\n"
