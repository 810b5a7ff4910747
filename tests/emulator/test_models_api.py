"""The fake model endpoints, driven over a real socket by the official `openai` and `anthropic`
SDKs, in both emulators: answers, tool calls, JSON mode, errors, 429s, faults, latency, stats."""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any, cast

import anthropic
import httpx
import openai
import pytest
from anthropic.types import TextBlock, ToolUseBlock
from openai.types.chat import ChatCompletion, ChatCompletionMessageFunctionToolCall

from promptsync.emulator import (
    FaultConfig,
    ModelSettings,
    RunningEmulator,
    emulator_subprocess,
    running_emulator,
)

BACKENDS = ["freeplay", "promptlayer"]
LOOKUP_OPENAI: Any = {
    "type": "function",
    "function": {"name": "lookup_order", "parameters": {"type": "object"}},
}
LOOKUP_ANTHROPIC: Any = {"name": "lookup_order", "input_schema": {"type": "object"}}
CHAT = "POST /v1/chat/completions"
HI = {"role": "user", "content": "x"}
BAD_REQUEST = "invalid_request_error"
MESSAGES = "POST /v1/messages"


@contextmanager
def serving(
    backend: str = "freeplay",
    faults: FaultConfig | None = None,
    models: ModelSettings | None = None,
    decorate_responses: bool = False,
) -> Iterator[RunningEmulator[Any]]:
    if backend == "promptlayer":
        with running_emulator(backend="promptlayer", faults=faults, models=models) as pl:
            yield pl
    else:
        with running_emulator(
            faults=faults, models=models, decorate_responses=decorate_responses
        ) as fp:
            yield fp


@pytest.fixture(params=BACKENDS)
def emu(request: pytest.FixtureRequest) -> Iterator[RunningEmulator[Any]]:
    with serving(request.param) as running:
        yield running


def gpt(emu: RunningEmulator[Any], max_retries: int = 0, key: str = "sk-test") -> openai.OpenAI:
    return openai.OpenAI(
        base_url=emu.openai_base_url, api_key=key, max_retries=max_retries, timeout=10
    )


def claude(
    emu: RunningEmulator[Any], max_retries: int = 0, key: str = "sk-ant-test"
) -> anthropic.Anthropic:
    return anthropic.Anthropic(
        base_url=emu.anthropic_base_url, api_key=key, max_retries=max_retries, timeout=10
    )


def ask_gpt(client: openai.OpenAI, user: str, system: str = "", **kwargs: Any) -> ChatCompletion:
    messages: list[Any] = [{"role": "system", "content": system}] if system else []
    messages.append({"role": "user", "content": user})
    reply: ChatCompletion = client.chat.completions.create(
        model="gpt-4o-mini", messages=messages, **kwargs
    )
    return reply


def ask_claude(
    client: anthropic.Anthropic, user: str, system: str = "", **kwargs: Any
) -> anthropic.types.Message:
    if system:
        kwargs["system"] = system
    reply: anthropic.types.Message = client.messages.create(
        model="claude-sonnet-4-5",
        max_tokens=kwargs.pop("max_tokens", 256),
        messages=[{"role": "user", "content": user}],
        **kwargs,
    )
    return reply


def outcomes(emu: RunningEmulator[Any]) -> dict[str, int]:
    return cast(dict[str, int], emu.stats.snapshot()["outcomes"])


def text_of(message: anthropic.types.Message) -> str:
    return "".join(b.text for b in message.content if isinstance(b, TextBlock))


# --- answers -----------------------------------------------------------------------------------


