"""The JSON GitHub's REST API (v3, 2022-11-28) answers with, built from the fake's records.
Field names and nesting follow GitHub's documented examples; URLs point back at the fake."""

from __future__ import annotations

import base64
from typing import Any
from urllib.parse import quote

from tests.fakegithub.objects import Commit, Entry, Person
from tests.fakegithub.records import Comment, Deployment, DeploymentStatus, PullRequest
from tests.fakegithub.state import FakeGitHub, Repo

WEB = "https://github.com"


def _api(state: FakeGitHub, repo: Repo) -> str:
    return f"{state.api_url}/repos/{repo.full_name}"


def user(state: FakeGitHub, login: str) -> dict[str, Any]:
    return {
        "login": login,
        "id": state.user_id(login),
        "node_id": f"U_{state.user_id(login)}",
        "type": "Bot" if login.endswith("[bot]") else "User",
        "site_admin": False,
        "url": f"{state.api_url}/users/{quote(login)}",
        "html_url": f"{WEB}/{quote(login)}",
    }


def repository(state: FakeGitHub, repo: Repo) -> dict[str, Any]:
    return {
        "id": repo.id,
        "node_id": f"R_{repo.id}",
        "name": repo.full_name.split("/")[1],
        "full_name": repo.full_name,
        "owner": user(state, repo.owner),
        "private": False,
        "visibility": "public",
        "html_url": f"{WEB}/{repo.full_name}",
        "url": _api(state, repo),
        "default_branch": repo.default_branch,
    }


def ref(state: FakeGitHub, repo: Repo, name: str) -> dict[str, Any]:
    sha = repo.refs[name]
    return {
        "ref": name,
        "node_id": f"REF_{name}",
        "url": f"{_api(state, repo)}/git/{name}",
        "object": {"sha": sha, "type": "commit", "url": f"{_api(state, repo)}/git/commits/{sha}"},
    }


def _person(person: Person) -> dict[str, str]:
    return {"name": person.name, "email": person.email, "date": person.date}


def commit(state: FakeGitHub, repo: Repo, made: Commit) -> dict[str, Any]:
    api = _api(state, repo)
    return {
        "sha": made.sha,
        "node_id": f"C_{made.sha}",
        "url": f"{api}/git/commits/{made.sha}",
        "html_url": f"{WEB}/{repo.full_name}/commit/{made.sha}",
        "author": _person(made.author),
        "committer": _person(made.committer),
        "message": made.message,
        "tree": {"sha": made.tree, "url": f"{api}/git/trees/{made.tree}"},
        "parents": [
            {
                "sha": p,
                "url": f"{api}/git/commits/{p}",
                "html_url": f"{WEB}/{repo.full_name}/commit/{p}",
            }
            for p in made.parents
        ],
        "verification": {
            "verified": False,
            "reason": "unsigned",
            "signature": None,
            "payload": None,
        },
    }


def tree_entry(state: FakeGitHub, repo: Repo, path: str, entry: Entry) -> dict[str, Any]:
    kind = {"blob": "blobs", "tree": "trees"}.get(entry.type)
    shown: dict[str, Any] = {"path": path, "mode": entry.mode, "type": entry.type, "sha": entry.sha}
    if entry.type == "blob":
        shown["size"] = len(repo.objects.blobs[entry.sha])
    if kind:
        shown["url"] = f"{_api(state, repo)}/git/{kind}/{entry.sha}"
    return shown


def tree(state: FakeGitHub, repo: Repo, sha: str, recursive: bool = False) -> dict[str, Any]:
    return {
        "sha": sha,
        "url": f"{_api(state, repo)}/git/trees/{sha}",
        "tree": [
            tree_entry(state, repo, path, entry)
            for path, entry in repo.objects.listing(sha, recursive)
        ],
        "truncated": False,
    }


def blob(state: FakeGitHub, repo: Repo, sha: str, with_content: bool) -> dict[str, Any]:
    shown: dict[str, Any] = {"sha": sha, "url": f"{_api(state, repo)}/git/blobs/{sha}"}
    if with_content:
        data = repo.objects.blobs[sha]
        shown |= {
            "node_id": f"B_{sha}",
            "size": len(data),
            "content": encode(data),
            "encoding": "base64",
        }
    return shown


def encode(data: bytes) -> str:
    """Base64 as GitHub sends file content: wrapped at 60 characters, a newline after each line."""
    text = base64.b64encode(data).decode()
    return "".join(text[i : i + 60] + "\n" for i in range(0, len(text), 60))


