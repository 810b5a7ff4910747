"""Calling the models through the providers' official SDKs (the `promptsync[eval]` extra):
`openai` for OpenAI and every OpenAI-compatible endpoint (Azure included), `anthropic` for
Anthropic. Never litellm: a tool that runs in CI beside registry and provider keys must not pull
it (two of its releases shipped a credential stealer in March 2026).

Keys come only from the environment variable a provider's config names (default
OPENAI_API_KEY / ANTHROPIC_API_KEY); they are masked out of every error. Each call has a timeout;
the SDKs retry 429s and 5xx themselves, honouring `Retry-After`.
"""

from __future__ import annotations

import importlib.util
import inspect
import threading
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from promptsync.errors import PromptsyncError
from promptsync.evaluate.checks import Answer
from promptsync.evaluate.render import ModelRequest
from promptsync.repo.config import ProviderConfig

DEFAULT_KEYS = {"openai": "OPENAI_API_KEY", "anthropic": "ANTHROPIC_API_KEY"}
EXTRA = "pip install 'promptsync[eval]'"


class ModelError(Exception):
    """One call that failed for good (counted as an error in its template's row)."""


@dataclass(frozen=True)
class Endpoint:
    provider: str
    sdk: str
    base_url: str | None
    key_variable: str

    @property
    def shown(self) -> str:
        """Where the answers come from, for the cache key (no key in it)."""
        return f"{self.sdk}:{self.base_url or 'default'}"


def require_sdks() -> None:
    """Raise one clear error when the eval extra is not installed. Only looks: the SDKs are
    imported when a call must be made (a second of imports that a run answered from the cache
    does not pay)."""
    if any(importlib.util.find_spec(sdk) is None for sdk in ("openai", "anthropic")):
        raise PromptsyncError(f"plan --eval needs the eval extra: {EXTRA}")


class ModelClients:
    """One SDK client per provider, made on first use and shared by the worker threads."""

    def __init__(
        self,
        providers: Mapping[str, ProviderConfig],
        environ: Mapping[str, str],
        *,
        timeout: float = 60.0,
        retries: int = 3,
    ) -> None:
        self.providers = providers
        self.environ = environ
        self.timeout = timeout
        self.retries = retries
        self._clients: dict[str, Any] = {}
        self._lock = threading.Lock()

    def endpoint(self, provider: str) -> Endpoint:
        config = self.providers.get(provider)
        sdk = (config.sdk if config else None) or (provider if provider in DEFAULT_KEYS else None)
        if sdk is None:
            raise ModelError(
                f"no model client for provider {provider!r}: add providers.{provider} to"
                " promptsync.yaml (sdk: openai for an OpenAI-compatible endpoint, with base_url)"
            )
        variable = (config.api_key_env if config else None) or DEFAULT_KEYS[sdk]
        # The SDKs' own variable (OPENAI_BASE_URL, ANTHROPIC_BASE_URL) when the config names none.
        base_url = (config.base_url if config else None) or (
            self.environ.get(f"{sdk.upper()}_BASE_URL", "").strip() or None
        )
        return Endpoint(provider, sdk, base_url, variable)

    def keys(self) -> list[str]:
        """Every provider key in the environment (to mask them)."""
        names = {*DEFAULT_KEYS.values(), *(c.api_key_env for c in self.providers.values())}
        return [v for n in names if n and (v := self.environ.get(n, "").strip())]

    def _client(self, endpoint: Endpoint) -> Any:
        with self._lock:
            found = self._clients.get(endpoint.provider)
            if found is not None:
                return found
            key = self.environ.get(endpoint.key_variable, "").strip()
            if not key:
                raise ModelError(
                    f"no key for provider {endpoint.provider!r}: set {endpoint.key_variable}"
                )
            options: dict[str, Any] = {
                "api_key": key,
                "timeout": self.timeout,
                "max_retries": self.retries,
            }
            if endpoint.base_url:
                options["base_url"] = endpoint.base_url
            try:
                if endpoint.sdk == "anthropic":
                    import anthropic

                    made: Any = anthropic.Anthropic(**options)
                else:
                    import openai

                    made = openai.OpenAI(**options)
            except (ImportError, AttributeError) as exc:  # installed, but broken
                raise ModelError(
                    f"the {endpoint.sdk} SDK cannot be used ({type(exc).__name__}: {exc});"
                    f" reinstall it: {EXTRA}"
                ) from None
            self._clients[endpoint.provider] = made
            return made

    def call(self, request: ModelRequest) -> Answer:
        endpoint = self.endpoint(request.provider)
        client = self._client(endpoint)
        try:
            if endpoint.sdk == "anthropic":
                return _anthropic(client, request)
            return _openai(client, request)
        except ModelError:
            raise
        except Exception as exc:  # the SDKs' errors, whatever their class: one line each
            raise ModelError(self._masked(f"{endpoint.provider}: {_describe(exc)}")) from None

    def _masked(self, text: str) -> str:
        for key in self.keys():
            text = text.replace(key, "***")
        return text