def test_openai_sdk_gets_a_chat_completion(emu: RunningEmulator[Any]) -> None:
    reply = ask_gpt(gpt(emu), "What is the refund policy?", system="You are support.")
    assert reply.object == "chat.completion"
    assert reply.id.startswith("chatcmpl-")
    assert reply.model == "gpt-4o-mini"
    [choice] = reply.choices
    assert (choice.index, choice.finish_reason) == (0, "stop")
    assert choice.message.role == "assistant"
    assert choice.message.content == "echo: What is the refund policy?"
    assert choice.message.tool_calls is None
    assert reply.usage is not None
    # prompt: "You are support." (3) + the question (5); completion: "echo:" + 5 words
    assert (reply.usage.prompt_tokens, reply.usage.completion_tokens) == (8, 6)
    assert reply.usage.total_tokens == 14


def test_anthropic_sdk_gets_a_message(emu: RunningEmulator[Any]) -> None:
    reply = ask_claude(claude(emu), "What is the refund policy?", system="You are support.")
    assert (reply.type, reply.role, reply.model) == ("message", "assistant", "claude-sonnet-4-5")
    assert reply.id.startswith("msg_")
    assert [b.type for b in reply.content] == ["text"]
    assert text_of(reply) == "echo: What is the refund policy?"
    assert (reply.stop_reason, reply.stop_sequence) == ("end_turn", None)
    assert (reply.usage.input_tokens, reply.usage.output_tokens) == (8, 6)


def test_same_request_same_answer_and_different_prompts_differ(emu: RunningEmulator[Any]) -> None:
    client = gpt(emu)
    first, again = ask_gpt(client, "Hi Ann"), ask_gpt(client, "Hi Ann")
    other = ask_gpt(client, "Hi Bob")
    assert first.choices[0].message.content == again.choices[0].message.content == "echo: Hi Ann"
    assert first.id == again.id != other.id
    assert other.choices[0].message.content == "echo: Hi Bob"
    messages = claude(emu)
    a, b = ask_claude(messages, "Hi Ann"), ask_claude(messages, "Hi Ann")
    assert (a.id, text_of(a)) == (b.id, text_of(b))
    assert text_of(ask_claude(messages, "Hi Bob")) == "echo: Hi Bob"


def test_reply_directive_answers_exactly_and_the_user_text_wins(emu: RunningEmulator[Any]) -> None:
    system = "Answer briefly. [[reply: Our product is Widget Pro.]]"
    client, messages = gpt(emu), claude(emu)
    assert ask_gpt(client, "hi", system).choices[0].message.content == "Our product is Widget Pro."
    assert text_of(ask_claude(messages, "hi", system)) == "Our product is Widget Pro."
    user = "Question [[reply:\n  As an AI, I cannot help.\n]]"
    assert ask_gpt(client, user, system).choices[0].message.content == "As an AI, I cannot help."
    assert text_of(ask_claude(messages, user, system)) == "As an AI, I cannot help."


def test_max_tokens_cuts_the_answer_after_that_many_words(emu: RunningEmulator[Any]) -> None:
    reply = ask_gpt(gpt(emu), "one two three four", max_tokens=3)
    assert reply.choices[0].message.content == "echo: one two"
    assert reply.choices[0].finish_reason == "length"
    reply2 = ask_gpt(gpt(emu), "one two three four", max_completion_tokens=2)
    assert reply2.choices[0].message.content == "echo: one"
    message = ask_claude(claude(emu), "one two three four", max_tokens=3)
    assert (text_of(message), message.stop_reason) == ("echo: one two", "max_tokens")
    assert message.usage.output_tokens == 3


def test_json_mode_wraps_text_and_keeps_a_json_object(emu: RunningEmulator[Any]) -> None:
    client = gpt(emu)
    fmt: Any = {"type": "json_object"}
    wrapped = ask_gpt(client, "hi there", response_format=fmt).choices[0].message.content
    assert json.loads(wrapped or "") == {"answer": "echo: hi there"}
    kept = ask_gpt(client, '[[reply: {"total": 3}]]', response_format=fmt)
    assert kept.choices[0].message.content == '{"total": 3}'
    schema: Any = {"type": "json_schema", "json_schema": {"name": "a", "schema": {}}}
    assert ask_gpt(client, "x", response_format=schema).choices[0].message.content == (
        '{"answer": "echo: x"}'
    )
    structured: Any = {"format": {"type": "json_schema", "schema": {"type": "object"}}}
    message = ask_claude(claude(emu), "hi there", output_config=structured)
    assert json.loads(text_of(message)) == {"answer": "echo: hi there"}


