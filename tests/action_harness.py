"""Run the composite action's steps the way the GitHub runner does, against fake GitHub REST."""

from __future__ import annotations

import json
import os
import re
import socket
import subprocess
import threading
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import uvicorn
import yaml
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

from tests.conftest import REPO

EXPRESSION = re.compile(r"\$\{\{\s*(.*?)\s*\}\}")
BOT = "github-actions[bot]"


# --- fake GitHub -------------------------------------------------------------------------------


@dataclass
class FakeGitHub:
    """Issue comments of one repository. `read_only` tokens may read but not write."""

    comments: dict[int, list[dict[str, Any]]] = field(default_factory=dict)
    read_only: set[str] = field(default_factory=set)
    next_id: int = 1
    requests: list[tuple[str, str]] = field(default_factory=list)
    url: str = ""

    def seed(self, number: int, body: str, login: str) -> None:
        self.comments.setdefault(number, []).append(
            {"id": self.next_id, "body": body, "user": {"login": login}}
        )
        self.next_id += 1

    def app(self) -> Starlette:
        def token(request: Request) -> str:
            return request.headers.get("authorization", "").removeprefix("Bearer ")

        async def user(request: Request) -> JSONResponse:
            # The Actions GITHUB_TOKEN cannot read /user.
            return JSONResponse({"message": "Resource not accessible by integration"}, 403)

        async def comments(request: Request) -> JSONResponse:
            number = int(request.path_params["number"])
            self.requests.append((request.method, request.url.path))
            if request.method == "POST":
                if token(request) in self.read_only:
                    return JSONResponse({"message": "Resource not accessible by integration"}, 403)
                body = (await request.json())["body"]
                self.seed(number, body, BOT)
                return JSONResponse(self.comments[number][-1], 201)
            page = int(request.query_params.get("page", "1"))
            per_page = int(request.query_params.get("per_page", "30"))
            items = self.comments.get(number, [])
            chunk = items[(page - 1) * per_page : page * per_page]
            headers = {}
            if page * per_page < len(items):
                nxt = f"{self.url}/repos/{request.path_params['repo']}/issues/{number}/comments"
                headers["Link"] = f'<{nxt}?per_page={per_page}&page={page + 1}>; rel="next"'
            return JSONResponse(chunk, headers=headers)

        async def edit(request: Request) -> JSONResponse:
            self.requests.append((request.method, request.url.path))
            if token(request) in self.read_only:
                return JSONResponse({"message": "Resource not accessible by integration"}, 403)
            wanted = int(request.path_params["id"])
            for items in self.comments.values():
                for comment in items:
                    if comment["id"] == wanted:
                        comment["body"] = (await request.json())["body"]
                        return JSONResponse(comment)
            return JSONResponse({"message": "Not Found"}, 404)

        return Starlette(
            routes=[
                Route("/api/v3/user", user),
                Route(
                    "/api/v3/repos/{repo:path}/issues/{number:int}/comments",
                    comments,
                    methods=["GET", "POST"],
                ),
                Route(
                    "/api/v3/repos/{repo:path}/issues/comments/{id:int}", edit, methods=["PATCH"]
                ),
            ]
        )

    def bot_comments(self, number: int) -> list[dict[str, Any]]:
        return [c for c in self.comments.get(number, []) if c["user"]["login"] == BOT]


@contextmanager
def fake_github() -> Iterator[FakeGitHub]:
    fake = FakeGitHub()
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM, socket.IPPROTO_TCP)
    sock.bind(("127.0.0.1", 0))
    fake.url = f"http://127.0.0.1:{sock.getsockname()[1]}/api/v3"
    server = uvicorn.Server(uvicorn.Config(fake.app(), log_level="warning", lifespan="off"))
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    while not server.started:
        threading.Event().wait(0.02)
    try:
        yield fake
    finally:
        server.should_exit = True
        thread.join(timeout=30)


# --- the runner --------------------------------------------------------------------------------


@dataclass
class ActionRun:
    exit_code: int
    outputs: dict[str, str]
    summary: str
    log: str
    masks: list[str]


def parse_output_file(text: str) -> dict[str, str]:
    """GITHUB_OUTPUT as the runner reads it: `name=value` or `name<<DELIM ... DELIM`."""
    outputs: dict[str, str] = {}
    lines = text.split("\n")
    i = 0
    while i < len(lines):
        line = lines[i]
        if "<<" in line and ("=" not in line or line.index("<<") < line.index("=")):
            name, delimiter = line.split("<<", 1)
            end = lines.index(delimiter, i + 1)
            outputs[name] = "\n".join(lines[i + 1 : end])
            i = end + 1
            continue
        if "=" in line:
            name, value = line.split("=", 1)
            outputs[name] = value
        i += 1
    return outputs


