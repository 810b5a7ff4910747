"""Literal building blocks for planner tests: prompt files and remote versions as plain data."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from promptsync.desired import PromptSource
from promptsync.models import PromptFile, RemoteVersion
from promptsync.plan import LATEST, PlanBody, Scope, build

SYSTEM = "You generate album names."
USER = "Two-word album name in the style of {{pop_star}}"


def prompt(**fields: Any) -> dict[str, Any]:
    base: dict[str, Any] = {
        "name": "album_bot",
        "provider": "openai",
        "model": "gpt-4o",
        "llm_parameters": {"temperature": 0.2},
        "messages": [{"role": "system", "content": SYSTEM}, {"role": "user", "content": USER}],
    }
    return {**base, **fields}


def source(path: str, **fields: Any) -> PromptSource:
    return PromptSource(path, PromptFile.model_validate(prompt(**fields)))


def remote(version_id: str, **fields: Any) -> RemoteVersion:
    """A remote version with the same content as `prompt()` unless fields override it."""
    data = prompt(
        **{
            k: v
            for k, v in fields.items()
            if k not in ("template_id", "version_name", "version_description")
        }
    )
    return RemoteVersion(
        template_id=fields.get("template_id", "tid-" + data["name"]),
        version_id=version_id,
        name=data["name"],
        provider=data["provider"],
        model=data["model"],
        llm_parameters=data.get("llm_parameters") or {},
        messages=data["messages"],
        tool_schema=data.get("tool_schema"),
        output_schema=data.get("output_schema"),
        version_name=fields.get("version_name"),
        version_description=fields.get("version_description"),
    )


def snapshots(
    envs: Sequence[str], **by_env: Sequence[RemoteVersion]
) -> dict[str, dict[str, RemoteVersion]]:
    """Every managed environment plus latest, each holding the versions given for it."""
    return {env: {v.name: v for v in by_env.get(env, [])} for env in [*envs, LATEST]}


def scope(
    managed: Sequence[str] = ("staging", "prod"), acting: Sequence[str] | None = None
) -> Scope:
    return Scope(
        managed=list(managed),
        acting=list(acting) if acting is not None else [*managed, LATEST],
        provenance=lambda path: f"promptsync: {path} @ abc1234",
    )


def plan(
    sources: Sequence[PromptSource],
    snaps: Mapping[str, Mapping[str, RemoteVersion]],
    sc: Scope | None = None,
) -> PlanBody:
    templates: dict[str, list[PromptSource]] = {}
    for s in sources:
        templates.setdefault(s.prompt.name, []).append(s)
    return build(
        templates, snaps, sc or scope(), known_names=set(templates), in_scope=lambda _name: True
    )
