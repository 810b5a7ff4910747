"""Pull requests and issue comments (a pull request's conversation is its issue's comments)."""

from __future__ import annotations

from starlette.responses import Response

from tests.fakegithub import shapes
from tests.fakegithub.records import Comment, PullRequest
from tests.fakegithub.routes_git import REPO
from tests.fakegithub.wire import ApiError, Call, Endpoint, invalid, ok, paginate

BODY_LIMIT = 65_536  # characters, for comment and pull request bodies alike


def _too_long(resource: str) -> ApiError:
    error = {
        "resource": resource,
        "code": "custom",
        "field": "body",
        "message": f"body is too long (maximum is {BODY_LIMIT} characters)",
    }
    return ApiError(422, "Validation Failed", [error])


def _custom(message: str) -> ApiError:
    error = {"resource": "PullRequest", "code": "custom", "message": message}
    return ApiError(422, "Validation Failed", [error])


def _branch(call: Call, value: str) -> str:
    """A head given as `owner:branch` or `branch` (only same-repository heads exist here)."""
    owner, _, branch = value.rpartition(":")
    return branch if owner in ("", call.repo.owner) else f"{owner}:{branch}"


def list_pulls(call: Call) -> Response:
    state = call.query.get("state", "open")
    if state not in ("open", "closed", "all"):
        raise ApiError(422, f"Validation Failed: state {state!r}")
    found = [p for p in call.repo.pulls.values() if state in ("all", p.state)]
    head = call.query.get("head")
    if head and ":" in head:  # GitHub ignores a head filter without the `owner:` part
        owner, _, branch = head.partition(":")
        found = [p for p in found if owner == call.repo.owner and p.head == branch]
    if call.query.get("base"):
        found = [p for p in found if p.base == call.query["base"]]
    ascending = call.query.get("direction") == "asc"
    found.sort(key=lambda p: p.number, reverse=not ascending)
    return paginate(call, [shapes.pull(call.state, call.repo, p) for p in found])


def _open_for(call: Call, head: str, base: str) -> PullRequest | None:
    found = call.repo.pulls.values()
    return next((p for p in found if (p.head, p.base, p.state) == (head, base, "open")), None)


def create_pull(call: Call) -> Response:
    title = call.required("title", str)
    head = _branch(call, call.required("head", str))
    base = call.required("base", str)
    body = call.field("body", str)
    repo = call.repo
    if body is not None and len(body) > BODY_LIMIT:
        raise _too_long("PullRequest")
    for field, branch in (("base", base), ("head", head)):
        if repo.head(branch) is None:
            raise invalid("PullRequest", field)
    if _open_for(call, head, base):
        raise _custom(f"A pull request already exists for {repo.owner}:{head}.")
    if repo.objects.is_ancestor(repo.refs[f"refs/heads/{head}"], repo.refs[f"refs/heads/{base}"]):
        raise _custom(f"No commits between {base} and {head}")
    stamp = call.state.now()
    pull = PullRequest(
        repo.next_number(),
        call.state.new_id(),
        title,
        body,
        head,
        base,
        call.token.login,
        bool(call.field("draft", bool, False)),
        stamp,
        stamp,
    )
    repo.pulls[pull.number] = pull
    shown = shapes.pull(call.state, repo, pull)
    return ok(shown, 201, {"location": shown["url"]})


def _pull(call: Call) -> PullRequest:
    pull = call.repo.pulls.get(int(call.params["number"]))
    if pull is None:
        raise ApiError(404, "Not Found")
    return pull


def get_pull(call: Call) -> Response:
    return ok(shapes.pull(call.state, call.repo, _pull(call)))


def update_pull(call: Call) -> Response:
    pull = _pull(call)
    title, body = call.field("title", str), call.field("body", str)
    state, base = call.field("state", str), call.field("base", str)
    if body is not None and len(body) > BODY_LIMIT:
        raise _too_long("PullRequest")
    if state not in (None, "open", "closed"):
        raise invalid("PullRequest", "state")
    if base is not None and call.repo.head(base) is None:
        raise invalid("PullRequest", "base")
    if state == "open" and pull.state == "closed" and _open_for(call, pull.head, base or pull.base):
        raise _custom(f"A pull request already exists for {call.repo.owner}:{pull.head}.")
    pull.title = title if title is not None else pull.title
    pull.body = body if "body" in (call.body or {}) else pull.body
    pull.base = base or pull.base
    pull.updated_at = call.state.now()
    if state is not None and state != pull.state:
        pull.state = state
        pull.closed_at = pull.updated_at if state == "closed" else None
    return ok(shapes.pull(call.state, call.repo, pull))


def _issue(call: Call) -> int:
    number = int(call.params["number"])
    if number not in call.repo.pulls and number not in call.repo.issues:
        raise ApiError(404, "Not Found")
    return number


def list_comments(call: Call) -> Response:
    number = _issue(call)
    since = call.query.get("since", "")
    found = [c for c in call.repo.comments if c.number == number and c.updated_at >= since]
    return paginate(call, [shapes.comment(call.state, call.repo, c) for c in found])


def _comment_body(call: Call) -> str:
    body = call.required("body", str)
    if len(body) > BODY_LIMIT:
        raise _too_long("IssueComment")
    return str(body)


def create_comment(call: Call) -> Response:
    number = _issue(call)
    body = _comment_body(call)
    stamp = call.state.now()
    note = Comment(call.state.new_id(), number, body, call.token.login, stamp, stamp)
    call.repo.comments.append(note)
    shown = shapes.comment(call.state, call.repo, note)
    return ok(shown, 201, {"location": shown["url"]})


def _comment(call: Call) -> Comment:
    wanted = int(call.params["id"])
    found = next((c for c in call.repo.comments if c.id == wanted), None)
    if found is None:
        raise ApiError(404, "Not Found")
    return found


def get_comment(call: Call) -> Response:
    return ok(shapes.comment(call.state, call.repo, _comment(call)))


def update_comment(call: Call) -> Response:
    note = _comment(call)
    note.body = _comment_body(call)
    note.updated_at = call.state.now()
    return ok(shapes.comment(call.state, call.repo, note))


def delete_comment(call: Call) -> Response:
    call.repo.comments.remove(_comment(call))
    return ok(None, 204)


PULLS = ("pull-requests",)
ISSUES = ("issues", "pull-requests")  # either permission reaches a pull request's comments
ENDPOINTS = [
    Endpoint("GET", REPO + "/pulls", list_pulls, PULLS),
    Endpoint("POST", REPO + "/pulls", create_pull, PULLS, "write"),
    Endpoint("GET", REPO + "/pulls/{number:int}", get_pull, PULLS),
    Endpoint("PATCH", REPO + "/pulls/{number:int}", update_pull, PULLS, "write"),
    Endpoint("GET", REPO + "/issues/{number:int}/comments", list_comments, ISSUES),
    Endpoint("POST", REPO + "/issues/{number:int}/comments", create_comment, ISSUES, "write"),
    Endpoint("GET", REPO + "/issues/comments/{id:int}", get_comment, ISSUES),
    Endpoint("PATCH", REPO + "/issues/comments/{id:int}", update_comment, ISSUES, "write"),
    Endpoint("DELETE", REPO + "/issues/comments/{id:int}", delete_comment, ISSUES, "write"),
]
