"""The HTTP side every route shares: authentication, permissions, queued failures (rate limits),
the request record, pagination, and the ASGI app that puts the route tables together."""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from tests.fakegithub.records import DOCS, RecordedRequest, Token
from tests.fakegithub.state import FakeGitHub, Repo

ALL_METHODS = ["GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"]


class ApiError(Exception):
    """An error answer: GitHub's `{"message", "documentation_url", "status"}` (+ `errors`)."""

    def __init__(self, status: int, message: str, errors: list[dict[str, Any]] | None = None):
        super().__init__(message)
        self.status = status
        self.message = message
        self.errors = errors

    def response(self) -> Response:
        body: dict[str, Any] = {"message": self.message}
        if self.errors is not None:
            body["errors"] = self.errors
        body |= {"documentation_url": DOCS, "status": str(self.status)}
        return JSONResponse(body, self.status)


def invalid(resource: str, field: str, code: str = "invalid", **extra: str) -> ApiError:
    """422 Validation Failed, naming the field, as GitHub answers a bad request body."""
    error = {"resource": resource, "field": field, "code": code, **extra}
    return ApiError(422, "Validation Failed", [error])


@dataclass
class Call:
    """One authenticated request, handed to a route handler under the state's lock."""

    state: FakeGitHub
    token: Token
    path: str  # relative to the API root
    params: dict[str, Any]
    query: Mapping[str, str]
    body: Any
    _repo: Repo | None = None

    @property
    def repo(self) -> Repo:
        assert self._repo is not None, "route without {owner}/{repo}"
        return self._repo

    def field(self, name: str, kind: type | tuple[type, ...], default: Any = None) -> Any:
        """A body field, checked against `kind` (None when absent and no default)."""
        body = self.body if isinstance(self.body, dict) else {}
        value = body.get(name, default)
        if value is not None and not isinstance(value, kind):
            raise ApiError(422, f'Invalid request.\n\nFor "{name}", {value!r} is not valid.')
        return value

    def required(self, name: str, kind: type | tuple[type, ...]) -> Any:
        value = self.field(name, kind)
        if value is None:
            raise ApiError(422, f'Invalid request.\n\n"{name}" wasn\'t supplied.')
        return value


Handler = Callable[[Call], Response]


@dataclass(frozen=True)
class Endpoint:
    """A route: who may call it is any of `scopes` at `level` (no scopes: any valid token)."""

    method: str
    path: str  # Starlette syntax, relative to the API root
    handler: Handler
    scopes: tuple[str, ...] = ()
    level: str = "read"


def ok(data: Any, status: int = 200, headers: Mapping[str, str] | None = None) -> Response:
    if status == 204:
        return Response(status_code=204, headers=headers)
    return JSONResponse(data, status, headers=headers)


def paginate(call: Call, items: Sequence[Any]) -> Response:
    """A page of `items` with GitHub's Link header (per_page ≤ 100, default 30)."""
    try:
        per_page = min(max(int(call.query.get("per_page", "30")), 1), 100)
        page = max(int(call.query.get("page", "1")), 1)
    except ValueError:
        raise ApiError(422, "Invalid pagination parameter") from None
    last = max((len(items) + per_page - 1) // per_page, 1)

    def link(number: int, rel: str) -> str:
        query = {**call.query, "per_page": str(per_page), "page": str(number)}
        return f'<{call.state.api_url}{call.path}?{urlencode(query)}>; rel="{rel}"'

    links = []
    if page > 1:
        links += [link(page - 1, "prev"), link(1, "first")]
    if page < last:
        links += [link(page + 1, "next"), link(last, "last")]
    headers = {"link": ", ".join(links)} if links else {}
    return ok(list(items[(page - 1) * per_page : page * per_page]), headers=headers)


def _token(header: str) -> str | None:
    scheme, _, value = header.strip().partition(" ")
    if scheme.lower() in ("bearer", "token") and value.strip():
        return value.strip()
    return None


def _answer(
    state: FakeGitHub, endpoint: Endpoint | None, request: Request, path: str, body: Any
) -> Response:
    """Everything between reading a request and its answer, in GitHub's order: credentials,
    rate limits, the repository, permissions, then the route itself. Called under the lock."""
    header = request.headers.get("authorization")
    token = state.tokens.get(_token(header) or "") if header else None
    if token is None:
        return ApiError(401, "Bad credentials" if header else "Requires authentication").response()
    state.rate_used += 1
    where = f"{request.method} {path}"
    for failure in state.failures:
        if failure.match is None or failure.match in where:
            state.failures.remove(failure)
            return JSONResponse(failure.body, failure.status, headers=failure.headers)
    if endpoint is None:
        return ApiError(404, "Not Found").response()
    params = dict(request.path_params)
    repo = None
    if "owner" in params:
        repo = state.repos.get(f"{params['owner']}/{params['repo']}")
        if repo is None:
            return ApiError(404, "Not Found").response()
    if not token.allows(endpoint.scopes, endpoint.level):
        kind = "integration" if token.installation else "personal access token"
        return ApiError(403, f"Resource not accessible by {kind}").response()
    call = Call(state, token, path, params, request.query_params, body, repo)
    try:
        return endpoint.handler(call)
    except ApiError as exc:
        return exc.response()
    except Exception as exc:  # a bug in the fake: answer (and record) it rather than hang up
        return ApiError(500, f"fake GitHub: {type(exc).__name__}: {exc}").response()


def build_app(state: FakeGitHub, endpoints: Sequence[Endpoint], prefix: str) -> Starlette:
    """The ASGI app: `endpoints` under `prefix` ("" as on api.github.com, "/api/v3" as on
    GitHub Enterprise), and 404 `{"message": "Not Found"}` for everything else."""

    def serve(endpoint: Endpoint | None) -> Callable[[Request], Any]:
        async def run(request: Request) -> Response:
            raw = await request.body()
            path = request.url.path.removeprefix(prefix)
            try:
                body = json.loads(raw) if raw.strip() else None
            except ValueError:
                body = None
                response = ApiError(400, "Problems parsing JSON").response()
            else:
                with state.lock:
                    response = _answer(state, endpoint, request, path, body)
            with state.lock:
                for name, value in state.rate_headers().items():
                    response.headers.setdefault(name, value)
                response.headers["x-github-api-version-selected"] = "2022-11-28"
                state.requests.append(
                    RecordedRequest(
                        request.method,
                        path,
                        response.status_code,
                        request.url.query,
                        _token(request.headers.get("authorization", "")),
                        body,
                    )
                )
            return response

        return run

    routes = [
        Route(prefix + e.path, serve(e), methods=[e.method], name=f"{e.method} {e.path}")
        for e in endpoints
    ]
    routes.append(Route("/{rest:path}", serve(None), methods=ALL_METHODS))
    return Starlette(routes=routes)
