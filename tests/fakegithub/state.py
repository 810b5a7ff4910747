"""The fake's in-memory state, and the helpers tests use to seed and inspect it.

Everything a request changes goes through here under `lock` (the server runs in another thread).
"""

from __future__ import annotations

import itertools
import re
import threading
import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime

from tests.fakegithub.objects import Commit, Entry, ObjectStore, Person
from tests.fakegithub.records import (
    BOT_EMAIL,
    BOT_LOGIN,
    RATE_LIMIT,
    WRITE_ALL,
    Comment,
    Deployment,
    Failure,
    PullRequest,
    RecordedRequest,
    Token,
    rate_limited,
)

SHA = re.compile(r"[0-9a-f]{7,40}")
EPOCH = 1_704_067_200  # 2024-01-01T00:00:00Z: timestamps (and so commit SHAs) are reproducible

FileChanges = Mapping[str, str | bytes | None]  # path → new content, or None to delete


@dataclass
class Repo:
    full_name: str
    id: int
    default_branch: str
    objects: ObjectStore = field(default_factory=ObjectStore)
    refs: dict[str, str] = field(default_factory=dict)  # "refs/heads/main" → commit SHA
    pulls: dict[int, PullRequest] = field(default_factory=dict)
    issues: set[int] = field(default_factory=set)  # plain issues; pull requests are issues too
    comments: list[Comment] = field(default_factory=list)
    deployments: list[Deployment] = field(default_factory=list)

    @property
    def owner(self) -> str:
        return self.full_name.split("/")[0]

    def head(self, branch: str) -> str | None:
        return self.refs.get(f"refs/heads/{branch}")

    def resolve(self, ref: str) -> str | None:
        """A commit SHA for a branch, tag, `heads/x`, `refs/heads/x` or (abbreviated) SHA."""
        for name in (ref, f"refs/{ref}", f"refs/heads/{ref}", f"refs/tags/{ref}"):
            if name.startswith("refs/") and name in self.refs:
                return self.refs[name]
        if SHA.fullmatch(ref):
            found = [sha for sha in self.objects.commits if sha.startswith(ref)]
            if len(found) == 1:
                return found[0]
        return None

    def tree_at(self, commit: str) -> dict[str, Entry]:
        return self.objects.trees[self.objects.commits[commit].tree]

    def next_number(self) -> int:
        return max([0, *self.pulls, *self.issues]) + 1


