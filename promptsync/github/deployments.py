"""GitHub Deployments: a deployment of a commit to an environment, and the status that says how
it went, so the repository's Environments page shows what is live where and since when."""

from __future__ import annotations

from typing import Any

from promptsync.github.rest import GitHub

DESCRIPTION_LIMIT = 140  # GitHub refuses longer status descriptions


def shorten(text: str, limit: int = DESCRIPTION_LIMIT) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def record_deployment(
    github: GitHub,
    repo: str,
    *,
    sha: str,
    environment: str,
    description: str,
    succeeded: bool,
    log_url: str | None = None,
    payload: dict[str, Any] | None = None,
) -> int:
    """Create a deployment of `sha` to `environment` and its final status (success or
    failure). No merge, no required status checks: the deploy already happened. Returns its id."""
    made = github.call(
        "POST",
        f"/repos/{repo}/deployments",
        {
            "ref": sha,
            "task": "deploy:prompts",
            "environment": environment,
            "description": shorten(description),
            "auto_merge": False,
            "required_contexts": [],
            "payload": payload or {},
            "transient_environment": False,
        },
    ).json()
    status: dict[str, Any] = {
        "state": "success" if succeeded else "failure",
        "description": shorten(description),
        "environment": environment,
        "auto_inactive": True,
    }
    if log_url:
        status["log_url"] = log_url
    github.call("POST", f"/repos/{repo}/deployments/{made['id']}/statuses", status)
    return int(made["id"])
