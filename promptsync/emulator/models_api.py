"""Fake model endpoints that every emulator serves beside its registry API (docs/emulator.md,
"Model endpoints"): OpenAI's `POST /v1/chat/completions` and Anthropic's `POST /v1/messages`.

Answers are a pure function of the request (model_answers). `FaultingApp` routes here first, so
faults, latency and statistics apply as to any request; `ModelSettings.rate_limit_every`
(`--rate-limit-every N`) answers every Nth authenticated model call 429 with `Retry-After`.
"""

from __future__ import annotations

import hashlib
import json
import logging
import math
import threading
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass

from starlette.requests import Request
from starlette.responses import Response

from promptsync.emulator.calls import key_sha256
from promptsync.emulator.faults import Stats
from promptsync.emulator.model_answers import answer
from promptsync.emulator.model_providers import AnthropicMessages, OpenAIChat, Provider
from promptsync.emulator.model_requests import Invalid

logger = logging.getLogger("promptsync.emulator.models")
PROVIDERS: tuple[Provider, ...] = (OpenAIChat(), AnthropicMessages())
MAX_RETRY_AFTER = 120  # the official SDKs give up on a longer Retry-After
# The stats label of each model route.
MODEL_ROUTES = tuple(f"POST {p.path}" for p in PROVIDERS)


def model_calls(stats: Stats) -> int:
    """Requests to the model routes, whatever their outcome."""
    return sum(stats.count("POST", label.removeprefix("POST ")) for label in MODEL_ROUTES)


@dataclass(frozen=True)
class ModelSettings:
    """How the model endpoints behave beyond faults and latency (which apply to every route)."""

    api_keys: Sequence[str] = ()  # accepted keys; none: any non-empty key
    rate_limit_every: int = 0  # every Nth authenticated model call answers 429 (0: never)
    retry_after: float = 1.0  # seconds, sent with each 429

    def __post_init__(self) -> None:
        if self.rate_limit_every < 0:
            raise ValueError("rate_limit_every must not be negative")
        if not 0 < self.retry_after <= MAX_RETRY_AFTER:
            raise ValueError(f"retry_after must be more than 0 and at most {MAX_RETRY_AFTER} s")


@dataclass(frozen=True)
class ModelRoute:
    label: str
    respond: Callable[[], Awaitable[Response]]
    error: Callable[[int, str], Response]  # the provider's error shape, for injected faults


class ModelEndpoints:
    """The model routes of one emulator, with its rate-limit counter."""

    def __init__(self, settings: ModelSettings) -> None:
        self.keys = frozenset(key_sha256(k) for k in settings.api_keys)
        self.rate_limit_every = settings.rate_limit_every
        self.retry_after = settings.retry_after
        self._calls = 0
        self._lock = threading.Lock()

    def route(self, request: Request, raw_path: str) -> ModelRoute | None:
        """The route for a model path, or None (then the backend routes the request)."""
        provider = next((p for p in PROVIDERS if p.path == raw_path), None)
        if provider is None:
            return None
        if request.method != "POST":

            async def not_allowed() -> Response:
                return provider.error(405, f"Method {request.method} not allowed")

            return ModelRoute("method-not-allowed", not_allowed, provider.error)

        async def respond() -> Response:
            try:
                return await self._respond(provider, request)
            except Exception:  # a bug in the emulator: answer like a server would, and log it
                logger.exception("unhandled error in %s", provider.path)
                return provider.error(500, "Internal server error")

        return ModelRoute(f"POST {provider.path}", respond, provider.error)

    async def _respond(self, provider: Provider, request: Request) -> Response:
        key = provider.key(request)
        if not key:
            return provider.unauthorized(missing=True)
        if self.keys and key_sha256(key) not in self.keys:
            return provider.unauthorized(missing=False)
        if self._rate_limited():
            return self._too_many(provider)
        try:
            data = json.loads(await request.body())
        except (json.JSONDecodeError, UnicodeDecodeError):
            return provider.invalid(Invalid("The request body is not valid JSON."))
        try:
            prompt = provider.read(request, data)
        except Invalid as exc:
            return provider.invalid(exc)
        digest = hashlib.sha256(json.dumps(data, sort_keys=True).encode()).hexdigest()
        return provider.respond(provider.reply(prompt, answer(prompt), digest))

    def _rate_limited(self) -> bool:
        if not self.rate_limit_every:
            return False
        with self._lock:
            self._calls += 1
            return self._calls % self.rate_limit_every == 0

    def _too_many(self, provider: Provider) -> Response:
        response = provider.error(
            429, f"Rate limit reached (emulated: --rate-limit-every {self.rate_limit_every})."
        )
        # Retry-After is whole seconds; the official SDKs prefer the exact retry-after-ms.
        response.headers["retry-after"] = str(math.ceil(self.retry_after))
        response.headers["retry-after-ms"] = str(round(self.retry_after * 1000))
        return response