class FakeGitHub:
    """Repositories, tokens and knobs of one fake GitHub. `api_url` is set once it serves."""

    def __init__(self) -> None:
        self.lock = threading.RLock()
        self.api_url = ""
        self.repos: dict[str, Repo] = {}
        self.tokens: dict[str, Token] = {}
        self.requests: list[RecordedRequest] = []
        self.failures: list[Failure] = []
        self.rate_used = 0
        self.rate_reset = int(time.time()) + 3600
        self._ids = itertools.count(1)
        self._clock = itertools.count(EPOCH)
        self._user_ids: dict[str, int] = {}

    # --- clocks and ids ------------------------------------------------------------------------

    def now(self) -> str:
        """The next timestamp: one second after the last one handed out."""
        return datetime.fromtimestamp(next(self._clock), UTC).strftime("%Y-%m-%dT%H:%M:%SZ")

    def new_id(self) -> int:
        return next(self._ids)

    def user_id(self, login: str) -> int:
        return self._user_ids.setdefault(login, 41898282 + len(self._user_ids))

    def person(self, login: str = BOT_LOGIN) -> Person:
        """`login` as git author or committer, with GitHub's noreply address."""
        email = BOT_EMAIL if login == BOT_LOGIN else f"{login}@users.noreply.github.com"
        return Person(login, email, self.now())

    # --- seeding -------------------------------------------------------------------------------

    def add_token(
        self,
        token: str,
        permissions: Mapping[str, str] | None = None,
        *,
        login: str = BOT_LOGIN,
        installation: bool = True,
    ) -> Token:
        """Accept `token` with these permissions (default: write on everything the fake checks)."""
        with self.lock:
            granted = Token(
                dict(WRITE_ALL if permissions is None else permissions), login, installation
            )
            self.tokens[token] = granted
            return granted

    def add_repo(
        self, full_name: str, *, default_branch: str = "main", files: FileChanges | None = None
    ) -> Repo:
        """A repository whose default branch holds one commit with `files`."""
        with self.lock:
            repo = Repo(full_name, self.new_id(), default_branch)
            self.repos[full_name] = repo
            self.commit(full_name, default_branch, files or {}, "Initial commit")
            return repo

    def commit(
        self,
        full_name: str,
        branch: str,
        changes: FileChanges,
        message: str = "Update files",
        *,
        start: str | None = None,
        author: Person | None = None,
        committer: Person | None = None,
    ) -> Commit:
        """Commit `changes` on top of `branch` (created from `start`, default the default
        branch's head, when missing) and move the branch. Returns the new commit."""
        with self.lock:
            repo = self.repo(full_name)
            parent = repo.head(branch)
            if parent is None and repo.refs:
                parent = repo.resolve(start or repo.default_branch)
                if parent is None:
                    raise KeyError(f"{full_name}: no ref {start!r}")
            flat = dict(repo.tree_at(parent)) if parent else {}
            for path, content in changes.items():
                if content is None:
                    flat.pop(path, None)
                else:
                    data = content.encode() if isinstance(content, str) else content
                    flat[path] = Entry("100644", "blob", repo.objects.add_blob(data))
            tree = repo.objects.add_tree(flat)
            committer = committer or self.person()
            parents = (parent,) if parent else ()
            made = repo.objects.add_commit(tree, parents, message, author or committer, committer)
            repo.refs[f"refs/heads/{branch}"] = made.sha
            return made

    def add_branch(self, full_name: str, branch: str, start: str | None = None) -> str:
        """Create `branch` at `start` (default: the default branch's head); returns its SHA."""
        with self.lock:
            repo = self.repo(full_name)
            sha = repo.resolve(start or repo.default_branch)
            if sha is None:
                raise KeyError(f"{full_name}: no ref {start!r}")
            repo.refs[f"refs/heads/{branch}"] = sha
            return sha

    def add_pull(
        self,
        full_name: str,
        head: str,
        base: str | None = None,
        *,
        title: str = "A pull request",
        body: str | None = None,
        number: int | None = None,
        user: str = "octocat",
        draft: bool = False,
    ) -> PullRequest:
        """An open pull request from `head` (created from base when missing) into `base`."""
        with self.lock:
            repo = self.repo(full_name)
            base = base or repo.default_branch
            if repo.head(head) is None:
                self.add_branch(full_name, head, base)
            number = number or repo.next_number()
            stamp = self.now()
            pull = PullRequest(
                number, self.new_id(), title, body, head, base, user, draft, stamp, stamp
            )
            repo.pulls[number] = pull
            return pull

    def add_issue(self, full_name: str, number: int | None = None) -> int:
        with self.lock:
            repo = self.repo(full_name)
            number = number or repo.next_number()
            repo.issues.add(number)
            return number

    def add_comment(self, full_name: str, number: int, body: str, login: str) -> Comment:
        """A comment on issue or pull request `number` (which must exist), written by `login`."""
        with self.lock:
            repo = self.repo(full_name)
            if number not in repo.pulls and number not in repo.issues:
                raise KeyError(f"{full_name}: no issue or pull request #{number}")
            stamp = self.now()
            comment = Comment(self.new_id(), number, body, login, stamp, stamp)
            repo.comments.append(comment)
            return comment

    # --- knobs ---------------------------------------------------------------------------------

    def rate_limit(
        self,
        count: int = 1,
        *,
        secondary: bool = False,
        status: int = 403,
        retry_after: int | None = None,
        reset_in: int = 60,
        match: str | None = None,
    ) -> None:
        """Answer the next `count` requests (those whose "METHOD /path" contains `match`) as
        GitHub does past a primary rate limit (x-ratelimit-remaining: 0 and x-ratelimit-reset,
        plus retry-after if given) or a secondary one (retry-after, default 60). GitHub uses
        403 or 429 for both."""
        with self.lock:
            for _ in range(count):
                self.failures.append(
                    rate_limited(
                        secondary=secondary,
                        status=status,
                        retry_after=retry_after,
                        reset_in=reset_in,
                        used=self.rate_used,
                        match=match,
                    )
                )

    def fail(
        self, count: int = 1, *, status: int = 502, message: str = "Server Error", match: str = ""
    ) -> None:
        """Answer the next `count` requests (matching `match`, as in rate_limit) with `status`."""
        with self.lock:
            for _ in range(count):
                self.failures.append(Failure(status, {"message": message}, {}, match or None))

    def rate_headers(self) -> dict[str, str]:
        return {
            "x-ratelimit-limit": str(RATE_LIMIT),
            "x-ratelimit-remaining": str(max(RATE_LIMIT - self.rate_used, 0)),
            "x-ratelimit-used": str(self.rate_used),
            "x-ratelimit-reset": str(self.rate_reset),
            "x-ratelimit-resource": "core",
        }

    # --- inspection ----------------------------------------------------------------------------

    def repo(self, full_name: str) -> Repo:
        try:
            return self.repos[full_name]
        except KeyError:
            raise KeyError(f"no repository {full_name!r} (add_repo first)") from None

    def branches(self, full_name: str) -> dict[str, str]:
        """Branch name → head SHA."""
        with self.lock:
            refs = self.repo(full_name).refs
            return {r.removeprefix("refs/heads/"): s for r, s in refs.items() if "/heads/" in r}

    def files(self, full_name: str, ref: str | None = None) -> dict[str, str]:
        """Every file at `ref` (default: the default branch), decoded as UTF-8."""
        with self.lock:
            repo = self.repo(full_name)
            sha = repo.resolve(ref or repo.default_branch)
            if sha is None:
                raise KeyError(f"{full_name}: no ref {ref!r}")
            return {
                path: repo.objects.blobs[entry.sha].decode()
                for path, entry in repo.tree_at(sha).items()
                if entry.type == "blob"
            }

    def history(self, full_name: str, ref: str) -> list[Commit]:
        """The commits reachable from `ref` through first parents, newest first."""
        with self.lock:
            repo = self.repo(full_name)
            sha, commits = repo.resolve(ref), []
            while sha:
                commits.append(repo.objects.commits[sha])
                sha = commits[-1].parents[0] if commits[-1].parents else None
            return commits

    def pulls(self, full_name: str, state: str = "all") -> list[PullRequest]:
        with self.lock:
            found = self.repo(full_name).pulls.values()
            return [p for p in found if state in ("all", p.state)]

    def comments(self, full_name: str, number: int) -> list[Comment]:
        with self.lock:
            return [c for c in self.repo(full_name).comments if c.number == number]

    def deployments(self, full_name: str, environment: str | None = None) -> list[Deployment]:
        with self.lock:
            found = self.repo(full_name).deployments
            return [d for d in found if environment in (None, d.environment)]

    def calls(self, method: str | None = None) -> list[tuple[str, str, int]]:
        """(method, path, status) of every request so far, paths relative to the API root."""
        with self.lock:
            return [r[:3] for r in self.requests if method in (None, r.method)]
