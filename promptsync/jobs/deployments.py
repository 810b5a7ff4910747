"""GitHub Deployments for an apply (the Action's `deployments: true`): per environment an apply
changed, one deployment of the commit and its status, so the repository's Environments page
shows which prompts are live where and since when. `latest` is not an environment there.

In a repository of several projects, a project's environments are named `<path>/<env>`
(`services/support/prod`), so two projects' `prod` never mark each other inactive; a single
project (or the one at the repository's top) uses the environment's own name.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from promptsync.apply.report import Report
from promptsync.kinds.prompts.remote import LATEST
from promptsync.plan.models import Plan


@dataclass(frozen=True)
class DeploymentRecord:
    environment: str  # the GitHub environment
    templates: list[str]
    succeeded: bool
    description: str
    payload: dict[str, object]


def environment_name(path: str | None, environment: str) -> str:
    return environment if path in (None, ".", "") else f"{path}/{environment}"


def deployment_records(path: str | None, plan: Plan, report: Report) -> list[DeploymentRecord]:
    """One record per environment the plan changes (by the environments each change shows,
    not every environment an operation names), failed when an operation of one of its
    templates did not succeed, the remote did not verify there, or could not be read. Pure."""
    by_env: dict[str, dict[str, bool]] = {}
    for change in plan.template_changes:
        results = [
            r
            for r in report.results
            if (r.operation.kind, r.operation.name) == (change.kind, change.name)
        ]
        ok = bool(results) and all(r.outcome == "succeeded" for r in results)
        for env in change.environments:
            if env != LATEST:
                by_env.setdefault(env, {})[change.name] = ok
    records = []
    for env, templates in by_env.items():
        names = sorted(templates)
        wrong = any(m.environment == env for m in report.mismatches)
        succeeded = all(templates.values()) and not wrong and not report.unverified
        shown = ", ".join(names[:6]) + (f" and {len(names) - 6} more" if len(names) > 6 else "")
        where = "" if path in (None, ".", "") else f" ({path})"
        verb = "deployed" if succeeded else "failed to deploy"
        records.append(
            DeploymentRecord(
                environment=environment_name(path, env),
                templates=names,
                succeeded=succeeded,
                description=f"promptsync {verb} {shown}{where}",
                payload={
                    "promptsync_environment": env,
                    "project": path or ".",
                    "registry": plan.backend.kind,
                    "templates": names,
                },
            )
        )
    return records


def run_url(environ: Mapping[str, str]) -> str | None:
    """This workflow run's page, from the runner's variables."""
    parts = [
        environ.get(n, "") for n in ("GITHUB_SERVER_URL", "GITHUB_REPOSITORY", "GITHUB_RUN_ID")
    ]
    return f"{parts[0]}/{parts[1]}/actions/runs/{parts[2]}" if all(parts) else None


def record_all(
    environ: Mapping[str, str], token: str, records: list[DeploymentRecord]
) -> tuple[list[str], str | None]:
    """Create every deployment and its status, for the commit the workflow runs on
    (GITHUB_SHA). Returns a line per deployment recorded, and why the rest were not (one
    line naming the permission), if they were not: the prompts are deployed either way."""
    from promptsync.github.rest import GitHubError

    repo, sha = environ.get("GITHUB_REPOSITORY", ""), environ.get("GITHUB_SHA", "")
    if not (repo and sha and token):
        return [], "deployments need GITHUB_REPOSITORY, GITHUB_SHA and a github-token"
    api_url = environ.get("GITHUB_API_URL", "https://api.github.com")
    done: list[str] = []
    try:
        _record(api_url, token, repo, sha, records, run_url(environ), done)
    except GitHubError as exc:
        return done, str(exc)
    return done, None


def _record(
    api_url: str,
    token: str,
    repo: str,
    sha: str,
    records: list[DeploymentRecord],
    log_url: str | None,
    done: list[str],
) -> None:
    from promptsync.github.deployments import record_deployment
    from promptsync.github.rest import GitHub

    with GitHub(api_url, token) as github:
        for record in records:
            number = record_deployment(
                github,
                repo,
                sha=sha,
                environment=record.environment,
                description=record.description,
                succeeded=record.succeeded,
                log_url=log_url,
                payload=record.payload,
            )
            state = "success" if record.succeeded else "failure"
            done.append(f"deployment {number}: {record.environment} ({state})")
