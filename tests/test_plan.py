"""The planner with literal inputs: every action, their combinations, and what is only reported."""

from __future__ import annotations

import json
from typing import Any

from promptsync.backends.freeplay.wire import create_body
from promptsync.kinds.prompts.changes import CreateVersion, DeployVersion
from promptsync.kinds.prompts.identity import content_hash, content_of
from promptsync.kinds.prompts.models import PromptFile
from promptsync.kinds.prompts.planner import PlanBody, build
from tests.planning import SYSTEM, USER, plan, prompt, remote, scope, snapshots, source

ENVS = ["staging", "prod"]
NEW_USER = "Three-word album name in the style of {{pop_star}}"


def _ops(body: PlanBody) -> list[tuple[str, list[str], str | None]]:
    return [
        (op.op, op.environments, op.version_id if isinstance(op, DeployVersion) else None)
        for c in body.changes
        for op in c.operations
    ]


def _create(body: PlanBody, index: int = 0) -> CreateVersion:
    op = body.changes[0].operations[index]
    assert isinstance(op, CreateVersion)
    return op


def test_create_when_absent_from_latest() -> None:
    body = plan([source("p/a.yaml", environments=["staging", "prod"])], snapshots(ENVS))
    [change] = body.changes
    assert (change.action, change.actions) == ("create", ["create"])
    [op] = change.operations
    assert isinstance(op, CreateVersion)
    assert op.hash == change.environments["prod"].after.hash
    # Freeplay's request body, built from the plan's neutral content at apply time.
    assert create_body(op) == {
        "template_messages": [
            {"role": "system", "content": SYSTEM},
            {"role": "user", "content": USER},
        ],
        "provider": "openai",
        "model": "gpt-4o",
        "llm_parameters": {"temperature": 0.2},
        "tool_schema": None,
        "output_schema": None,
        "version_name": None,
        # Freeplay does not compare provider when it deduplicates: provenance names it.
        "version_description": "promptsync: p/a.yaml @ abc1234 (provider: openai)",
        "environments": ["staging", "prod"],
    }
    assert list(change.environments) == ["staging", "prod"]
    assert all(e.before is None and e.via == "create" for e in change.environments.values())
    assert change.latest_after == op_hash(prompt(environments=["staging", "prod"]))
    assert body.summary.model_dump() == {
        "create": 1,
        "update": 0,
        "promote": 0,
        "no_op": 0,
        "breaking": 0,
        "orphans": 0,
    }


def op_hash(data: dict[str, object]) -> str:
    return content_hash(content_of(PromptFile.model_validate(data)))


def test_no_op_when_everything_matches() -> None:
    v = remote("v1")
    body = plan(
        [source("a.yaml", environments=ENVS)], snapshots(ENVS, staging=[v], prod=[v], latest=[v])
    )
    assert body.changes == []
    assert body.summary.no_op == 1


def test_update_creates_a_version_for_differing_envs_only() -> None:
    old = remote("v1", llm_parameters={"temperature": 0.5})
    body = plan(
        [source("a.yaml", environments=ENVS)],
        snapshots(ENVS, staging=[old], prod=[old], latest=[old]),
    )
    [change] = body.changes
    assert change.actions == ["update"]
    assert _ops(body) == [("create_version", ["staging", "prod"], None)]
    assert change.environments["prod"].before is not None
    assert change.environments["prod"].before.version_id == "v1"
    [diff] = change.diff
    assert (diff.path, diff.before, diff.after, diff.environments) == (
        "llm_parameters.temperature",
        0.5,
        0.2,
        ["staging", "prod"],
    )


def test_promote_when_content_is_deployed_elsewhere() -> None:
    current, old = remote("v2"), remote("v1", messages=[{"role": "user", "content": "old"}])
    body = plan(
        [source("a.yaml", environments=ENVS)],
        snapshots(ENVS, staging=[current], prod=[old], latest=[current]),
    )
    [change] = body.changes
    assert change.actions == ["promote"]
    # The full set of managed environments that hold v2 afterwards.
    assert _ops(body) == [("deploy_version", ["staging", "prod"], "v2")]
    [deploy] = change.operations
    assert isinstance(deploy, DeployVersion)
    assert (deploy.template_id, deploy.hash) == ("tid-album_bot", current.hash)
    assert change.environments["prod"].via == "promote"
    assert change.latest_after is None


def test_promote_to_a_version_only_latest_serves() -> None:
    newest, old = remote("v3"), remote("v1", model="gpt-4")
    body = plan(
        [source("a.yaml", environments=["prod"])], snapshots(ENVS, prod=[old], latest=[newest])
    )
    assert _ops(body) == [("deploy_version", ["prod"], "v3")]


