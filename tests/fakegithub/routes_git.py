"""Git data routes: the repository, refs, commits, blobs and trees (GitHub's "Git database" API),
plus GET /user."""

from __future__ import annotations

import base64
import binascii
from typing import Any

from starlette.responses import Response

from tests.fakegithub import shapes
from tests.fakegithub.objects import MODES, Entry, Person
from tests.fakegithub.state import Repo
from tests.fakegithub.wire import ApiError, Call, Endpoint, ok

REPO = "/repos/{owner}/{repo}"


def get_user(call: Call) -> Response:
    if call.token.installation:  # an Actions GITHUB_TOKEN or app token has no user
        raise ApiError(403, "Resource not accessible by integration")
    return ok(shapes.user(call.state, call.token.login))


def get_repo(call: Call) -> Response:
    return ok(shapes.repository(call.state, call.repo))


def _ref_name(call: Call) -> str:
    return f"refs/{call.params['ref']}"


def get_ref(call: Call) -> Response:
    name = _ref_name(call)
    if name not in call.repo.refs:
        raise ApiError(404, "Not Found")
    return ok(shapes.ref(call.state, call.repo, name))


def matching_refs(call: Call) -> Response:
    prefix = _ref_name(call)
    names = sorted(n for n in call.repo.refs if n.startswith(prefix))
    return ok([shapes.ref(call.state, call.repo, n) for n in names])


def _commit_sha(repo: Repo, sha: str) -> str:
    if sha not in repo.objects.commits:
        raise ApiError(422, "Object does not exist")
    return sha


def create_ref(call: Call) -> Response:
    name = call.required("ref", str)
    sha = _commit_sha(call.repo, call.required("sha", str))
    if not name.startswith("refs/") or name.count("/") < 2 or name.endswith("/"):
        raise ApiError(422, "Reference name is invalid")
    if name in call.repo.refs:
        raise ApiError(422, "Reference already exists")
    call.repo.refs[name] = sha
    shown = shapes.ref(call.state, call.repo, name)
    return ok(shown, 201, {"location": shown["url"]})


def update_ref(call: Call) -> Response:
    name = _ref_name(call)
    sha = call.required("sha", str)
    if name not in call.repo.refs:
        raise ApiError(422, "Reference does not exist")
    _commit_sha(call.repo, sha)
    force = call.field("force", bool, False)
    if not force and not call.repo.objects.is_ancestor(call.repo.refs[name], sha):
        raise ApiError(422, "Update is not a fast forward")
    call.repo.refs[name] = sha
    return ok(shapes.ref(call.state, call.repo, name))


def delete_ref(call: Call) -> Response:
    name = _ref_name(call)
    if call.repo.refs.pop(name, None) is None:
        raise ApiError(422, "Reference does not exist")
    return ok(None, 204)


def get_commit(call: Call) -> Response:
    made = call.repo.objects.commits.get(call.params["sha"])
    if made is None:
        raise ApiError(404, "Not Found")
    return ok(shapes.commit(call.state, call.repo, made))


def person_field(call: Call, name: str) -> Person | None:
    """An `author` or `committer` object of the body: name, email and an optional date."""
    given = call.field(name, dict)
    if given is None:
        return None
    if not isinstance(given.get("name"), str) or not isinstance(given.get("email"), str):
        raise ApiError(422, f'Invalid request.\n\n"name" and "email" are required in "{name}".')
    return Person(given["name"], given["email"], given.get("date") or call.state.now())


def create_commit(call: Call) -> Response:
    message = call.required("message", str)
    tree = call.required("tree", str)
    parents = call.field("parents", list, [])
    if tree not in call.repo.objects.trees:
        raise ApiError(422, "Tree SHA does not exist")
    for parent in parents:
        if parent not in call.repo.objects.commits:
            raise ApiError(422, "Parent SHA does not exist or is not a commit object")
    author = person_field(call, "author") or call.state.person(call.token.login)
    committer = person_field(call, "committer") or author
    made = call.repo.objects.add_commit(tree, tuple(parents), message, author, committer)
    shown = shapes.commit(call.state, call.repo, made)
    return ok(shown, 201, {"location": shown["url"]})


def decode(text: str, encoding: str) -> bytes:
    """Content sent as "utf-8" text or "base64" (newlines allowed, as GitHub sends them)."""
    if encoding == "utf-8":
        return text.encode()
    try:
        return base64.b64decode("".join(text.split()), validate=True)
    except (binascii.Error, ValueError):
        raise ApiError(422, "content is not valid Base64") from None


