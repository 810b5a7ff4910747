"""Deployments and deployment statuses, with GitHub's defaults (task "deploy", environment
"production", auto_merge true, every status context required) and its auto_inactive rule."""

from __future__ import annotations

from typing import Any

from starlette.responses import Response

from tests.fakegithub import shapes
from tests.fakegithub.records import Deployment, DeploymentStatus
from tests.fakegithub.routes_git import REPO
from tests.fakegithub.wire import ApiError, Call, Endpoint, invalid, ok, paginate

STATES = ("error", "failure", "inactive", "in_progress", "queued", "pending", "success")
DESCRIPTION_LIMIT = 140


def create_deployment(call: Call) -> Response:
    repo = call.repo
    ref = call.required("ref", str)
    sha = repo.resolve(ref)
    if sha is None:
        raise ApiError(422, f"No ref found for: {ref}")
    environment = call.field("environment", str, "production")
    contexts = call.field("required_contexts", list)
    if contexts:  # the fake keeps no commit statuses, so a required context never passed
        raise ApiError(409, f"Conflict: Commit status checks failed for {ref}.")
    default_head = repo.head(repo.default_branch)
    behind = (
        repo.head(ref) is not None
        and ref != repo.default_branch
        and default_head is not None
        and not repo.objects.is_ancestor(default_head, sha)
    )
    if call.field("auto_merge", bool, True) and behind:
        # GitHub merges the default branch into a ref that is behind it (202, no deployment) or
        # answers 409 on a conflict; the fake always answers the conflict: pass auto_merge false.
        raise ApiError(409, f"Conflict merging {repo.default_branch} into {ref}.")
    payload: Any = call.field("payload", (dict, str), {})
    stamp = call.state.now()
    made = Deployment(
        id=call.state.new_id(),
        sha=sha,
        ref=ref,
        task=call.field("task", str, "deploy"),
        payload=payload,
        environment=environment,
        original_environment=environment,
        description=call.field("description", str, ""),
        creator=call.token.login,
        transient_environment=call.field("transient_environment", bool, False),
        production_environment=call.field(
            "production_environment", bool, environment == "production"
        ),
        created_at=stamp,
        updated_at=stamp,
    )
    repo.deployments.append(made)
    shown = shapes.deployment(call.state, repo, made)
    return ok(shown, 201, {"location": shown["url"]})


def list_deployments(call: Call) -> Response:
    found = list(reversed(call.repo.deployments))  # newest first
    for name in ("sha", "ref", "task", "environment"):
        if name in call.query:
            found = [d for d in found if getattr(d, name) == call.query[name]]
    return paginate(call, [shapes.deployment(call.state, call.repo, d) for d in found])


def _deployment(call: Call) -> Deployment:
    wanted = int(call.params["id"])
    found = next((d for d in call.repo.deployments if d.id == wanted), None)
    if found is None:
        raise ApiError(404, "Not Found")
    return found


def get_deployment(call: Call) -> Response:
    return ok(shapes.deployment(call.state, call.repo, _deployment(call)))


def _deactivate_others(call: Call, made: Deployment) -> None:
    """auto_inactive: earlier successful deployments to the same environment become inactive
    (GitHub does this for non-transient, non-production environments only)."""
    for other in call.repo.deployments:
        if (
            other is not made
            and other.environment == made.environment
            and not other.transient_environment
            and not other.production_environment
            and other.state == "success"
        ):
            stamp = call.state.now()
            other.statuses.append(
                DeploymentStatus(
                    call.state.new_id(),
                    "inactive",
                    "",
                    other.environment,
                    "",
                    "",
                    "",
                    call.token.login,
                    stamp,
                )
            )
            other.updated_at = stamp


def create_status(call: Call) -> Response:
    made = _deployment(call)
    state = call.required("state", str)
    if state not in STATES:
        raise invalid("DeploymentStatus", "state")
    description = call.field("description", str, "")
    if len(description) > DESCRIPTION_LIMIT:
        raise invalid(
            "DeploymentStatus",
            "description",
            "custom",
            message=f"description is too long (maximum is {DESCRIPTION_LIMIT} characters)",
        )
    made.environment = call.field("environment", str, made.environment)
    stamp = call.state.now()
    environment_url = call.field("environment_url", str, "")
    log_url = call.field("log_url", str) or call.field("target_url", str, "")
    done = DeploymentStatus(
        call.state.new_id(),
        state,
        description,
        made.environment,
        environment_url,
        log_url,
        log_url,  # target_url and log_url are one field, under two names
        call.token.login,
        stamp,
    )
    made.statuses.append(done)
    made.updated_at = stamp
    if state == "success" and call.field("auto_inactive", bool, True):
        _deactivate_others(call, made)
    shown = shapes.status(call.state, call.repo, made, done)
    return ok(shown, 201, {"location": shown["url"]})


def list_statuses(call: Call) -> Response:
    made = _deployment(call)
    found = [shapes.status(call.state, call.repo, made, s) for s in reversed(made.statuses)]
    return paginate(call, found)


DEPLOYMENTS = ("deployments",)
ENDPOINTS = [
    Endpoint("GET", REPO + "/deployments", list_deployments, DEPLOYMENTS),
    Endpoint("POST", REPO + "/deployments", create_deployment, DEPLOYMENTS, "write"),
    Endpoint("GET", REPO + "/deployments/{id:int}", get_deployment, DEPLOYMENTS),
    Endpoint("GET", REPO + "/deployments/{id:int}/statuses", list_statuses, DEPLOYMENTS),
    Endpoint("POST", REPO + "/deployments/{id:int}/statuses", create_status, DEPLOYMENTS, "write"),
]
