"""Bad replies from a PromptLayer server: one line naming the request, exit 1, no traceback."""

from __future__ import annotations

import http.server
import json
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any, ClassVar

import pytest

from tests.conftest import RunCli

EMPTY_LIST = {
    "items": [],
    "page": 1,
    "pages": 0,
    "total": 0,
    "has_next": False,
    "has_prev": False,
    "next_num": 0,
    "prev_num": 0,
}


class _Scripted(http.server.BaseHTTPRequestHandler):
    """Answers every GET with `get` and every POST with `post` (status, body bytes)."""

    get: ClassVar[tuple[int, bytes]] = (200, b"<html>not json</html>")
    post: ClassVar[tuple[int, bytes]] = (200, b"<html>not json</html>")

    def _answer(self, status: int, body: bytes) -> None:
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def do_GET(self) -> None:
        self._answer(*self.get)

    def do_POST(self) -> None:
        self.rfile.read(int(self.headers.get("Content-Length", 0)))
        self._answer(*self.post)

    def log_message(self, *args: Any) -> None:
        pass


@pytest.fixture
def server(isolated: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[type[_Scripted]]:
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _Scripted)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    url = f"http://127.0.0.1:{httpd.server_address[1]}"
    (isolated / "promptsync.yaml").write_text(
        f"backend: promptlayer\napi_url: {url}\nenvironments: [prod]\n", "utf-8"
    )
    (isolated / "prompts").mkdir()
    (isolated / "prompts" / "a.yaml").write_text(
        "name: a\nprovider: openai\nmodel: gpt-4o\nmessages: [{role: user, content: hi}]\n"
        "environments: [prod]\n",
        "utf-8",
    )
    monkeypatch.setenv("PROMPTLAYER_API_KEY", "k")
    yield _Scripted
    httpd.shutdown()
    _Scripted.get = _Scripted.post = (200, b"<html>not json</html>")


def one_error(run_cli: RunCli, *args: str) -> str:
    code, _out, err = run_cli(*args, "--retry-delay", "0")
    assert code == 1
    lines = [line for line in err.splitlines() if line.startswith("error: ")]
    assert len(lines) == 1, err
    assert "Traceback" not in err
    return lines[0]


@pytest.mark.parametrize(
    ("body", "message"),
    [
        (b"<html>not json</html>", "200 response is not valid JSON"),
        (b'{"data": []}', "200 unexpected response shape: no list 'items'"),
        (
            b'{"items": [{"id": 1}]}',
            "200 unexpected response shape at items.0.prompt_name: missing",
        ),
        (b"[1, 2]", "200 unexpected response shape: no list 'items'"),
    ],
)
def test_bad_list_replies(
    server: type[_Scripted], run_cli: RunCli, body: bytes, message: str
) -> None:
    server.get = (200, body)
    assert one_error(run_cli, "plan") == f"error: GET /prompt-templates?page=1: {message}"


def test_error_bodies_are_shown_with_the_request(server: type[_Scripted], run_cli: RunCli) -> None:
    server.get = (403, json.dumps({"success": False, "message": "No access"}).encode())
    assert one_error(run_cli, "plan") == (
        "error: GET /prompt-templates: 403 No access (the API key's workspace may not use this)"
    )
    server.get = (500, b"")
    assert one_error(run_cli, "plan") == (
        "error: GET /prompt-templates: 500 Internal Server Error (after 7 attempts)"
    )


def test_a_garbled_publish_answer_fails_that_operation_only(
    server: type[_Scripted], run_cli: RunCli
) -> None:
    server.get = (200, json.dumps(EMPTY_LIST).encode())
    code, _out, err = run_cli("apply", "--auto-approve", "--retry-delay", "0")
    assert code == 1
    assert "Traceback" not in err
    assert "[1/1] a: FAILED (create version → prod): POST /rest/prompt-templates:" in err
    assert "response is not valid JSON" in err
    server.post = (200, json.dumps({"id": 3, "prompt_name": "a"}).encode())
    code, _out, err = run_cli("apply", "--auto-approve", "--retry-delay", "0")
    assert code == 1
    assert (
        "POST /rest/prompt-templates: unexpected response shape: prompt_template.messages is null"
        in err
    )
