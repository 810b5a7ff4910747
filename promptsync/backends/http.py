"""One HTTP session to a registry (httpx): timeouts, retries with backoff, one-line errors.

Shared by every backend. Errors name the method and path (never headers); JSON error bodies are
shown whether they say `{"message": …}`, `{"error": …}` or `{"detail": …}`.
"""

from __future__ import annotations

import email.utils
import socket
import threading
import time
from collections.abc import Callable, Mapping
from typing import Any
from urllib.parse import quote

import httpx

from promptsync import __version__
from promptsync.errors import PromptsyncError

MAX_RETRY_AFTER = 120.0


class BackendError(PromptsyncError):
    """A request that failed for good; `status` is None for transport failures.

    `ambiguous`: the request may have been processed although no success was seen (a timeout,
    a dropped connection, a 5xx): a write must be checked before it is tried again.
    `retry_after`: the seconds a 429 or 5xx asked the client to wait, if it said.
    """

    def __init__(
        self,
        message: str,
        status: int | None = None,
        ambiguous: bool = False,
        retry_after: float | None = None,
    ) -> None:
        super().__init__(message)
        self.status = status
        self.ambiguous = ambiguous
        self.retry_after = retry_after

    @property
    def transient(self) -> bool:
        """A failure worth retrying: a transport error, a 5xx or a 429 (never another 4xx)."""
        return self.status is None or self.status >= 500 or self.status == 429


def _retry_after(response: httpx.Response) -> float | None:
    value = response.headers.get("retry-after")
    if not value:
        return None
    try:
        return min(max(float(value), 0.0), MAX_RETRY_AFTER)
    except ValueError:
        try:
            parsed = email.utils.parsedate_to_datetime(value)
        except (TypeError, ValueError):
            return None
        return min(max(parsed.timestamp() - time.time(), 0.0), MAX_RETRY_AFTER)


def error_message(response: httpx.Response) -> str:
    """The server's own words from an error response, on one line (at most 300 characters)."""
    try:
        payload = response.json()
    except ValueError:
        payload = None
    message: Any = ""
    if isinstance(payload, dict):
        for key in ("message", "error", "detail", "errors"):
            value = payload.get(key)
            if isinstance(value, dict):  # {"error": {"message": …}}
                value = value.get("message") or value.get("detail") or value
            if value:
                message = value
                break
    if isinstance(message, list):  # FastAPI's 422: [{"loc": [...], "msg": ...}, ...]
        message = "; ".join(_validation_item(item) for item in message)
    text = message if isinstance(message, str) else str(message)
    return " ".join(text.split())[:300] or response.reason_phrase


def _validation_item(item: Any) -> str:
    if isinstance(item, dict) and isinstance(item.get("msg"), str):
        loc = item.get("loc")
        where = ".".join(str(p) for p in loc) if isinstance(loc, list) else ""
        return f"{where}: {item['msg']}" if where else item["msg"]
    return str(item)


def path_segment(value: str) -> str:
    """A value as one URL path segment: `/` is %2F, and dots are encoded so that `.` or `..`
    are never removed by URL normalization."""
    return quote(value, safe="").replace(".", "%2E")