def _describe(exc: Exception) -> str:
    status = getattr(exc, "status_code", None)
    message = getattr(exc, "message", None) or str(exc) or type(exc).__name__
    first = str(message).splitlines()[0][:300]
    return f"{status} {first}" if status else f"{type(exc).__name__}: {first}"


def _split(create: Any, params: Mapping[str, Any], taken: set[str]) -> dict[str, Any]:
    """The version's parameters as the SDK takes them: its own keywords, the rest in
    `extra_body` (sent as they are, as the registry's SDKs send them)."""
    known = set(inspect.signature(create).parameters)
    direct = {k: v for k, v in params.items() if k in known and k not in taken}
    extra = {k: v for k, v in params.items() if k not in known}
    return {**direct, **({"extra_body": extra} if extra else {})}


def _openai(client: Any, request: ModelRequest) -> Answer:
    create = client.chat.completions.create
    kwargs: dict[str, Any] = {"model": request.model, "messages": list(request.messages)}
    if request.tools:
        kwargs["tools"] = [{"type": "function", "function": dict(t)} for t in request.tools]
    if request.output_schema and "response_format" not in request.params:
        kwargs["response_format"] = {
            "type": "json_schema",
            "json_schema": {"name": "output", "schema": dict(request.output_schema)},
        }
    kwargs.update(_split(create, request.params, set(kwargs)))
    reply = create(**kwargs)
    choice = reply.choices[0].message
    calls = tuple(c.function.name for c in (choice.tool_calls or []))
    usage = reply.usage
    return Answer(
        text=choice.content or "",
        tool_calls=calls,
        input_tokens=getattr(usage, "prompt_tokens", 0) or 0,
        output_tokens=getattr(usage, "completion_tokens", 0) or 0,
    )


def _anthropic(client: Any, request: ModelRequest) -> Answer:
    create = client.messages.create
    system = "\n\n".join(m["content"] for m in request.messages if m["role"] == "system")
    kwargs: dict[str, Any] = {
        "model": request.model,
        "messages": [m for m in request.messages if m["role"] != "system"],
        "max_tokens": int(request.params.get("max_tokens", 1024)),
    }
    if system:
        kwargs["system"] = system
    if request.tools:
        kwargs["tools"] = [
            {"name": t["name"], "description": t["description"], "input_schema": t["parameters"]}
            for t in request.tools
        ]
    kwargs.update(_split(create, request.params, set(kwargs)))
    reply = create(**kwargs)
    text = "".join(b.text for b in reply.content if getattr(b, "type", "") == "text")
    calls = tuple(b.name for b in reply.content if getattr(b, "type", "") == "tool_use")
    usage = reply.usage
    return Answer(
        text=text,
        tool_calls=calls,
        input_tokens=getattr(usage, "input_tokens", 0) or 0,
        output_tokens=getattr(usage, "output_tokens", 0) or 0,
    )