def test_openai_n_gives_identical_choices() -> None:
    with serving() as fp:
        reply = ask_gpt(gpt(fp), "a b", n=3)
    assert [c.index for c in reply.choices] == [0, 1, 2]
    assert {c.message.content for c in reply.choices} == {"echo: a b"}
    assert reply.usage is not None
    assert reply.usage.completion_tokens == 9


# --- tools -------------------------------------------------------------------------------------


def test_openai_tool_call_then_a_text_answer_to_the_tool_result(emu: RunningEmulator[Any]) -> None:
    client = gpt(emu)
    user = 'Where is my order? [[call: lookup_order {"order_id": 42, "tags": [[1]]}]]'
    reply = ask_gpt(client, user, tools=[LOOKUP_OPENAI])
    [choice] = reply.choices
    assert choice.finish_reason == "tool_calls"
    assert choice.message.content is None
    [call] = choice.message.tool_calls or []
    assert isinstance(call, ChatCompletionMessageFunctionToolCall)
    assert call.id.startswith("call_")
    assert call.function.name == "lookup_order"
    assert json.loads(call.function.arguments) == {"order_id": 42, "tags": [[1]]}
    # The client runs the tool and sends the result: the model answers in text, the loop ends.
    conversation: list[Any] = [
        {"role": "user", "content": user},
        {"role": "assistant", "tool_calls": [call.model_dump()]},
        {"role": "tool", "tool_call_id": call.id, "content": "shipped"},
    ]
    follow_up = client.chat.completions.create(
        model="gpt-4o-mini", messages=conversation, tools=[LOOKUP_OPENAI]
    )
    assert follow_up.choices[0].message.content == "echo: shipped"
    assert follow_up.choices[0].finish_reason == "stop"


def test_anthropic_tool_use_then_a_text_answer_to_the_tool_result(
    emu: RunningEmulator[Any],
) -> None:
    client = claude(emu)
    user = 'Checking. [[reply: Let me look.]] [[call: lookup_order {"order_id": 42}]]'
    reply = ask_claude(client, user, tools=[LOOKUP_ANTHROPIC])
    assert reply.stop_reason == "tool_use"
    text, use = reply.content
    assert isinstance(text, TextBlock)
    assert text.text == "Let me look."
    assert isinstance(use, ToolUseBlock)
    assert (use.name, use.input) == ("lookup_order", {"order_id": 42})
    assert use.id.startswith("toolu_")
    result = {"type": "tool_result", "tool_use_id": use.id, "content": "shipped"}
    conversation: list[Any] = [
        {"role": "user", "content": user},
        {"role": "assistant", "content": [use.model_dump()]},
        {"role": "user", "content": [result]},
    ]
    follow_up = client.messages.create(
        model="claude-sonnet-4-5", max_tokens=100, tools=[LOOKUP_ANTHROPIC], messages=conversation
    )
    # The reply directive still holds; after a tool result no tool is called again.
    assert (text_of(follow_up), follow_up.stop_reason) == ("Let me look.", "end_turn")


