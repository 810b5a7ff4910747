"""Freeplay over HTTP (httpx): bearer auth, timeouts, retries, one-line errors."""

from __future__ import annotations

import email.utils
import socket
import time
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from typing import Any
from urllib.parse import quote

import httpx

from promptsync import __version__
from promptsync.backends.freeplay_json import ShapeError, parse_all, parse_version
from promptsync.errors import PromptsyncError
from promptsync.models import RemoteVersion
from promptsync.settings import ApiKey

MAX_RETRY_AFTER = 120.0


class BackendError(PromptsyncError):
    """A request that failed for good; `status` is None for transport failures."""

    def __init__(self, message: str, status: int | None = None) -> None:
        super().__init__(message)
        self.status = status


def api_base(api_url: str) -> str:
    """Accept the instance root, `…/api` or `…/api/v2`; return `<root>/api/v2`."""
    root = api_url.rstrip("/")
    for suffix in ("/api/v2", "/api"):
        if root.endswith(suffix):
            root = root[: -len(suffix)]
            break
    return f"{root}/api/v2"


def quote_name(name: str) -> str:
    """A template name as one path segment: `/` is %2F, and dots are encoded so that `.` or
    `..` are never removed by URL normalization."""
    return quote(name, safe="").replace(".", "%2E")


def _retry_after(response: httpx.Response) -> float | None:
    value = response.headers.get("retry-after")
    if not value:
        return None
    try:
        return min(max(float(value), 0.0), MAX_RETRY_AFTER)
    except ValueError:
        parsed = email.utils.parsedate_to_datetime(value) if value else None
        if parsed is None:
            return None
        return min(max(parsed.timestamp() - time.time(), 0.0), MAX_RETRY_AFTER)


def _transport_problem(exc: httpx.TransportError, timeout: float) -> str:
    if isinstance(exc, httpx.TimeoutException):
        return f"timed out after {timeout:g} s"
    if isinstance(exc, httpx.ConnectError):
        return "cannot connect"
    if isinstance(exc, httpx.RemoteProtocolError):
        return "the server closed the connection without a response"
    return f"network error ({type(exc).__name__})"


def _hint(status: int, message: str) -> str:
    if status == 401:
        return " (check FREEPLAY_API_KEY)"
    if status == 404 and "project" in message.lower():
        return " (check project_id)"
    return ""


class FreeplayClient:
    """One Freeplay project. Thread-safe: plan fetches environments concurrently."""

    def __init__(
        self,
        api_url: str,
        project_id: str,
        api_key: ApiKey,
        *,
        timeout: float = 30.0,
        retries: int = 3,
        retry_delay: float = 5.0,
        sleep: Callable[[float], None] = time.sleep,
        on_retry: Callable[[str], None] | None = None,
        transport: httpx.BaseTransport | None = None,
    ) -> None:
        self.base = api_base(api_url)
        self.project_id = project_id
        self.timeout = timeout
        self.retries = retries
        self.retry_delay = retry_delay
        self._sleep = sleep
        self._on_retry = on_retry
        self._http = httpx.Client(
            timeout=timeout,
            headers={
                "Authorization": f"Bearer {api_key.reveal()}",
                "User-Agent": f"promptsync/{__version__}",
            },
            transport=transport
            or httpx.HTTPTransport(socket_options=[(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)]),
            limits=httpx.Limits(max_connections=32, max_keepalive_connections=32),
        )
        self.requests = 0  # requests sent, retries included

    def close(self) -> None:
        self._http.close()

    def __enter__(self) -> FreeplayClient:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    @property
    def _templates(self) -> str:
        return f"/projects/{quote(self.project_id, safe='')}/prompt-templates"

    def request(self, method: str, path: str, body: Any = None) -> Any:
        """Send (see `send`) and return the parsed JSON body."""
        response = self.send(method, path, body)
        try:
            return response.json()
        except ValueError:
            raise BackendError(
                f"{method} {httpx.URL(self.base).path}{path}: {response.status_code} response is"
                " not valid JSON",
                response.status_code,
            ) from None

    def send(self, method: str, path: str, body: Any = None) -> httpx.Response:
        """Send with retries (5xx, 429, transport errors; never other 4xx)."""
        shown = f"{method} {httpx.URL(self.base).path}{path}"
        attempts = self.retries + 1
        for attempt in range(attempts):
            delay = self.retry_delay * 2**attempt
            try:
                self.requests += 1
                response = self._http.request(method, self.base + path, json=body)
            except httpx.TransportError as exc:
                problem = _transport_problem(exc, self.timeout)
                if attempt + 1 == attempts:
                    raise BackendError(f"{shown}: {problem} (after {attempts} attempts)") from None
                self._wait(delay, f"{shown}: {problem}")
                continue
            if response.status_code >= 500 or response.status_code == 429:
                if attempt + 1 == attempts:
                    raise self._error(shown, response, f" (after {attempts} attempts)")
                wait = _retry_after(response)
                self._wait(max(delay, wait or 0.0), f"{shown}: {response.status_code}")
                continue
            if response.status_code >= 400:
                raise self._error(shown, response, "")
            return response
        raise AssertionError("unreachable")  # pragma: no cover

    def _wait(self, seconds: float, why: str) -> None:
        if self._on_retry:
            self._on_retry(f"{why}; retrying in {seconds:g} s")
        self._sleep(seconds)

    @staticmethod
    def _error(shown: str, response: httpx.Response, suffix: str) -> BackendError:
        try:
            payload = response.json()
            message = str(payload.get("message", "")) if isinstance(payload, dict) else ""
        except ValueError:
            message = ""
        message = " ".join(message.split())[:300] or response.reason_phrase
        status = response.status_code
        return BackendError(f"{shown}: {status} {message}{_hint(status, message)}{suffix}", status)

    # --- operations ---------------------------------------------------------------------------

    def fetch_environment(self, environment: str) -> dict[str, RemoteVersion]:
        path = f"{self._templates}/all/{quote(environment, safe='')}"
        response = self.send("GET", path)
        try:
            versions = parse_all(response.content)
        except ShapeError as exc:
            status = response.status_code
            raise BackendError(f"GET {httpx.URL(self.base).path}{path}: {status} {exc}") from None
        return {v.name: v for v in versions}

    def fetch_environments(
        self, environments: Sequence[str]
    ) -> dict[str, dict[str, RemoteVersion]]:
        """One request per environment, concurrently."""
        with ThreadPoolExecutor(max_workers=max(1, len(environments))) as pool:
            results = list(pool.map(self.fetch_environment, environments))
        return dict(zip(environments, results, strict=True))

    def create_version(self, template: str, body: dict[str, Any]) -> RemoteVersion:
        path = (
            f"{self._templates}/name/{quote_name(template)}/versions"
            "?create_template_if_not_exists=true"
        )
        payload = self.request("POST", path, body)
        try:
            return parse_version(payload)
        except ShapeError as exc:
            raise BackendError(f"POST {httpx.URL(self.base).path}{path}: {exc}") from None

    def update_environments(self, template_id: str, version_id: str, body: dict[str, Any]) -> None:
        path = (
            f"{self._templates}/id/{quote(template_id, safe='')}/versions/"
            f"{quote(version_id, safe='')}/environments"
        )
        self.request("POST", path, body)