def content(
    state: FakeGitHub, repo: Repo, ref_name: str, path: str, entry: Entry, full: bool
) -> dict[str, Any]:
    """An entry of the contents API; `full` adds the base64 `content` (a single file's GET)."""
    kinds = {"040000": "dir", "160000": "submodule", "120000": "symlink"}
    kind = kinds.get(entry.mode, "file")
    api = _api(state, repo)
    git_kind = "trees" if kind == "dir" else "blobs"
    self_url = f"{api}/contents/{quote(path)}?ref={quote(ref_name, safe='')}"
    html = f"{WEB}/{repo.full_name}/{'tree' if kind == 'dir' else 'blob'}/{ref_name}/{path}"
    size = len(repo.objects.blobs[entry.sha]) if entry.type == "blob" else 0
    shown: dict[str, Any] = {
        "type": kind,
        "size": size,
        "name": path.rsplit("/", 1)[-1],
        "path": path,
        "sha": entry.sha,
        "url": self_url,
        "git_url": f"{api}/git/{git_kind}/{entry.sha}",
        "html_url": html,
        "download_url": (
            f"https://raw.githubusercontent.com/{repo.full_name}/{ref_name}/{path}"
            if kind == "file"
            else None
        ),
        "_links": {"self": self_url, "git": f"{api}/git/{git_kind}/{entry.sha}", "html": html},
    }
    if full and entry.type == "blob":
        shown |= {"content": encode(repo.objects.blobs[entry.sha]), "encoding": "base64"}
    return shown


def _side(state: FakeGitHub, repo: Repo, branch: str) -> dict[str, Any]:
    return {
        "label": f"{repo.owner}:{branch}",
        "ref": branch,
        "sha": repo.head(branch),
        "user": user(state, repo.owner),
        "repo": repository(state, repo),
    }


def pull(state: FakeGitHub, repo: Repo, pr: PullRequest) -> dict[str, Any]:
    api = _api(state, repo)
    html = f"{WEB}/{repo.full_name}/pull/{pr.number}"
    return {
        "url": f"{api}/pulls/{pr.number}",
        "id": pr.id,
        "node_id": f"PR_{pr.id}",
        "html_url": html,
        "diff_url": f"{html}.diff",
        "patch_url": f"{html}.patch",
        "issue_url": f"{api}/issues/{pr.number}",
        "comments_url": f"{api}/issues/{pr.number}/comments",
        "number": pr.number,
        "state": pr.state,
        "locked": False,
        "title": pr.title,
        "user": user(state, pr.user),
        "body": pr.body,
        "created_at": pr.created_at,
        "updated_at": pr.updated_at,
        "closed_at": pr.closed_at,
        "merged_at": None,
        "merge_commit_sha": None,
        "draft": pr.draft,
        "head": _side(state, repo, pr.head),
        "base": _side(state, repo, pr.base),
        "author_association": "NONE",
        "merged": False,
        "mergeable": None,
    }


def comment(state: FakeGitHub, repo: Repo, note: Comment) -> dict[str, Any]:
    api = _api(state, repo)
    kind = "pull" if note.number in repo.pulls else "issues"
    return {
        "id": note.id,
        "node_id": f"IC_{note.id}",
        "url": f"{api}/issues/comments/{note.id}",
        "html_url": f"{WEB}/{repo.full_name}/{kind}/{note.number}#issuecomment-{note.id}",
        "issue_url": f"{api}/issues/{note.number}",
        "body": note.body,
        "user": user(state, note.user),
        "created_at": note.created_at,
        "updated_at": note.updated_at,
        "author_association": "NONE",
        "performed_via_github_app": None,
    }


def deployment(state: FakeGitHub, repo: Repo, made: Deployment) -> dict[str, Any]:
    api = _api(state, repo)
    return {
        "url": f"{api}/deployments/{made.id}",
        "id": made.id,
        "node_id": f"DE_{made.id}",
        "sha": made.sha,
        "ref": made.ref,
        "task": made.task,
        "payload": made.payload,
        "original_environment": made.original_environment,
        "environment": made.environment,
        "description": made.description,
        "creator": user(state, made.creator),
        "created_at": made.created_at,
        "updated_at": made.updated_at,
        "statuses_url": f"{api}/deployments/{made.id}/statuses",
        "repository_url": api,
        "transient_environment": made.transient_environment,
        "production_environment": made.production_environment,
        "performed_via_github_app": None,
    }


def status(
    state: FakeGitHub, repo: Repo, made: Deployment, done: DeploymentStatus
) -> dict[str, Any]:
    api = _api(state, repo)
    return {
        "url": f"{api}/deployments/{made.id}/statuses/{done.id}",
        "id": done.id,
        "node_id": f"DES_{done.id}",
        "state": done.state,
        "creator": user(state, done.creator),
        "description": done.description,
        "environment": done.environment,
        "target_url": done.target_url,
        "log_url": done.log_url,
        "environment_url": done.environment_url,
        "created_at": done.created_at,
        "updated_at": done.created_at,
        "deployment_url": f"{api}/deployments/{made.id}",
        "repository_url": api,
        "performed_via_github_app": None,
    }