def test_calls_need_a_declared_tool_and_tool_choice_is_obeyed() -> None:
    user = "[[call: lookup_order]] [[call: not_declared {}]]"
    with serving() as fp:
        client, messages = gpt(fp), claude(fp)
        undeclared = ask_gpt(client, "[[call: not_declared]]", tools=[LOOKUP_OPENAI])
        assert undeclared.choices[0].message.content == "echo: [[call: not_declared]]"
        calls = ask_gpt(client, user, tools=[LOOKUP_OPENAI]).choices[0].message.tool_calls
        assert [c.function.name for c in calls or [] if c.type == "function"] == ["lookup_order"]
        no_tools = ask_gpt(client, user).choices[0].message
        assert (no_tools.content, no_tools.tool_calls) == (f"echo: {user}", None)
        none = ask_gpt(client, user, tools=[LOOKUP_OPENAI], tool_choice="none")
        assert none.choices[0].message.tool_calls is None
        forced = ask_gpt(client, "plain", tools=[LOOKUP_OPENAI], tool_choice="required")
        [call] = forced.choices[0].message.tool_calls or []
        assert isinstance(call, ChatCompletionMessageFunctionToolCall)
        assert (call.function.name, call.function.arguments) == ("lookup_order", "{}")
        any_tool: Any = {"type": "any"}
        used = ask_claude(messages, "plain", tools=[LOOKUP_ANTHROPIC], tool_choice=any_tool)
        assert [b.type for b in used.content] == ["tool_use"]
        refused: Any = {"type": "none"}
        text = ask_claude(messages, user, tools=[LOOKUP_ANTHROPIC], tool_choice=refused)
        assert text.stop_reason == "end_turn"


# --- errors ------------------------------------------------------------------------------------


def test_missing_keys_are_401_in_each_providers_shape(emu: RunningEmulator[Any]) -> None:
    body = {"model": "m", "messages": [{"role": "user", "content": "hi"}], "max_tokens": 5}
    chat = httpx.post(f"{emu.url}/v1/chat/completions", json=body)
    assert chat.status_code == 401
    assert chat.json()["error"]["type"] == "invalid_request_error"
    assert set(chat.json()["error"]) == {"message", "type", "param", "code"}
    message = httpx.post(f"{emu.url}/v1/messages", json=body)
    assert message.status_code == 401
    assert message.json() == {
        "type": "error",
        "error": {
            "type": "authentication_error",
            "message": "x-api-key or Authorization header is required",
        },
    }
    # Anthropic's own header works as well as the bearer key the SDK sends.
    headers = {"x-api-key": "k", "anthropic-version": "2023-06-01"}
    assert httpx.post(f"{emu.url}/v1/messages", json=body, headers=headers).status_code == 200


def test_only_the_configured_model_keys_are_accepted() -> None:
    with serving(models=ModelSettings(api_keys=["sk-good"])) as fp:
        with pytest.raises(openai.AuthenticationError) as bad_gpt:
            ask_gpt(gpt(fp, key="sk-bad"), "hi")
        assert bad_gpt.value.code == "invalid_api_key"
        with pytest.raises(anthropic.AuthenticationError):
            ask_claude(claude(fp, key="sk-bad"), "hi")
        assert ask_gpt(gpt(fp, key="sk-good"), "hi").choices[0].message.content == "echo: hi"
        assert text_of(ask_claude(claude(fp, key="sk-good"), "hi")) == "echo: hi"


@pytest.mark.parametrize(
    ("body", "message", "param"),
    [
        ({"model": "m"}, "Missing required parameter: 'messages'.", "messages"),
        ({"messages": [HI]}, "Missing required parameter: 'model'.", "model"),
        ({"model": "m", "messages": []}, None, "messages"),
        ({"model": "m", "messages": [{"role": "bot", "content": "x"}]}, None, "messages[0].role"),
        ({"model": "m", "messages": [{"role": "user", "content": 5}]}, None, "messages[0].content"),
        ({"model": "m", "messages": [HI], "stream": True}, None, "stream"),
        ({"model": "m", "messages": [HI], "max_tokens": 0}, None, "max_tokens"),
    ],
)
def test_openai_bodies_are_validated(body: Any, message: str | None, param: str) -> None:
    with serving() as fp:
        r = httpx.post(
            f"{fp.url}/v1/chat/completions", json=body, headers={"Authorization": "Bearer k"}
        )
    assert r.status_code == 400
    error = r.json()["error"]
    assert (error["type"], error["param"]) == ("invalid_request_error", param)
    if message is not None:
        assert error["message"] == message


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ({"model": "m", "messages": [HI]}, "max_tokens: Field required"),
        ({"model": "m", "max_tokens": 5}, "messages: Field required"),
        ({"max_tokens": 5, "messages": [HI]}, "model: Field required"),
        (
            {"model": "m", "max_tokens": 5, "messages": [{"role": "system", "content": "x"}]},
            "messages.0.role: Input should be 'user' or 'assistant'",
        ),
        (
            {"model": "m", "max_tokens": 5, "messages": [HI], "stream": True},
            "stream: the emulator does not stream; send stream=false",
        ),
        ([1], "The request body must be a JSON object."),
    ],
)
def test_anthropic_bodies_are_validated(body: Any, message: str) -> None:
    headers = {"x-api-key": "k", "anthropic-version": "2023-06-01"}
    with serving("promptlayer") as pl:
        r = httpx.post(f"{pl.url}/v1/messages", json=body, headers=headers)
    assert r.status_code == 400
    assert r.json() == {"type": "error", "error": {"type": BAD_REQUEST, "message": message}}


