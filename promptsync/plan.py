"""The planner: (desired files, remote snapshots) → Plan. Pure and deterministic.

Per template, files with identical identity form one *group*; a group wants the environments its
files claim (an env-less file wants `latest`). For each wanted environment that does not already
serve the group's content:
- if a fetched environment already serves that content, the environment is *promoted* to that
  version (no new version);
- otherwise one create-version call deploys a new version to those environments.
`latest` cannot be promoted to: it follows the newest version. So a group that wants `latest` is
created last, and re-created when other creates of the same template would move `latest` away.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field

from promptsync.backends.freeplay_json import create_version_body, update_environments_body
from promptsync.breaking import breaking_changes
from promptsync.desired import PromptSource
from promptsync.diff import differences
from promptsync.identity import Identity, file_identity, remote_content, remote_hash, short
from promptsync.models import RemoteVersion
from promptsync.plan_models import (
    Action,
    Breaking,
    Change,
    EnvironmentChange,
    FieldDiff,
    Operation,
    Orphan,
    Summary,
    Unclaimed,
    VersionRef,
)

LATEST = "latest"
PROVENANCE_PREFIX = "promptsync: "  # starts every version_description promptsync writes itself
Snapshots = Mapping[str, Mapping[str, RemoteVersion]]


@dataclass
class _Group:
    identity: Identity
    files: list[PromptSource]
    wants: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class Scope:
    """What a plan looks at and may act on."""

    managed: Sequence[str]  # managed environments, in display order
    acting: Sequence[str]  # environments the plan may change (managed, maybe filtered, + latest)
    provenance: Callable[[str], str]  # file path -> version_description when none is declared


def _env_key(scope: Scope) -> Callable[[str], int]:
    order = [*scope.managed, LATEST]
    return lambda env: order.index(env) if env in order else len(order)


def _groups(sources: Sequence[PromptSource], scope: Scope) -> list[_Group]:
    by_key: dict[str, _Group] = {}
    for source in sorted(sources, key=lambda s: s.path):
        identity = file_identity(source.prompt)
        group = by_key.setdefault(identity.key, _Group(identity, []))
        group.files.append(source)
        for env in source.prompt.environments or [LATEST]:
            if env in scope.acting and env not in group.wants:
                group.wants.append(env)
    groups = [g for g in by_key.values() if g.wants]
    for g in groups:
        g.wants.sort(key=_env_key(scope))
    return sorted(groups, key=lambda g: (LATEST in g.wants, g.files[0].path))


def _ref(version: RemoteVersion, identity: Identity | None) -> VersionRef:
    declared_name = identity is not None and identity.version_name is not None
    declared_desc = identity is not None and identity.version_description is not None
    return VersionRef(
        version_id=version.version_id,
        hash=remote_hash(version),
        version_name=version.version_name if declared_name else None,
        version_description=version.version_description if declared_desc else None,
    )


def _after(identity: Identity, version_id: str | None = None) -> VersionRef:
    return VersionRef(
        version_id=version_id,
        hash=identity.hash,
        version_name=identity.version_name,
        version_description=identity.version_description,
    )


@dataclass
class _TemplatePlan:
    """Accumulates one template's decisions before they become a Change."""

    name: str
    remote: dict[str, RemoteVersion]
    scope: Scope
    envs: dict[str, EnvironmentChange] = field(default_factory=dict)
    env_groups: dict[str, _Group] = field(default_factory=dict)
    creates: list[tuple[_Group, list[str]]] = field(default_factory=list)
    promotions: dict[str, list[str]] = field(default_factory=dict)  # version id -> envs
    template_id: str | None = None

    def source_for(self, group: _Group) -> RemoteVersion | None:
        for env in sorted(self.remote, key=_env_key(self.scope)):
            if group.identity.matches(self.remote[env]):
                return self.remote[env]
        return None

    def place(self, group: _Group) -> None:
        unsatisfied = [
            e
            for e in group.wants
            if e not in self.remote or not group.identity.matches(self.remote[e])
        ]
        if not unsatisfied:
            return
        movable = [e for e in unsatisfied if e != LATEST]
        source = self.source_for(group)
        created: list[str] = []
        if movable and source is not None:
            self.template_id = source.template_id
            self.promotions.setdefault(source.version_id, []).extend(movable)
            for env in movable:
                self._record(env, group, "promote", source.version_id)
        elif movable:
            created = movable
        if created or LATEST in unsatisfied:
            self.creates.append((group, created))
            for env in [*created, *([LATEST] if LATEST in unsatisfied else [])]:
                self._record(env, group, "create", None)

    def keep_latest(self, groups: list[_Group]) -> None:
        """Creating versions moves latest: re-create the version latest must serve, last."""
        wanting = next((g for g in groups if LATEST in g.wants), None)
        others = [c for c in self.creates if c[0] is not wanting]
        if wanting is None or not others:
            return
        own = next((c for c in self.creates if c[0] is wanting), (wanting, []))
        self.creates = [*others, own]
        if LATEST not in self.envs:
            self._record(LATEST, wanting, "create", None)

    def _record(self, env: str, group: _Group, via: Action, version_id: str | None) -> None:
        before = self.remote.get(env)
        self.envs[env] = EnvironmentChange(
            via=via,
            before=_ref(before, group.identity) if before else None,
            after=_after(group.identity, version_id),
        )
        self.env_groups[env] = group

    def final_environments(self, version_id: str) -> list[str]:
        """The full set of managed environments that hold `version_id` after apply."""
        final: dict[str, str | None] = {
            env: v.version_id for env, v in self.remote.items() if env != LATEST
        }
        for promoted, envs in self.promotions.items():
            final.update(dict.fromkeys(envs, promoted))
        for _group, envs in self.creates:
            final.update(dict.fromkeys(envs, None))
        return sorted(
            (e for e, v in final.items() if v == version_id and e in self.scope.managed),
            key=_env_key(self.scope),
        )


