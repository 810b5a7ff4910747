"""How OpenAI's and Anthropic's APIs put a model call on the wire: where the key goes, the
error bodies, and the reply that carries an `Answer`."""

from __future__ import annotations

import hashlib
import time
import uuid
from abc import ABC, abstractmethod
from typing import Any, ClassVar

from starlette.requests import Request
from starlette.responses import JSONResponse

from promptsync.emulator.model_answers import Answer
from promptsync.emulator.model_requests import Invalid, Prompt, from_anthropic, from_openai


def derived_id(digest: str, salt: str, length: int = 24) -> str:
    """An id that is the same for the same request (and index), so replies are reproducible."""
    return hashlib.sha256(f"{digest}:{salt}".encode()).hexdigest()[:length]


class Provider(ABC):
    path: ClassVar[str]
    request_id_header: ClassVar[str]

    @abstractmethod
    def key(self, request: Request) -> str:
        """The API key the request carries ("" if none)."""

    @abstractmethod
    def error(self, status: int, message: str) -> JSONResponse:
        """An error in the provider's shape."""

    @abstractmethod
    def unauthorized(self, missing: bool) -> JSONResponse: ...

    @abstractmethod
    def invalid(self, exc: Invalid) -> JSONResponse: ...

    @abstractmethod
    def read(self, request: Request, data: Any) -> Prompt:
        """The request as a Prompt; raises Invalid."""

    @abstractmethod
    def reply(self, prompt: Prompt, answer: Answer, digest: str) -> dict[str, Any]: ...

    def respond(self, payload: dict[str, Any]) -> JSONResponse:
        return JSONResponse(payload, headers={self.request_id_header: f"req_{uuid.uuid4().hex}"})


def bearer(request: Request) -> str:
    scheme, _, token = request.headers.get("authorization", "").partition(" ")
    return token.strip() if scheme.lower() == "bearer" else ""


class OpenAIChat(Provider):
    """`POST /v1/chat/completions`: bearer key; `{"error": {message, type, param, code}}`."""

    path = "/v1/chat/completions"
    request_id_header = "x-request-id"

    def key(self, request: Request) -> str:
        return bearer(request)

    def error(
        self, status: int, message: str, code: str | None = None, param: str | None = None
    ) -> JSONResponse:
        kind = "server_error" if status >= 500 else "invalid_request_error"
        if status == 429:
            kind, code = "requests", "rate_limit_exceeded"
        body = {"message": message, "type": kind, "param": param, "code": code}
        return JSONResponse({"error": body}, status_code=status)

    def unauthorized(self, missing: bool) -> JSONResponse:
        if missing:
            return self.error(
                401,
                "You didn't provide an API key. You need to provide your API key in an"
                " Authorization header using Bearer auth (i.e. Authorization: Bearer YOUR_KEY).",
            )
        return self.error(401, "Incorrect API key provided.", code="invalid_api_key")

    def invalid(self, exc: Invalid) -> JSONResponse:
        param = "".join(f"[{p}]" if isinstance(p, int) else f".{p}" for p in exc.param)[1:]
        if not param:
            return self.error(400, exc.message)
        if exc.missing:
            message, code = f"Missing required parameter: '{param}'.", "missing_required_parameter"
        else:
            message, code = f"Invalid value for '{param}': {exc.message}.", "invalid_value"
        return self.error(400, message, code=code, param=param)

    def read(self, request: Request, data: Any) -> Prompt:
        return from_openai(data)

    def reply(self, prompt: Prompt, answer: Answer, digest: str) -> dict[str, Any]:
        message: dict[str, Any] = {
            "role": "assistant",
            "content": answer.text,
            "refusal": None,
            "annotations": [],
        }
        if answer.calls:  # as OpenAI does, the key is absent when there are none
            message["tool_calls"] = [
                {
                    "id": f"call_{derived_id(digest, str(i))}",
                    "type": "function",
                    "function": {"name": call.name, "arguments": call.arguments_json},
                }
                for i, call in enumerate(answer.calls)
            ]
        finish = "length" if answer.cut else "tool_calls" if answer.calls else "stop"
        completion = answer.completion_tokens * prompt.choices
        return {
            "id": f"chatcmpl-{derived_id(digest, 'id', 29)}",
            "object": "chat.completion",
            "created": int(time.time()),
            "model": prompt.model,
            "choices": [
                {"index": i, "message": message, "logprobs": None, "finish_reason": finish}
                for i in range(prompt.choices)
            ],
            "usage": {
                "prompt_tokens": answer.prompt_tokens,
                "completion_tokens": completion,
                "total_tokens": answer.prompt_tokens + completion,
            },
            "service_tier": "default",
            "system_fingerprint": None,
        }


_ANTHROPIC_ERRORS = {
    401: "authentication_error",
    403: "permission_error",
    404: "not_found_error",
    413: "request_too_large",
    429: "rate_limit_error",
    529: "overloaded_error",
}


class AnthropicMessages(Provider):
    """`POST /v1/messages`: `x-api-key` (or a bearer key, which the SDK sends since 2.x);
    `{"type": "error", "error": {type, message}}`."""

    path = "/v1/messages"
    request_id_header = "request-id"

    def key(self, request: Request) -> str:
        return request.headers.get("x-api-key", "").strip() or bearer(request)

    def error(self, status: int, message: str) -> JSONResponse:
        default = "api_error" if status >= 500 else "invalid_request_error"
        kind = _ANTHROPIC_ERRORS.get(status, default)
        body = {"type": "error", "error": {"type": kind, "message": message}}
        return JSONResponse(body, status_code=status)

    def unauthorized(self, missing: bool) -> JSONResponse:
        if missing:
            return self.error(401, "x-api-key or Authorization header is required")
        return self.error(401, "invalid x-api-key")

    def invalid(self, exc: Invalid) -> JSONResponse:
        where = ".".join(str(p) for p in exc.param)
        return self.error(400, f"{where}: {exc.message}" if where else exc.message)

    def read(self, request: Request, data: Any) -> Prompt:
        if not request.headers.get("anthropic-version"):
            raise Invalid("header is required", ("anthropic-version",))
        return from_anthropic(data)

    def reply(self, prompt: Prompt, answer: Answer, digest: str) -> dict[str, Any]:
        content: list[dict[str, Any]] = []
        if answer.text is not None:
            content.append({"type": "text", "text": answer.text})
        content += [
            {
                "type": "tool_use",
                "id": f"toolu_{derived_id(digest, str(i))}",
                "name": call.name,
                "input": call.arguments,
            }
            for i, call in enumerate(answer.calls)
        ]
        stop = "max_tokens" if answer.cut else "tool_use" if answer.calls else "end_turn"
        return {
            "id": f"msg_{derived_id(digest, 'id')}",
            "type": "message",
            "role": "assistant",
            "model": prompt.model,
            "content": content,
            "stop_reason": stop,
            "stop_sequence": None,
            "usage": {
                "input_tokens": answer.prompt_tokens,
                "output_tokens": answer.completion_tokens,
                "cache_creation_input_tokens": 0,
                "cache_read_input_tokens": 0,
            },
        }