def test_malformed_json_and_missing_version_header_are_400() -> None:
    with serving() as fp:
        chat = httpx.post(
            f"{fp.url}/v1/chat/completions", content=b"{", headers={"Authorization": "Bearer k"}
        )
        ok = {"model": "m", "max_tokens": 5, "messages": [{"role": "user", "content": "x"}]}
        versionless = httpx.post(f"{fp.url}/v1/messages", json=ok, headers={"x-api-key": "k"})
    assert chat.status_code == 400
    assert chat.json()["error"]["message"] == "The request body is not valid JSON."
    assert versionless.status_code == 400
    assert versionless.json()["error"]["message"] == "anthropic-version: header is required"


def test_other_methods_and_paths_are_not_model_routes(emu: RunningEmulator[Any]) -> None:
    wrong_method = httpx.get(f"{emu.url}/v1/chat/completions")
    assert wrong_method.status_code == 405
    assert wrong_method.json()["error"]["type"] == "invalid_request_error"
    # Any other path is the registry's (Freeplay asks for its key first; PromptLayer says 404).
    other = httpx.post(f"{emu.url}/v1/embeddings", json={})
    assert other.status_code in (401, 404)
    assert "error" not in other.json()
    assert emu.model_calls == 0


# --- 429, faults, latency, stats ---------------------------------------------------------------


@pytest.mark.parametrize("backend", BACKENDS)
def test_every_nth_call_is_429_and_the_sdks_retry_after_it(backend: str) -> None:
    models = ModelSettings(rate_limit_every=2, retry_after=0.05)
    with serving(backend, models=models) as emu:
        client, messages = gpt(emu, max_retries=2), claude(emu, max_retries=2)
        assert ask_gpt(client, "one").choices[0].message.content == "echo: one"
        assert ask_gpt(client, "two").choices[0].message.content == "echo: two"  # 429, retried
        assert text_of(ask_claude(messages, "three")) == "echo: three"  # call 4: 429, retried
        assert outcomes(emu) == {
            f"{CHAT} -> 200": 2,
            f"{CHAT} -> 429": 1,
            f"{MESSAGES} -> 200": 1,
            f"{MESSAGES} -> 429": 1,
        }
        assert emu.model_calls == 5


def test_a_429_names_the_wait_in_each_providers_shape() -> None:
    with serving(models=ModelSettings(rate_limit_every=1, retry_after=0.02)) as fp:
        started = time.monotonic()
        with pytest.raises(openai.RateLimitError) as limited:
            ask_gpt(gpt(fp, max_retries=2), "hi")
        assert time.monotonic() - started < 2  # the SDK waited retry-after-ms, not 1 s
        headers = limited.value.response.headers
        assert (headers["retry-after"], headers["retry-after-ms"]) == ("1", "20")
        assert (limited.value.type, limited.value.code) == ("requests", "rate_limit_exceeded")
        with pytest.raises(anthropic.RateLimitError) as again:
            ask_claude(claude(fp), "hi")
        assert again.value.response.json()["error"]["type"] == "rate_limit_error"
        assert fp.stats.snapshot()["outcomes"] == {f"{CHAT} -> 429": 3, f"{MESSAGES} -> 429": 1}