def _operations(tp: _TemplatePlan) -> list[Operation]:
    ops = []
    for group, envs in tp.creates:
        first = group.files[0]
        body = create_version_body(first.prompt, envs, tp.scope.provenance(first.path))
        ops.append(
            Operation(
                op="create_version", template=tp.name, environments=envs, body=body, file=first.path
            )
        )
    for version_id in sorted(tp.promotions, key=lambda v: _env_key(tp.scope)(tp.promotions[v][0])):
        envs = tp.final_environments(version_id)
        ops.append(
            Operation(
                op="update_environments",
                template=tp.name,
                environments=envs,
                body=update_environments_body(envs),
                template_id=tp.template_id,
                version_id=version_id,
            )
        )
    return ops


def _diffs(tp: _TemplatePlan) -> list[FieldDiff]:
    by_before: dict[tuple[str | None, int], list[str]] = {}
    for env, change in tp.envs.items():
        if (
            change.before is None
            or change.before.hash != change.after.hash
            or (
                change.before.version_name != change.after.version_name
                or change.before.version_description != change.after.version_description
            )
        ):
            key = (change.before.version_id if change.before else None, id(tp.env_groups[env]))
            by_before.setdefault(key, []).append(env)
    for envs in by_before.values():
        envs.sort(key=_env_key(tp.scope))
    diffs: list[FieldDiff] = []
    for envs in sorted(by_before.values(), key=lambda es: _env_key(tp.scope)(es[0])):
        group = tp.env_groups[envs[0]]
        before = tp.remote.get(envs[0])
        ident = group.identity
        label = f"{', '.join(envs)} ({short(before.version_id)})" if before else "(nothing)"
        for d in differences(
            remote_content(before) if before else None,
            ident.content,
            before_extras={
                "version_name": before.version_name if before and ident.version_name else None,
                "version_description": (
                    before.version_description if before and ident.version_description else None
                ),
            },
            after_extras={
                "version_name": ident.version_name,
                "version_description": ident.version_description,
            },
            labels=(label, group.files[0].path),
        ):
            diffs.append(
                FieldDiff(
                    path=d.path,
                    environments=envs,
                    before=d.before,
                    after=d.after,
                    text_diff=d.text_diff,
                )
            )
    return diffs


def _breaking(tp: _TemplatePlan) -> list[Breaking]:
    found: list[Breaking] = []
    for env in sorted(tp.envs, key=_env_key(tp.scope)):
        before = tp.remote.get(env)
        if before is None:
            continue
        after = tp.env_groups[env].identity.content
        found.extend(
            Breaking(kind=b.kind, environment=env, detail=b.detail)
            for b in breaking_changes(remote_content(before), after)
        )
    return found


def plan_template(
    name: str, sources: Sequence[PromptSource], snapshots: Snapshots, scope: Scope
) -> tuple[Change | None, list[Unclaimed]]:
    remote = {env: snap[name] for env, snap in snapshots.items() if name in snap}
    claimed = {e for s in sources for e in s.prompt.environments or []}
    unclaimed = [
        Unclaimed(template=name, environment=env, version_id=remote[env].version_id)
        for env in scope.managed
        if env in remote and env not in claimed
    ]
    tp = _TemplatePlan(name, remote, scope)
    groups = _groups(sources, scope)
    for group in groups:
        tp.place(group)
    tp.keep_latest(groups)
    if not tp.envs:
        return None, unclaimed
    exists = LATEST in remote
    actions: list[Action] = ["create"]
    if exists:
        actions = []
        if tp.creates:
            actions.append("update")
        if tp.promotions:
            actions.append("promote")
    change = Change(
        template=name,
        action=actions[0],
        actions=actions,
        files=sorted({f.path for g in groups for f in g.files}),
        environments={e: tp.envs[e] for e in sorted(tp.envs, key=_env_key(scope))},
        diff=_diffs(tp),
        breaking=_breaking(tp),
        operations=_operations(tp),
        latest_after=tp.creates[-1][0].identity.hash if tp.creates else None,
    )
    return change, unclaimed


@dataclass(frozen=True)
class PlanBody:
    changes: list[Change]
    orphans: list[Orphan]
    unclaimed: list[Unclaimed]
    summary: Summary


def build(
    templates: Mapping[str, Sequence[PromptSource]],
    snapshots: Snapshots,
    scope: Scope,
    *,
    known_names: set[str],
    in_scope: Callable[[str], bool],
) -> PlanBody:
    """Plan every template in `templates` against the snapshots (env → name → version).

    `known_names` are all templates that have files (in scope or not), so that a template
    filtered out of this plan is not mistaken for an orphan.
    """
    changes: list[Change] = []
    unclaimed: list[Unclaimed] = []
    for name in sorted(templates):
        change, loose = plan_template(name, templates[name], snapshots, scope)
        unclaimed.extend(loose)
        if change is not None:
            changes.append(change)
    latest = snapshots.get(LATEST, {})
    orphans = [
        Orphan(template=n, template_id=v.template_id, version_id=v.version_id)
        for n, v in sorted(latest.items())
        if n not in known_names and in_scope(n)
    ]
    summary = Summary(
        create=sum("create" in c.actions for c in changes),
        update=sum("update" in c.actions for c in changes),
        promote=sum("promote" in c.actions for c in changes),
        no_op=len(templates) - len(changes),
        breaking=sum(len(c.breaking) for c in changes),
        orphans=len(orphans),
    )
    return PlanBody(changes, orphans, unclaimed, summary)