class HttpSession:
    """Requests to one base URL. Thread-safe (httpx.Client is), so snapshots are read in
    parallel; `requests` counts every request sent, retries included."""

    def __init__(
        self,
        base: str,
        headers: Mapping[str, str],
        *,
        hint: Callable[[int, str], str] = lambda status, message: "",
        timeout: float = 30.0,
        retries: int = 3,
        retry_delay: float = 5.0,
        sleep: Callable[[float], None] = time.sleep,
        on_retry: Callable[[str], None] | None = None,
        transport: httpx.BaseTransport | None = None,
        secrets: tuple[str, ...] = (),
    ) -> None:
        self.base = base.rstrip("/")
        self._secrets = tuple(s for s in secrets if s)  # never shown, even if a server echoes one
        self.timeout = timeout
        self.retries = retries
        self.retry_delay = retry_delay
        self._hint = hint
        self._sleep = sleep
        self._on_retry = on_retry
        self._http = httpx.Client(
            timeout=timeout,
            headers={"User-Agent": f"promptsync/{__version__}", **headers},
            transport=transport
            or httpx.HTTPTransport(
                socket_options=[(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)],
                # Plain http (allowed only to a loopback host) never does TLS, and redirects are
                # not followed: loading the CA bundle for it would only cost time.
                verify=not self.base.startswith("http://"),
            ),
            limits=httpx.Limits(max_connections=32, max_keepalive_connections=32),
        )
        self._lock = threading.Lock()
        self.requests = 0

    def close(self) -> None:
        self._http.close()

    @property
    def host(self) -> str:
        url = httpx.URL(self.base)
        return f"{url.host}:{url.port}" if url.port else str(url.host)

    def shown(self, method: str, path: str) -> str:
        return f"{method} {httpx.URL(self.base).path.rstrip('/')}{path}"

    def _problem(self, exc: httpx.RequestError) -> str:
        if isinstance(exc, httpx.TimeoutException):
            return f"timed out after {self.timeout:g} s"
        if isinstance(exc, httpx.ConnectError):
            return f"cannot connect to {self.host}"
        if isinstance(exc, httpx.RemoteProtocolError):
            return "the server closed the connection without a response"
        if isinstance(exc, httpx.DecodingError):
            return "the reply could not be decoded"
        return f"network error ({type(exc).__name__})"

    def send(
        self,
        method: str,
        path: str,
        body: Any = None,
        *,
        params: Mapping[str, Any] | None = None,
        retry: bool = True,
        retries: int | None = None,
    ) -> httpx.Response:
        """Send; retry 5xx, 429 and transport errors (never other 4xx) unless `retry` is off.

        `retries` overrides the session's count for this request (an idempotent read may be
        given more); the delays double up to the session's last one, then stay there.
        Raises BackendError, with `ambiguous` set when a write may have happened anyway.
        """
        shown = self.shown(method, path)
        attempts = (self.retries if retries is None else retries) + 1 if retry else 1
        for attempt in range(attempts):
            delay = self.retry_delay * 2 ** min(attempt, max(self.retries - 1, 0))
            last = attempt + 1 == attempts
            suffix = f" (after {attempts} attempts)" if attempts > 1 else ""
            try:
                with self._lock:
                    self.requests += 1
                response = self._http.request(method, self.base + path, json=body, params=params)
            except httpx.RequestError as exc:  # transport errors, and replies that cannot be read
                problem = self._problem(exc)
                ambiguous = not isinstance(exc, httpx.ConnectError)
                if last:
                    raise BackendError(f"{shown}: {problem}{suffix}", None, ambiguous) from None
                self.wait(delay, f"{shown}: {problem}")
                continue
            status = response.status_code
            if status >= 500 or status == 429:
                if last:
                    raise self._error(shown, response, suffix, ambiguous=status >= 500)
                wait = _retry_after(response)
                self.wait(max(delay, wait or 0.0), f"{shown}: {status}")
                continue
            if status >= 400:
                raise self._error(shown, response, "")
            if status >= 300:  # redirects are not followed: the request did not reach the API
                where = response.headers.get("location", "elsewhere")
                raise BackendError(
                    f"{shown}: {status} redirected to {where}; check api_url", status
                )
            return response
        raise AssertionError("unreachable")  # pragma: no cover

    def write(
        self, method: str, path: str, body: Any, remaining: Callable[[], Any | None]
    ) -> httpx.Response | None:
        """A write that must not be done twice: each attempt is sent once; after a failure that
        may have been committed, `remaining()` re-reads the registry and says what is left to
        send (None: nothing, it was done), and only that is sent again. Returns the last
        response, or None when the re-read found the write done."""
        attempts = self.retries + 1
        for attempt in range(attempts):
            try:
                return self.send(method, path, body, retry=False)
            except BackendError as exc:
                if not exc.transient:
                    raise
                if exc.ambiguous:
                    self.note(f"{exc}; checking whether it was done")
                    try:
                        body = remaining()
                    except BackendError as check:
                        raise BackendError(
                            f"{exc}; whether it was done could not be checked ({check}); run"
                            " apply again: it re-reads before it writes"
                        ) from None
                    if body is None:
                        return None
                if attempt + 1 == attempts:
                    raise BackendError(f"{exc} (after {attempts} attempts)", exc.status) from None
                delay = max(self.retry_delay * 2**attempt, exc.retry_after or 0.0)
                self.wait(delay, f"{exc}; not done")
        raise AssertionError("unreachable")  # pragma: no cover

    def note(self, what: str) -> None:
        """Report something worth a line in the verbose log (to `on_retry`)."""
        if self._on_retry:
            self._on_retry(what)

    def wait(self, seconds: float, why: str) -> None:
        """Report a retry (to `on_retry`) and sleep before it."""
        if self._on_retry:
            self._on_retry(f"{why}; retrying in {seconds:g} s")
        self._sleep(seconds)

    def _error(
        self, shown: str, response: httpx.Response, suffix: str, *, ambiguous: bool = False
    ) -> BackendError:
        message = error_message(response)
        for secret in self._secrets:
            message = message.replace(secret, "***")
        status = response.status_code
        hint = self._hint(status, message)
        return BackendError(
            f"{shown}: {status} {message}{hint}{suffix}", status, ambiguous, _retry_after(response)
        )

    def json(
        self,
        method: str,
        path: str,
        body: Any = None,
        *,
        params: Mapping[str, Any] | None = None,
        retries: int | None = None,
    ) -> Any:
        """Send and return the parsed JSON body."""
        response = self.send(method, path, body, params=params, retries=retries)
        try:
            return response.json()
        except (ValueError, RecursionError):
            raise BackendError(
                f"{self.shown(method, path)}: {response.status_code} response is not valid JSON",
                response.status_code,
            ) from None