# How this machine reaches its package index (certificates, proxies, pip's and uv's settings), and
# its package caches: a runner's install step finds the same (`XDG_CACHE_HOME` holds pip's and
# uv's caches, which HOME=workspace would hide).
NETWORK = re.compile(r"^(PIP_|UV_|SSL_CERT_|REQUESTS_CA_BUNDLE$|(HTTPS?|NO|ALL)_PROXY$)", re.I)


def machine_env() -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if NETWORK.match(k)}
    env["XDG_CACHE_HOME"] = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return env


PINNED = re.compile(r"^[\w.-]+/[\w./-]+@[0-9a-f]{40}$")


def run_action(
    *,
    workspace: Path,
    runner_temp: Path,
    inputs: Mapping[str, str],
    env: Mapping[str, str],
    github: Mapping[str, str],
    action_path: Path = REPO,
    last_step: str | None = None,
) -> ActionRun:
    """Execute action.yml's steps in order, as GitHub's runner does for a composite action.

    Steps that use another action (the cache) are not run: a `runner_temp` shared by several
    runs plays the restored cache. `last_step` (a step's name) stops after that step.
    """
    action = yaml.safe_load((action_path / "action.yml").read_text(encoding="utf-8"))
    context = {"github.action_path": str(action_path), "github.token": github.get("token", "")}
    values = {name: str(spec.get("default", "")) for name, spec in action["inputs"].items()}
    values = {k: EXPRESSION.sub(lambda m: context[m.group(1)], v) for k, v in values.items()}
    values.update(inputs)
    step_outputs: dict[str, dict[str, str]] = {}

    def expand(text: str) -> str:
        def one(match: re.Match[str]) -> str:
            expr = match.group(1)
            if expr.startswith("inputs."):
                return values[expr.removeprefix("inputs.")]
            if expr.startswith("steps."):
                _, step, _, name = expr.split(".", 3)
                return step_outputs.get(step, {}).get(name, "")
            return context[expr]

        return EXPRESSION.sub(one, text)

    summary = runner_temp / "step_summary.md"
    summary.write_text("")
    base_env = {
        **machine_env(),
        "PATH": os.environ["PATH"],
        "HOME": str(workspace),
        "CI": "true",
        "GITHUB_ACTIONS": "true",
        "RUNNER_TEMP": str(runner_temp),
        "GITHUB_WORKSPACE": str(workspace),
        "GITHUB_STEP_SUMMARY": str(summary),
        "GITHUB_ACTION_PATH": str(action_path),
        **{k: v for k, v in github.items() if k != "token"},
        **env,
    }
    log, masks = [], []
    for index, step in enumerate(action["runs"]["steps"]):
        if "uses" in step:
            assert PINNED.match(step["uses"]), f"{step['uses']}: pin actions by commit SHA"
            continue
        assert "${{" not in step["run"], f"step {index}: expressions inside a script"
        output_file = runner_temp / f"output_{index}"
        output_file.write_text("")
        step_env = {
            **base_env,
            "GITHUB_OUTPUT": str(output_file),
            **{k: expand(str(v)) for k, v in step.get("env", {}).items()},
        }
        cwd = workspace / expand(step.get("working-directory", "."))
        proc = subprocess.run(
            ["bash", "--noprofile", "--norc", "-eo", "pipefail", "-c", step["run"]],
            cwd=cwd,
            env=step_env,
            capture_output=True,
            text=True,
            timeout=900,
            check=False,
        )
        for line in proc.stdout.splitlines():
            if line.startswith("::add-mask::"):
                masks.append(line.removeprefix("::add-mask::"))
            else:
                log.append(line)
        log.extend(proc.stderr.splitlines())
        if "id" in step:
            step_outputs[step["id"]] = parse_output_file(output_file.read_text())
        if proc.returncode != 0:
            return ActionRun(proc.returncode, {}, summary.read_text(), "\n".join(log), masks)
        if step["name"] == last_step:
            return ActionRun(0, {}, summary.read_text(), "\n".join(log), masks)
    outputs = {name: expand(spec["value"]) for name, spec in action["outputs"].items()}
    return ActionRun(0, outputs, summary.read_text(), "\n".join(log), masks)


def pull_request_event(path: Path, number: int, *, fork: bool = False) -> dict[str, str]:
    head = "someone/prompts" if fork else "octo/prompts"
    event = {
        "pull_request": {
            "number": number,
            "head": {"repo": {"full_name": head, "fork": fork}},
            "base": {"repo": {"full_name": "octo/prompts", "fork": False}},
        }
    }
    path.write_text(json.dumps(event), encoding="utf-8")
    return {"GITHUB_EVENT_NAME": "pull_request", "GITHUB_EVENT_PATH": str(path)}
