"""The dedup-free publish: PromptLayer keeps every publish as a new version, so after an
ambiguous failure the client re-reads and compares before it sends the publish again.
Against a scripted registry (httpx.MockTransport) that fails exactly where a test says."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

import httpx
import pytest

from promptsync.backends.http import BackendError, HttpSession
from promptsync.backends.promptlayer.client import PromptLayerBackend
from promptsync.kinds.prompts.changes import CreateVersion, VersionContent
from promptsync.kinds.prompts.identity import content_hash, content_of
from promptsync.repo.credentials import ApiKey

KEY = "pl-RETRY-MARKER"
PUBLISH = "POST /rest/prompt-templates"
READ_PATH = "/prompt-templates/greet"  # by name; by id (7) works too
READ = f"GET {READ_PATH}"


def op(text: str = "Hi {name}") -> CreateVersion:
    content = VersionContent.model_validate(
        {
            "messages": [{"role": "user", "content": text}],
            "provider": "openai",
            "model": "gpt-4o",
            "template_format": "f-string",
            "version_description": "promptsync: prompts/greet.yaml @ 1a2b3c4",
        }
    )
    return CreateVersion(
        name="greet",
        environments=["prod"],
        content=content,
        hash=content_hash(content_of(content)),
        file="prompts/greet.yaml",
    )


@dataclass
class Registry:
    """Versions of one template, kept as a publish stores them; `faults` decide per request:
    ("before", status) answers without storing, ("after", status) stores then answers,
    ("timeout", None) stores then times out, ("connect", None) never reaches the server."""

    versions: list[dict[str, Any]] = field(default_factory=list)
    faults: list[tuple[str, str, int | None]] = field(default_factory=list)  # (route, kind, status)
    log: list[str] = field(default_factory=list)
    interlopers: int = 0  # others publish this many versions right after the first, unanswered

    def _fault(self, route: str) -> tuple[str, int | None] | None:
        for i, (where, kind, status) in enumerate(self.faults):
            if where == route:
                del self.faults[i]
                return kind, status
        return None

    def publish(self, body: dict[str, Any], by: str = "promptsync") -> dict[str, Any]:
        version = {
            "id": 7,
            "prompt_name": body["prompt_template"]["prompt_name"],
            **body["prompt_version"],
            "version": len(self.versions) + 1,
        }
        self.versions.append(version)
        return {**version, "version_number": version["version"], "prompt_version_id": 100}

    def handler(self, request: httpx.Request) -> httpx.Response:
        route = f"{request.method} {request.url.path}"
        self.log.append(route)
        fault = self._fault(route)
        if fault and fault[0] == "connect":
            raise httpx.ConnectError("refused", request=request)
        if fault and fault[0] == "before":
            return httpx.Response(fault[1] or 500, json={"message": "injected"})
        if request.method == "POST" and request.url.path == "/rest/prompt-templates":
            answer = self.publish(json.loads(request.content))
            if self.interlopers and len(self.versions) == 1:
                for _ in range(self.interlopers):  # the same content, from another client
                    other = json.loads(request.content)
                    other["prompt_version"]["commit_message"] = "from the UI"
                    del other["prompt_version"]["metadata"]["promptsync_publish"]
                    self.publish(other)
                return httpx.Response(500, json={"message": "lost"})
        elif request.method == "GET" and request.url.path in (READ_PATH, "/prompt-templates/7"):
            if not self.versions:
                return httpx.Response(404, json={"success": False, "message": "not found"})
            number = request.url.params.get("version")
            found = self.versions[int(number) - 1] if number else self.versions[-1]
            answer = {"success": True, **found, "workspace_id": 1, "snippets": []}
        else:
            return httpx.Response(404, json={"detail": "Not Found"})
        if fault and fault[0] == "timeout":
            raise httpx.ReadTimeout("timed out", request=request)
        if fault and fault[0] == "after":
            return httpx.Response(fault[1] or 500, json={"message": "injected after commit"})
        return httpx.Response(200, json=answer)


def backend(registry: Registry, sleeps: list[float]) -> PromptLayerBackend:
    session = HttpSession(
        "https://pl.test",
        {"X-API-KEY": KEY},
        retry_delay=1.0,
        sleep=sleeps.append,
        transport=httpx.MockTransport(registry.handler),
    )
    return PromptLayerBackend("https://pl.test", ApiKey(KEY), session=session)


@pytest.mark.parametrize(("kind", "status"), [("after", 500), ("after", 503), ("timeout", None)])
def test_a_committed_publish_is_found_not_repeated(kind: str, status: int | None) -> None:
    registry = Registry(faults=[(PUBLISH, kind, status)])
    sleeps: list[float] = []
    created = backend(registry, sleeps).create_version(op())
    assert len(registry.versions) == 1
    assert registry.log == [PUBLISH, READ]
    assert (created.version_id, created.hash) == ("7:v1", op().hash)
    assert sleeps == []


def test_an_uncommitted_publish_is_sent_again_after_checking() -> None:
    registry = Registry(faults=[(PUBLISH, "before", 500), (PUBLISH, "before", 502)])
    sleeps: list[float] = []
    created = backend(registry, sleeps).create_version(op())
    assert registry.log == [PUBLISH, READ, PUBLISH, READ, PUBLISH]
    assert len(registry.versions) == 1
    assert created.number == 1
    assert sleeps == [1.0, 2.0]


def test_a_refused_connection_or_429_is_retried_without_reading() -> None:
    registry = Registry(faults=[(PUBLISH, "connect", None), (PUBLISH, "before", 429)])
    sleeps: list[float] = []
    backend(registry, sleeps).create_version(op())
    assert registry.log == [PUBLISH, PUBLISH, PUBLISH]  # nothing could have been written
    assert len(registry.versions) == 1


def test_an_older_identical_version_is_found_behind_a_newer_one() -> None:
    """Committed, unanswered, and someone published another version right after it."""
    registry = Registry(interlopers=1)
    created = backend(registry, []).create_version(op())
    assert len(registry.versions) == 2  # ours and the other one: no third
    assert created.number == 1
    assert created.version_description != "from the UI"  # its own, found by its marker
    assert registry.log == [PUBLISH, READ, "GET /prompt-templates/7"]


def test_its_own_version_is_found_however_many_others_published_meanwhile() -> None:
    """Before: only the newest 5 versions were re-read, and a busy publisher pushed its own
    version out of sight (PromptLayer's v1382 and v1408 were identical)."""
    registry = Registry(interlopers=40)
    made = backend(registry, [])
    created = made.create_version(op())
    assert len(registry.versions) == 41  # its one version and the others': nothing again
    assert created.number == 1
    assert [v["metadata"].get("promptsync_publish") is not None for v in registry.versions] == [
        True,
        *[False] * 40,
    ]
    assert made.duplicates == []


def test_a_failed_check_is_reported_not_guessed() -> None:
    faults: list[tuple[str, str, int | None]] = [(PUBLISH, "after", 500)]
    registry = Registry(faults=faults + [(READ, "before", 500)] * 7)
    sleeps: list[float] = []
    with pytest.raises(BackendError) as info:
        backend(registry, sleeps).create_version(op())
    message = str(info.value)
    assert message.startswith("POST /rest/prompt-templates: 500 injected after commit; whether")
    assert "run apply again: it re-reads before it publishes" in message
    assert "\n" not in message
    assert KEY not in message
    assert len(registry.versions) == 1
    assert registry.log.count(PUBLISH) == 1


def test_a_rejected_publish_is_not_retried_and_reads_on_one_line() -> None:
    def reject(request: httpx.Request) -> httpx.Response:
        detail = [
            {
                "type": "string_too_long",
                "loc": ["body", "prompt_version", "commit_message"],
                "msg": "String should have at most 72 characters",
                "input": "x" * 80,
            }
        ]
        return httpx.Response(422, json={"detail": detail})

    session = HttpSession(
        "https://pl.test", {"X-API-KEY": KEY}, transport=httpx.MockTransport(reject)
    )
    client = PromptLayerBackend("https://pl.test", ApiKey(KEY), session=session)
    with pytest.raises(BackendError) as info:
        client.create_version(op())
    assert str(info.value) == (
        "POST /rest/prompt-templates: 422 body.prompt_version.commit_message: String should"
        " have at most 72 characters"
    )
    assert client.requests == 1


def test_every_attempt_failing_before_the_write_gives_up_with_one_line() -> None:
    registry = Registry(faults=[(PUBLISH, "before", 500)] * 4)
    sleeps: list[float] = []
    with pytest.raises(BackendError) as info:
        backend(registry, sleeps).create_version(op())
    assert str(info.value) == "POST /rest/prompt-templates: 500 injected (after 4 attempts)"
    assert registry.versions == []
    assert registry.log == [PUBLISH, READ] * 4


def test_a_duplicate_that_still_happens_is_reported() -> None:
    """The re-read after an unanswered publish does not see it yet (a lagging read): the
    publish is sent again, and the two versions it made are named in the apply report."""
    registry = Registry(faults=[(PUBLISH, "after", 500), (READ, "before", 404)])
    made = backend(registry, [])
    created = made.create_version(op())
    assert len(registry.versions) == 2
    assert created.number == 2
    assert made.duplicates == [
        "greet: version 1 and version 2 were both made by one publish (the first was committed"
        " though unanswered); both hold the file's content"
    ]