@pytest.mark.parametrize("backend", BACKENDS)
def test_injected_failures_use_each_providers_error_shape(backend: str) -> None:
    with serving(backend, faults=FaultConfig(fail_rate=1.0, seed=1)) as emu:
        with pytest.raises(openai.InternalServerError) as chat:
            ask_gpt(gpt(emu), "hi")
        assert chat.value.type == "server_error"
        with pytest.raises(anthropic.InternalServerError) as message:
            ask_claude(claude(emu), "hi")
        error = {"type": "api_error", "message": "Injected failure before processing the request"}
        assert message.value.response.json() == {"type": "error", "error": error}
        assert emu.model_calls == 2


def test_failures_after_processing_and_dropped_connections() -> None:
    with serving(faults=FaultConfig(fail_after_commit_rate=1.0, seed=1)) as fp:
        with pytest.raises(anthropic.InternalServerError) as after:
            ask_claude(claude(fp), "hi")
        assert "after processing" in after.value.response.json()["error"]["message"]
    with serving("promptlayer", faults=FaultConfig(drop_rate=1.0, seed=1)) as pl:
        with pytest.raises(openai.APIConnectionError):
            ask_gpt(gpt(pl), "hi")
        assert pl.stats.snapshot()["outcomes"] == {f"{CHAT} -> dropped": 1}


def test_the_sdk_retries_a_5xx_through_to_an_answer() -> None:
    # Which attempt fails depends on the body the SDK sends: take the first seed that fails one.
    for seed in range(1, 20):
        with serving(faults=FaultConfig(fail_rate=0.5, seed=seed)) as fp:
            reply = ask_gpt(gpt(fp, max_retries=5), "retry me")
            assert reply.choices[0].message.content == "echo: retry me"
            seen = outcomes(fp)
        assert seen[f"{CHAT} -> 200"] == 1
        if seen.get(f"{CHAT} -> 500"):
            return
    pytest.fail("no seed failed a first attempt")


def test_latency_applies_to_model_calls() -> None:
    with serving("promptlayer", faults=FaultConfig(latency_ms=200)) as pl:
        started = time.monotonic()
        ask_claude(claude(pl), "hi")
        assert time.monotonic() - started >= 0.2


def test_stats_count_model_calls_apart_from_registry_calls() -> None:
    with serving(decorate_responses=True) as fp:
        with fp.client() as registry:
            registry.get(f"/projects/{fp.project_id}/prompt-templates/all/latest")
        assert fp.model_calls == 0
        reply = gpt(fp).chat.completions.with_raw_response.create(
            model="m", messages=[{"role": "user", "content": "hi"}]
        )
        assert "request_id" not in reply.http_response.json()  # never decorated
        ask_claude(claude(fp), "hi")
        stats = httpx.get(
            f"{fp.url}/_emulator/stats", headers={"Authorization": f"Bearer {fp.api_key}"}
        ).json()
    assert stats["model_calls"] == fp.model_calls == 2
    assert stats["routes"][CHAT] == stats["routes"][MESSAGES] == 1
    assert stats["total"] == 3


def test_the_cli_flags_rate_limit_model_calls() -> None:
    flags = ("--db", ":memory:", "--rate-limit-every", "1", "--retry-after", "0.25")
    with emulator_subprocess(*flags, backend="promptlayer") as (_process, url):
        r = httpx.post(f"{url}/v1/chat/completions", json={}, headers={"Authorization": "Bearer k"})
    assert r.status_code == 429
    assert (r.headers["retry-after"], r.headers["retry-after-ms"]) == ("1", "250")