def test_update_and_promote_together() -> None:
    # staging gets a new version; prod is promoted to the version staging had.
    was_staging = remote("v2", messages=[{"role": "user", "content": NEW_USER}])
    body = plan(
        [
            source("a.staging.yaml", environments=["staging"], llm_parameters={"temperature": 0.9}),
            source(
                "a.prod.yaml",
                environments=["prod"],
                messages=[{"role": "user", "content": NEW_USER}],
            ),
        ],
        snapshots(ENVS, staging=[was_staging], prod=[remote("v1")], latest=[was_staging]),
    )
    [change] = body.changes
    assert (change.action, change.actions) == ("update", ["update", "promote"])
    assert _ops(body) == [
        ("create_version", ["staging"], None),
        ("deploy_version", ["prod"], "v2"),
    ]
    assert body.summary.update == 1
    assert body.summary.promote == 1


def test_identical_files_are_one_version() -> None:
    body = plan(
        [source("a.yaml", environments=["staging"]), source("b.yaml", environments=["prod"])],
        snapshots(ENVS),
    )
    assert _ops(body) == [("create_version", ["staging", "prod"], None)]
    assert body.changes[0].files == ["a.yaml", "b.yaml"]


def test_envless_file_matches_latest() -> None:
    v = remote("v1")
    assert plan([source("a.yaml")], snapshots(ENVS, latest=[v])).changes == []


def test_envless_file_differing_from_latest_creates_a_version() -> None:
    body = plan([source("a.yaml")], snapshots(ENVS, latest=[remote("v1", model="x")]))
    [change] = body.changes
    assert _ops(body) == [("create_version", [], None)]
    assert list(change.environments) == ["latest"]


def test_latest_is_recreated_after_other_creates() -> None:
    envless = remote("v9")  # latest already serves the env-less file's content
    body = plan(
        [source("a.yaml"), source("b.yaml", environments=["prod"], model="gpt-4.1")],
        snapshots(ENVS, prod=[remote("v1", model="gpt-3")], latest=[envless]),
    )
    ops = [
        (op.op, op.environments, _create(body, i).file)
        for i, op in enumerate(body.changes[0].operations)
    ]
    # prod's new version would move latest, so the env-less version is created again, last.
    assert ops == [("create_version", ["prod"], "b.yaml"), ("create_version", [], "a.yaml")]
    latest = body.changes[0].environments["latest"]
    assert latest.before is not None
    assert latest.before.hash == latest.after.hash
    assert body.changes[0].latest_after == latest.after.hash


def test_latest_wanting_group_keeps_its_environments_when_recreated() -> None:
    body = plan(
        [
            source("a.yaml"),
            source("a2.yaml", environments=["staging"]),
            source("b.yaml", environments=["prod"], model="gpt-4.1"),
        ],
        snapshots(ENVS, latest=[remote("v9", model="other")]),
    )
    ops = [(_create(body, i).environments, _create(body, i).file) for i in range(2)]
    assert ops == [(["prod"], "b.yaml"), (["staging"], "a.yaml")]


def test_orphans_and_unclaimed_are_reported_not_acted_on() -> None:
    dev = remote("v5", model="old")
    legacy = remote("v7", name="legacy")
    body = plan(
        [source("a.yaml", environments=["staging", "prod"])],
        snapshots(
            ["dev", *ENVS],
            dev=[dev],
            staging=[remote("v1")],
            prod=[remote("v1")],
            latest=[remote("v1"), legacy],
        ),
        scope(managed=["dev", *ENVS]),
    )
    assert body.changes == []
    assert [(o.name, o.version_id) for o in body.orphans] == [("legacy", "v7")]
    assert [(u.name, u.environment, u.version_id) for u in body.unclaimed] == [
        ("album_bot", "dev", "v5")
    ]
    assert body.summary.orphans == 1


def test_promotion_full_set_includes_unclaimed_envs_on_that_version() -> None:
    v2, v1 = remote("v2"), remote("v1", model="old")
    body = plan(
        [source("a.yaml", environments=["prod"])],
        snapshots(["dev", *ENVS], dev=[v2], prod=[v1], latest=[v2]),
        scope(managed=["dev", *ENVS]),
    )
    assert _ops(body) == [("deploy_version", ["dev", "prod"], "v2")]


def test_env_filter_limits_what_is_acted_on() -> None:
    old = remote("v1", model="old")
    body = plan(
        [source("a.yaml", environments=ENVS)],
        snapshots(ENVS, staging=[old], prod=[old], latest=[old]),
        scope(acting=["staging"]),
    )
    assert list(body.changes[0].environments) == ["staging"]
    assert _ops(body) == [("create_version", ["staging"], None)]


def test_normalization() -> None:
    # 1 == 1.0, key order, null == absent, empty tool/media lists == absent.
    file = source(
        "a.yaml",
        environments=["prod"],
        llm_parameters={"max_tokens": 1.0, "t": 0.5},
        output_schema=None,
        tool_schema=[],
        messages=[{"role": "user", "content": "x", "media_slots": []}],
    )
    same = remote(
        "v1",
        llm_parameters={"t": 0.5, "max_tokens": 1},
        messages=[{"role": "user", "content": "x"}],
    )
    assert plan([file], snapshots(ENVS, prod=[same], latest=[same])).changes == []
    no_params = source("b.yaml", name="b", environments=["prod"], llm_parameters=None)
    empty = remote("v2", name="b", llm_parameters={})
    assert plan([no_params], snapshots(ENVS, prod=[empty], latest=[empty])).changes == []