def create_blob(call: Call) -> Response:
    text = call.required("content", str)
    encoding = call.field("encoding", str, "utf-8")
    if encoding not in ("utf-8", "base64"):
        raise ApiError(422, f"encoding must be utf-8 or base64, not {encoding!r}")
    sha = call.repo.objects.add_blob(decode(text, encoding))
    shown = shapes.blob(call.state, call.repo, sha, with_content=False)
    return ok(shown, 201, {"location": shown["url"]})


def get_blob(call: Call) -> Response:
    if call.params["sha"] not in call.repo.objects.blobs:
        raise ApiError(404, "Not Found")
    return ok(shapes.blob(call.state, call.repo, call.params["sha"], with_content=True))


def _apply_entry(repo: Repo, flat: dict[str, Entry], item: Any) -> None:
    """One entry of POST /git/trees: set a file (by sha or content), graft or remove a subtree."""
    if not isinstance(item, dict) or not isinstance(item.get("path"), str):
        raise ApiError(422, 'Invalid request.\n\n"path" wasn\'t supplied.')
    path, mode, kind = item["path"].strip("/"), item.get("mode"), item.get("type")
    if mode not in MODES or kind not in ("blob", "tree", "commit"):
        raise ApiError(422, f"Invalid tree info: mode {mode!r}, type {kind!r} for {path}")
    if "content" in item and item.get("sha") is not None:
        raise ApiError(422, "Only one of content and sha may be given")
    sha: Any
    if isinstance(item.get("content"), str):
        sha = repo.objects.add_blob(item["content"].encode())
    elif "sha" in item and item["sha"] is None:
        for old in [p for p in flat if p == path or p.startswith(path + "/")]:
            del flat[old]  # a null sha deletes the file (or the whole folder)
        return
    else:
        sha = item.get("sha")
    if kind == "tree":
        if sha not in repo.objects.trees:
            raise ApiError(422, f"tree.sha {sha} is not a valid tree")
        for old in [p for p in flat if p == path or p.startswith(path + "/")]:
            del flat[old]
        flat |= {f"{path}/{p}": e for p, e in repo.objects.trees[sha].items()}
        return
    if kind == "blob" and sha not in repo.objects.blobs:
        raise ApiError(422, f"tree.sha {sha} is not a valid blob")
    flat[path] = Entry(mode, kind, str(sha))


def create_tree(call: Call) -> Response:
    items = call.required("tree", list)
    base = call.field("base_tree", str)
    if base is not None and base not in call.repo.objects.trees:
        raise ApiError(422, "base_tree is not a valid tree oid")
    flat = dict(call.repo.objects.trees[base]) if base else {}
    for item in items:
        _apply_entry(call.repo, flat, item)
    sha = call.repo.objects.add_tree(flat)
    shown = shapes.tree(call.state, call.repo, sha)
    return ok(shown, 201, {"location": shown["url"]})


def get_tree(call: Call) -> Response:
    sha = call.params["sha"]
    resolved = call.repo.resolve(sha)
    if sha not in call.repo.objects.trees and resolved:  # a branch or commit names its tree
        sha = call.repo.objects.commits[resolved].tree
    if sha not in call.repo.objects.trees:
        raise ApiError(404, "Not Found")
    recursive = call.query.get("recursive", "") not in ("", "0", "false")
    return ok(shapes.tree(call.state, call.repo, sha, recursive))


CONTENTS = ("contents",)
ENDPOINTS = [
    Endpoint("GET", "/user", get_user),
    Endpoint("GET", REPO, get_repo),
    Endpoint("GET", REPO + "/git/ref/{ref:path}", get_ref, CONTENTS),
    Endpoint("GET", REPO + "/git/matching-refs/{ref:path}", matching_refs, CONTENTS),
    Endpoint("POST", REPO + "/git/refs", create_ref, CONTENTS, "write"),
    Endpoint("PATCH", REPO + "/git/refs/{ref:path}", update_ref, CONTENTS, "write"),
    Endpoint("DELETE", REPO + "/git/refs/{ref:path}", delete_ref, CONTENTS, "write"),
    Endpoint("GET", REPO + "/git/commits/{sha}", get_commit, CONTENTS),
    Endpoint("POST", REPO + "/git/commits", create_commit, CONTENTS, "write"),
    Endpoint("GET", REPO + "/git/blobs/{sha}", get_blob, CONTENTS),
    Endpoint("POST", REPO + "/git/blobs", create_blob, CONTENTS, "write"),
    Endpoint("GET", REPO + "/git/trees/{sha}", get_tree, CONTENTS),
    Endpoint("POST", REPO + "/git/trees", create_tree, CONTENTS, "write"),
]
