"""Literal building blocks for planner tests: prompt files and remote versions as plain data."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from promptsync.kinds.prompts.desired import PromptSource
from promptsync.kinds.prompts.identity import content_of, remote_version
from promptsync.kinds.prompts.models import PromptFile
from promptsync.kinds.prompts.planner import PlanBody, Scope, build
from promptsync.kinds.prompts.remote import LATEST, Capabilities, RemoteVersion, Snapshot
from promptsync.plan.models import BackendRef, Plan

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
    # Remote content is what a file with the same fields has, normalized the same way.
    as_file = PromptFile.model_validate(data)
    return remote_version(
        template_id=fields.get("template_id", "tid-" + data["name"]),
        version_id=version_id,
        name=data["name"],
        content=content_of(as_file),
        version_name=fields.get("version_name"),
        version_description=fields.get("version_description"),
    )


def snapshots(envs: Sequence[str], **by_env: Sequence[RemoteVersion]) -> dict[str, Snapshot]:
    """Every managed environment plus latest, each holding the versions given for it."""
    return {env: Snapshot({v.name: v for v in by_env.get(env, [])}) for env in [*envs, LATEST]}


def _provenance(path: str, note: str = "") -> str:
    return f"promptsync: {path} @ abc1234{note}"


FREEPLAY = Capabilities(deduplicates=True, dedup_ignores=frozenset({"provider"}))


def scope(
    managed: Sequence[str] = ("staging", "prod"),
    acting: Sequence[str] | None = None,
    capabilities: Capabilities = FREEPLAY,
) -> Scope:
    return Scope(
        managed=list(managed),
        acting=list(acting) if acting is not None else [*managed, LATEST],
        provenance=_provenance,
        stamp="2026-01-01T00:00:00Z",
        capabilities=capabilities,
    )


def plan(
    sources: Sequence[PromptSource],
    snaps: Mapping[str, Snapshot],
    sc: Scope | None = None,
) -> PlanBody:
    templates: dict[str, list[PromptSource]] = {}
    for s in sources:
        templates.setdefault(s.prompt.name, []).append(s)
    return build(
        templates, snaps, sc or scope(), known_names=set(templates), in_scope=lambda _name: True
    )


def whole_plan(
    body: PlanBody, environments: Sequence[str] = ("staging", "prod"), **fields: Any
) -> Plan:
    """A Plan around a planner result, as `promptsync plan` would make it (no git, no reads
    unless `fields` say otherwise)."""
    return Plan.model_validate(
        {
            "promptsync_version": "0",
            "created_at": "2026-01-08T09:30:00Z",
            "backend": BackendRef(
                kind="freeplay", api_url="https://app.freeplay.ai", project_id="p"
            ),
            "git": None,
            "environments": list(environments),
            "remote_fingerprint": {},
            "summary": body.summary,
            "changes": body.changes,
            "orphans": body.orphans,
            "unclaimed": body.unclaimed,
            "warnings": body.warnings,
            **fields,
        }
    )