def test_message_text_is_compared_exactly() -> None:
    file = source(
        "a.yaml", environments=["prod"], messages=[{"role": "user", "content": "Hello\n"}]
    )
    remote_ = remote("v1", messages=[{"role": "user", "content": "Hello"}])
    body = plan([file], snapshots(ENVS, prod=[remote_], latest=[remote_]))
    [diff] = body.changes[0].diff
    assert diff.path == "messages"
    assert diff.text_diff == "\n".join(
        ["--- prod (v1)", "+++ a.yaml", "@@ -1,2 +1,3 @@", " [user]", " Hello", "+"]
    )


def test_version_name_counts_only_when_declared() -> None:
    named = remote("v1", version_name="v9", version_description="from the UI")
    undeclared = source("a.yaml", environments=["prod"])
    assert plan([undeclared], snapshots(ENVS, prod=[named], latest=[named])).changes == []
    declared = source("a.yaml", environments=["prod"], version_name="v10")
    body = plan([declared], snapshots(ENVS, prod=[named], latest=[named]))
    [change] = body.changes
    assert [(d.path, d.before, d.after) for d in change.diff] == [("version_name", "v9", "v10")]
    assert _create(body).content.version_name == "v10"
    # The declared description is kept; provenance only fills an undeclared one.
    described = source("a.yaml", environments=["prod"], version_description="Mine")
    body = plan([described], snapshots(ENVS, prod=[named], latest=[named]))
    assert _create(body).content.version_description == "Mine"


def test_breaking_changes_per_environment() -> None:
    old = remote(
        "v1",
        messages=[
            {"role": "system", "content": SYSTEM},
            {"kind": "history"},
            {"role": "user", "content": "{{pop_star}} {{mood}}"},
        ],
        tool_schema=[{"name": "a", "description": "", "parameters": {}}],
    )
    file = source("a.yaml", environments=["prod"])
    body = plan([file], snapshots(ENVS, prod=[old], latest=[old]))
    assert [(b.kind, b.environment, b.detail) for b in body.changes[0].breaking] == [
        ("variable_removed", "prod", "mood"),
        ("tool_removed", "prod", "a"),
        ("history_removed", "prod", "history placeholder"),
    ]
    assert body.summary.breaking == 3


def test_deterministic_whatever_the_input_order() -> None:
    files = [source(f"{n}.yaml", name=n, environments=["prod"], model=f"m{n}") for n in "cab"]
    snaps = snapshots(ENVS, prod=[remote("v1", name="a")], latest=[remote("v1", name="a")])
    first = plan(files, snaps)
    second = plan(list(reversed(files)), snaps)
    assert json.dumps([c.model_dump() for c in first.changes]) == json.dumps(
        [c.model_dump() for c in second.changes]
    )
    assert [c.name for c in first.changes] == ["a", "b", "c"]


def test_an_older_identical_version_is_promoted_and_a_replan_reuses_the_rest() -> None:
    """A file reverted to an older version's content: the history the plan reads for it holds
    that version, so the plan moves the pointer; a second build with that history plans only
    the templates it names and equals a build from scratch."""
    files = [
        source("prompts/album_bot.yaml", environments=["staging", "prod"]),
        source(
            "prompts/other_bot.yaml",
            name="other_bot",
            environments=["staging", "prod"],
            llm_parameters={"temperature": 0.9},
        ),
    ]
    newer = remote("v2", llm_parameters={"temperature": 0.5})
    other = remote("o1", name="other_bot")
    snaps = snapshots(
        ["staging", "prod"], staging=[newer, other], prod=[newer, other], latest=[newer, other]
    )
    templates = {"album_bot": [files[0]], "other_bot": [files[1]]}
    kw: Any = {"known_names": set(templates), "in_scope": lambda _name: True}
    first = build(templates, snaps, scope(), **kw)
    assert [c.actions for c in first.changes] == [["update"], ["update"]]
    history = {"album_bot": [newer, remote("v1")]}
    again = build(templates, snaps, scope(), history=history, reuse=first, **kw)
    fresh = build(templates, snaps, scope(), history=history, **kw)
    assert again.changes == fresh.changes
    assert again.summary == fresh.summary
    album = again.changes[0]
    assert album.actions == ["promote"]
    assert {
        e: (r.via, r.before and r.before.version_id, r.after.version_id)
        for e, r in album.environments.items()
    } == {
        "staging": ("promote", "v2", "v1"),
        "prod": ("promote", "v2", "v1"),
    }
    assert again.changes[1] is first.changes[1]  # other_bot was not planned again
