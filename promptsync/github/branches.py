"""Commit files onto a branch through GitHub's git data API (no clone, no push): one tree on top
of the base branch's head, one commit, the branch created or moved to it."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from urllib.parse import quote

from promptsync.github.rest import GitHub

FileChanges = Mapping[str, str | None]  # repository path → new text, or None to delete it


@dataclass(frozen=True)
class BranchUpdate:
    branch: str
    sha: str  # the branch's head afterwards
    outcome: str  # "created", "updated", "unchanged" (it already held exactly these files)


def _ref(name: str) -> str:
    return quote(f"heads/{name}", safe="/")


def commit_to_branch(
    github: GitHub, repo: str, base: str, branch: str, files: FileChanges, message: str
) -> BranchUpdate:
    """Make `branch` one commit on top of `base`'s head holding `files` (the branch is created,
    or moved there however it diverged: it belongs to this job). Left alone when its head
    already has exactly that tree."""
    base_sha = github.call("GET", f"/repos/{repo}/git/ref/{_ref(base)}").json()["object"]["sha"]
    base_tree = github.call("GET", f"/repos/{repo}/git/commits/{base_sha}").json()["tree"]["sha"]
    entries = [
        {"path": path, "mode": "100644", "type": "blob"}
        | ({"content": text} if text is not None else {"sha": None})
        for path, text in sorted(files.items())
    ]
    tree = github.call(
        "POST", f"/repos/{repo}/git/trees", {"base_tree": base_tree, "tree": entries}
    ).json()["sha"]
    existing = github.call("GET", f"/repos/{repo}/git/ref/{_ref(branch)}", expect=(404,))
    if existing.status_code == 200:
        head = existing.json()["object"]["sha"]
        head_tree = github.call("GET", f"/repos/{repo}/git/commits/{head}").json()["tree"]["sha"]
        if head_tree == tree:
            return BranchUpdate(branch, head, "unchanged")
    made = github.call(
        "POST",
        f"/repos/{repo}/git/commits",
        {"message": message, "tree": tree, "parents": [base_sha]},
    ).json()["sha"]
    if existing.status_code == 200:
        github.call("PATCH", f"/repos/{repo}/git/refs/{_ref(branch)}", {"sha": made, "force": True})
        return BranchUpdate(branch, made, "updated")
    github.call("POST", f"/repos/{repo}/git/refs", {"ref": f"refs/heads/{branch}", "sha": made})
    return BranchUpdate(branch, made, "created")


def default_branch(github: GitHub, repo: str) -> str:
    return str(github.call("GET", f"/repos/{repo}").json()["default_branch"])
