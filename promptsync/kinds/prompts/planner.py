"""The planner: (desired files, remote snapshots, capabilities) → Plan. Pure and deterministic.

Per template, files with identical identity form one *group*; a group wants the environments its
files claim (an env-less file wants `latest`). For each wanted environment that does not already
serve the group's content:
- if a fetched environment already serves that content, the environment is *promoted* to that
  version (no new version);
- otherwise one create-version operation deploys a new version to those environments.
Where the registry's `latest` follows the newest version, `latest` cannot be promoted to: a group
that wants it is created last, and re-created when other creates of the template move it away.
The planner knows no registry: only the `Capabilities` a backend declares.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field

from promptsync.kinds.common import Action, Orphan, Summary, change_counts
from promptsync.kinds.prompts.breaking import breaking_changes
from promptsync.kinds.prompts.changes import (
    Breaking,
    Change,
    CreateVersion,
    DeployVersion,
    EnvironmentChange,
    FieldDiff,
    Operation,
    Unclaimed,
    VersionContent,
    VersionRef,
)
from promptsync.kinds.prompts.describe import collision, provenance_note, refusal
from promptsync.kinds.prompts.desired import PromptSource
from promptsync.kinds.prompts.diff import differences
from promptsync.kinds.prompts.identity import Identity, short
from promptsync.kinds.prompts.models import PromptFile
from promptsync.kinds.prompts.remote import LATEST, Capabilities, RemoteVersion, Snapshots


@dataclass
class _Group:
    identity: Identity
    files: list[PromptSource]
    wants: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class Scope:
    """What a plan looks at and may act on, and what the registry does by itself."""

    managed: Sequence[str]  # managed environments, in display order
    acting: Sequence[str]  # environments the plan may change (managed, maybe filtered, + latest)
    # (file path, note) -> the version_description promptsync writes when the file declares none
    provenance: Callable[[str, str], str]
    capabilities: Capabilities = field(default_factory=Capabilities)
    stamp: str = ""  # when the plan was made (provenance of creates that must become latest)

    def pinned(self, env: str) -> bool:
        """An environment no operation can point at an existing version."""
        return env == LATEST and self.capabilities.latest_follows_newest


def _env_key(scope: Scope) -> Callable[[str], int]:
    order = [*scope.managed, LATEST]
    return lambda env: order.index(env) if env in order else len(order)


def _groups(sources: Sequence[PromptSource], scope: Scope) -> list[_Group]:
    by_key: dict[str, _Group] = {}
    for source in sorted(sources, key=lambda s: s.path):
        identity = source.identity
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
        hash=version.hash,
        version_name=version.version_name if declared_name else None,
        version_description=version.version_description if declared_desc else None,
        unreadable=version.unreadable,
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
    # Older versions no environment serves, newest first (read only for templates that would
    # otherwise get a new version): an identical one is promoted to instead, as a rollback.
    history: Sequence[RemoteVersion] = ()

    def source_for(self, group: _Group) -> RemoteVersion | None:
        for env in sorted(self.remote, key=_env_key(self.scope)):
            if group.identity.matches(self.remote[env]):
                return self.remote[env]
        return next((v for v in self.history if group.identity.matches(v)), None)

    def version(self, version_id: str) -> RemoteVersion:
        """A version this plan promotes to: served by an environment, or from the history."""
        return next(v for v in [*self.remote.values(), *self.history] if v.version_id == version_id)

    def place(self, group: _Group) -> None:
        unsatisfied = [
            e
            for e in group.wants
            if e not in self.remote or not group.identity.matches(self.remote[e])
        ]
        if not unsatisfied:
            return
        movable = [e for e in unsatisfied if not self.scope.pinned(e)]
        pinned = [e for e in unsatisfied if self.scope.pinned(e)]
        source = self.source_for(group)
        created: list[str] = []
        if movable and source is not None:
            self.template_id = source.template_id
            self.promotions.setdefault(source.version_id, []).extend(movable)
            for env in movable:
                self._record(env, group, "promote", source.version_id)
        elif movable:
            created = movable
        if created or pinned:
            self.creates.append((group, created))
            for env in [*created, *pinned]:
                self._record(env, group, "create", None)

    def keep_latest(self, groups: list[_Group]) -> None:
        """Creating versions moves latest: re-create the version latest must serve, last."""
        if not self.scope.capabilities.latest_follows_newest:
            return
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

    def final_environments(self, key: str) -> list[str]:
        """The managed environments that serve `key` after apply (a version id, or
        "new:" + identity key for a version this plan creates)."""
        final = {env: v.version_id for env, v in self.remote.items() if env != LATEST}
        for promoted, envs in self.promotions.items():
            final.update(dict.fromkeys(envs, promoted))
        for group, envs in self.creates:
            final.update(dict.fromkeys(envs, "new:" + group.identity.key))
        return sorted(
            (e for e, v in final.items() if v == key and e in self.scope.managed),
            key=_env_key(self.scope),
        )


def _description(
    tp: _TemplatePlan, group: _Group, envs: list[str], problems: list[str]
) -> str | None:
    """The version_description this create sends (see promptsync.kinds.prompts.describe)."""
    first = group.files[0]
    declared = first.prompt.version_description
    caps = tp.scope.capabilities
    if declared is not None:
        hit = collision(group.identity, declared, tp.remote.values(), caps)
        if hit is not None:
            problems.append(refusal(first.path, tp.name, *hit))
        return declared
    becomes_latest = LATEST in group.wants and tp.scope.pinned(LATEST)
    note = provenance_note(
        group.identity, caps, becomes_latest=becomes_latest, stamp=tp.scope.stamp
    )
    return tp.scope.provenance(first.path, note)


def _version_content(prompt: PromptFile, description: str | None) -> VersionContent:
    # Every part was validated when the file was loaded: construct without validating again.
    return VersionContent.model_construct(
        messages=prompt.messages,
        provider=prompt.provider,
        model=prompt.model,
        llm_parameters=prompt.llm_parameters,
        tool_schema=prompt.tool_schema,
        output_schema=prompt.output_schema,
        version_name=prompt.version_name,
        version_description=description,
        template_format=prompt.template_format,
    )


def _operations(tp: _TemplatePlan, problems: list[str]) -> list[Operation]:
    ops: list[Operation] = []
    deploys_created = not tp.scope.capabilities.create_deploys
    follow_ups: list[Operation] = []
    for group, envs in tp.creates:
        first = group.files[0]
        description = _description(tp, group, envs, problems)
        ops.append(
            CreateVersion(
                name=tp.name,
                environments=[] if deploys_created else envs,
                content=_version_content(first.prompt, description),
                hash=group.identity.hash,
                file=first.path,
            )
        )
        if deploys_created and envs:
            follow_ups.append(
                DeployVersion(
                    name=tp.name,
                    environments=tp.final_environments("new:" + group.identity.key),
                    template_id=None,
                    version_id=None,
                    hash=group.identity.hash,
                )
            )
    for version_id in sorted(tp.promotions, key=lambda v: _env_key(tp.scope)(tp.promotions[v][0])):
        target = tp.version(version_id)
        ops.append(
            DeployVersion(
                name=tp.name,
                environments=tp.final_environments(version_id),
                template_id=tp.template_id,
                version_id=version_id,
                hash=target.hash,
            )
        )
    return [*ops, *follow_ups]


def _diffs(tp: _TemplatePlan) -> list[FieldDiff]:
    by_before: dict[tuple[str | None, int], list[str]] = {}
    for env, change in tp.envs.items():
        if change.before is not None and change.before.unreadable is not None:
            continue  # nothing to compare with: the environment line says why
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
            before.content if before else None,
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
        if before is None or before.unreadable is not None:
            continue
        after = tp.env_groups[env].identity.content
        found.extend(
            Breaking(kind=b.kind, environment=env, detail=b.detail)
            for b in breaking_changes(before.content, after)
        )
    return found


def plan_template(
    name: str,
    sources: Sequence[PromptSource],
    snapshots: Snapshots,
    scope: Scope,
    problems: list[str] | None = None,
    history: Sequence[RemoteVersion] = (),
) -> tuple[Change | None, list[Unclaimed]]:
    problems = [] if problems is None else problems
    remote = {env: v for env, snap in snapshots.items() if (v := snap.served(name)) is not None}
    claimed = {e for s in sources for e in s.prompt.environments or []}
    unclaimed = [
        Unclaimed(name=name, environment=env, version_id=remote[env].version_id)
        for env in scope.managed
        if env in remote and env not in claimed
    ]
    tp = _TemplatePlan(name, remote, scope, history=history)
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
    follows = scope.capabilities.latest_follows_newest
    change = Change(
        name=name,
        action=actions[0],
        actions=actions,
        files=sorted({f.path for g in groups for f in g.files}),
        environments={e: tp.envs[e] for e in sorted(tp.envs, key=_env_key(scope))},
        diff=_diffs(tp),
        breaking=_breaking(tp),
        operations=_operations(tp, problems),
        latest_after=tp.creates[-1][0].identity.hash if tp.creates and follows else None,
    )
    return change, unclaimed


_Result = tuple["Change | None", list[Unclaimed], list[str]]


@dataclass(frozen=True)
class PlanBody:
    changes: list[Change]
    orphans: list[Orphan]
    unclaimed: list[Unclaimed]
    summary: Summary
    warnings: list[str] = field(default_factory=list)
    held_back: list[str] = field(default_factory=list)  # changes the plan cannot make, and why
    # Each template's own result (change, unclaimed, problems), so that a second build with the
    # histories of a few templates plans only those again.
    results: Mapping[str, _Result] = field(default_factory=dict, repr=False, compare=False)


def _look_alikes(orphans: Sequence[str], known: set[str]) -> list[str]:
    """Remote templates whose names look exactly like a managed one but are spelled with
    combining characters (a file's name is always composed: see repo.rules.check_label)."""
    return [
        f"remote template {name!r} looks like {composed!r}, which the files manage, but is"
        " spelled with combining characters: it is another template, left alone (rename or"
        " archive it in the registry)"
        for name in orphans
        if (composed := unicodedata.normalize("NFC", name)) != name and composed in known
    ]


def _missing(snapshots: Snapshots, scope: Scope) -> list[str]:
    """Managed environments the registry does not have (deleted in its UI, say)."""
    return [
        f"environment {env!r} does not exist in the registry: it serves nothing, and apply"
        " refuses the changes that need it until it is created again (or removed from"
        " promptsync.yaml)"
        for env in scope.managed
        if env in scope.acting and env in snapshots and snapshots[env].missing
    ]


def _unreadable(snapshots: Snapshots, known: set[str], scope: Scope) -> list[str]:
    """Warnings about versions promptsync cannot read of templates no file manages, one per
    template (a managed template's unreadable version is drift its change shows)."""
    found: dict[str, tuple[list[str], str]] = {}
    for env in sorted(snapshots, key=_env_key(scope)):
        for name, bad in sorted(snapshots[env].unreadable.items()):
            if name not in known:
                found.setdefault(name, ([], bad.reason))[0].append(env)
    return [
        f"template {name!r} in {', '.join(envs)} cannot be read ({reason}); no file manages"
        " it, so it is left alone"
        for name, (envs, reason) in sorted(found.items())
    ]


def build(
    templates: Mapping[str, Sequence[PromptSource]],
    snapshots: Snapshots,
    scope: Scope,
    *,
    known_names: set[str],
    in_scope: Callable[[str], bool],
    history: Mapping[str, Sequence[RemoteVersion]] | None = None,
    reuse: PlanBody | None = None,
) -> PlanBody:
    """Plan every template in `templates` against the snapshots (env → name → version).

    With `reuse` (a build of the same templates and snapshots without `history`), only the
    templates `history` names are planned again.

    `known_names` are all templates that have files (in scope or not), so that a template
    filtered out of this plan is not mistaken for an orphan. A version promptsync cannot read is
    drift: compared with nothing, so the files' content replaces it. A template whose create the
    registry could not tell apart from an existing version is held back, with the reason: the
    others are planned.
    """
    held_back: list[str] = []
    warnings = [*_missing(snapshots, scope), *_unreadable(snapshots, known_names, scope)]
    changes: list[Change] = []
    unclaimed: list[Unclaimed] = []
    history = history or {}
    results: dict[str, _Result] = {}
    for name in sorted(templates):
        again = reuse is None or name in history or name not in reuse.results
        if again:
            problems: list[str] = []
            change, loose = plan_template(
                name, templates[name], snapshots, scope, problems, history.get(name, ())
            )
        else:
            assert reuse is not None
            change, loose, problems = reuse.results[name]
        results[name] = (change, loose, problems)
        unclaimed.extend(loose)
        if problems:
            held_back += problems
        elif change is not None:
            changes.append(change)
    latest = snapshots.get(LATEST)
    orphans = []
    if latest is not None:
        orphans = [
            Orphan(name=n, template_id=v.template_id, version_id=v.version_id)
            for n, v in sorted(latest.versions.items())
            if n not in known_names and in_scope(n)
        ]
        orphans += [
            Orphan(name=n, template_id=u.template_id, version_id=u.version_id)
            for n, u in sorted(latest.unreadable.items())
            if n not in known_names and in_scope(n)
        ]
        orphans.sort(key=lambda o: o.name)
        warnings += _look_alikes([o.name for o in orphans], known_names)
    summary = Summary(
        **change_counts(changes), no_op=len(templates) - len(changes), orphans=len(orphans)
    )
    return PlanBody(changes, orphans, unclaimed, summary, warnings, held_back, results)
