"""The contents API: read a file or folder at a ref, create, update or delete one file on a branch
(each write is one commit)."""

from __future__ import annotations

from starlette.responses import Response

from tests.fakegithub import shapes
from tests.fakegithub.objects import Entry
from tests.fakegithub.routes_git import REPO, decode, person_field
from tests.fakegithub.wire import ApiError, Call, Endpoint, ok

PATH = REPO + "/contents/{path:path}"


def _at(call: Call, ref: str) -> dict[str, Entry]:
    sha = call.repo.resolve(ref)
    if sha is None:
        raise ApiError(404, f"No commit found for the ref {ref}")
    return call.repo.tree_at(sha)


def get_contents(call: Call) -> Response:
    path = call.params.get("path", "").strip("/")
    ref = call.query.get("ref") or call.repo.default_branch
    flat = _at(call, ref)
    if path in flat:
        return ok(shapes.content(call.state, call.repo, ref, path, flat[path], full=True))
    inside = {p: e for p, e in flat.items() if not path or p.startswith(path + "/")}
    if not inside:
        raise ApiError(404, "Not Found")
    sha = call.repo.objects.add_tree({p.removeprefix(path + "/"): e for p, e in inside.items()})
    listed = [
        shapes.content(call.state, call.repo, ref, f"{path}/{p}".strip("/"), e, full=False)
        for p, e in call.repo.objects.listing(sha, recursive=False)
    ]
    return ok(listed)


def _write(call: Call, content: bytes | None, created: bool) -> Response:
    """Check the branch and the sha the client holds, then commit one file's change."""
    path = call.params["path"].strip("/")
    message = call.required("message", str)
    branch = call.field("branch", str) or call.repo.default_branch
    head = call.repo.head(branch)
    if head is None:
        raise ApiError(404, f"Branch {branch} not found")
    current = call.repo.tree_at(head).get(path)
    given = call.field("sha", str)
    if current is not None and given is None:
        raise ApiError(422, 'Invalid request.\n\n"sha" wasn\'t supplied.')
    if current is None and content is None:
        raise ApiError(404, "Not Found")
    if given is not None and (current is None or given != current.sha):
        raise ApiError(409, f"{path} does not match {given}")
    committer = person_field(call, "committer") or call.state.person(call.token.login)
    author = person_field(call, "author") or committer
    changes = {path: content}
    made = call.state.commit(
        call.repo.full_name, branch, changes, message, author=author, committer=committer
    )
    entry = call.repo.tree_at(made.sha).get(path)
    shown = (
        shapes.content(call.state, call.repo, branch, path, entry, full=False) if entry else None
    )
    body = {"content": shown, "commit": shapes.commit(call.state, call.repo, made)}
    return ok(body, 201 if created else 200)


def put_contents(call: Call) -> Response:
    content = decode(call.required("content", str), "base64")
    branch = call.field("branch", str) or call.repo.default_branch
    head = call.repo.head(branch)
    path = call.params["path"].strip("/")
    exists = head is not None and path in call.repo.tree_at(head)
    return _write(call, content, created=not exists)


def delete_contents(call: Call) -> Response:
    call.required("sha", str)
    return _write(call, None, created=False)


CONTENTS = ("contents",)
ENDPOINTS = [
    Endpoint("GET", REPO + "/contents", get_contents, CONTENTS),  # the root folder
    Endpoint("GET", PATH, get_contents, CONTENTS),
    Endpoint("PUT", PATH, put_contents, CONTENTS, "write"),
    Endpoint("DELETE", PATH, delete_contents, CONTENTS, "write"),
]
