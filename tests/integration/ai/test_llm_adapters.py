"""Each SDK adapter against a loopback server speaking its provider's wire protocol.

The same behaviours for OpenAI, Anthropic and Ollama: an answer, a stream, a 429 waited out
or fallen back from, a 500 and a hang falling back to the next provider, all failing as a
5xx with reasons, the SDKs making no retries of their own, and the figures counted.
"""

from __future__ import annotations

import time
from collections.abc import AsyncIterator, Iterator

import pytest
from prometheus_client import CollectorRegistry

from aic.ai.providers import (
    CompletionChunk,
    CompletionRequest,
    LLMProvider,
    Message,
    ProviderError,
)
from aic.ai.providers.anthropic import AnthropicProvider
from aic.ai.providers.chain import AllProvidersFailed, ProviderChain, StreamInterrupted
from aic.ai.providers.metrics import LLMMetrics
from aic.ai.providers.ollama import OllamaProvider
from aic.ai.providers.openai import OpenAIProvider
from tests.support.llm import ScriptedProvider
from tests.support.llm_wire import Answer, Hang, Script, Status, WireScripts, wire_app
from tests.support.loopback import LoopbackServer
from tests.support.services import free_ports

pytestmark = pytest.mark.anyio

ADAPTERS = ["openai", "anthropic", "ollama"]
MODELS = {"openai": "gpt-test", "anthropic": "claude-test", "ollama": "llama-test"}
ASK = CompletionRequest(
    messages=(Message("system", "Be brief."), Message("user", "Say hello to the team.")),
    max_tokens=50,
)


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


@pytest.fixture(scope="module")
def wire() -> Iterator[tuple[WireScripts, str]]:
    scripts = WireScripts()
    with LoopbackServer(wire_app(scripts)) as server:
        yield scripts, server.url


def make_provider(kind: str, url: str, timeout: float = 0.5) -> LLMProvider:
    if kind == "openai":
        return OpenAIProvider(
            api_key="sk-test", base_url=f"{url}/v1", models=("gpt-test",), timeout=timeout
        )
    if kind == "anthropic":
        return AnthropicProvider(
            api_key="ant-test", base_url=url, models=("claude-test",), timeout=timeout
        )
    return OllamaProvider(host=url, models=("llama-test",), timeout=timeout)


class Adapter:
    def __init__(self, kind: str, provider: LLMProvider, script: Script) -> None:
        self.kind = kind
        self.provider = provider
        self.script = script
        self.model = MODELS[kind]
        self.registry = CollectorRegistry()
        self.backup = ScriptedProvider("backup", ("backup-1",), reply=lambda _: "Backup answer.")

    def chain(self, retries: int = 1, retry_after_max: float = 5.0) -> ProviderChain:
        return ProviderChain(
            [self.provider, self.backup],
            metrics=LLMMetrics(self.registry),
            retries=retries,
            retry_after_max=retry_after_max,
            backoff=0.01,
        )

    def count(self, name: str, **labels: str) -> float:
        return self.registry.get_sample_value(name, labels) or 0.0


@pytest.fixture(params=ADAPTERS)
async def adapter(
    request: pytest.FixtureRequest, wire: tuple[WireScripts, str]
) -> AsyncIterator[Adapter]:
    scripts, url = wire
    scripts.reset()
    provider = make_provider(request.param, url)
    yield Adapter(request.param, provider, getattr(scripts, request.param))
    await provider.aclose()


async def collect(
    chunks: AsyncIterator[CompletionChunk], into: list[CompletionChunk] | None = None
) -> list[CompletionChunk]:
    received = [] if into is None else into
    async for chunk in chunks:
        received.append(chunk)
    return received


async def test_an_adapter_answers_with_text_model_usage_and_latency(adapter: Adapter) -> None:
    completion = await adapter.provider.generate(ASK)
    assert completion.text == "Hello from the fake server."
    assert (completion.provider, completion.model) == (adapter.kind, adapter.model)
    assert completion.finish_reason == "stop"
    assert completion.usage.completion_tokens == 5
    assert completion.usage.prompt_tokens > 0
    assert 0 < completion.latency_s < 5
    assert len(adapter.script.requests) == 1


async def test_an_adapter_streams_the_pieces_then_a_last_chunk_with_usage(
    adapter: Adapter,
) -> None:
    chunks = await collect(adapter.provider.stream(ASK))
    assert [c.text for c in chunks[:-1]] == ["Hello", " from", " the", " fake", " server."]
    assert all(c.finish_reason is None for c in chunks[:-1])
    last = chunks[-1]
    assert (last.text, last.finish_reason) == ("", "stop")
    assert last.usage is not None
    assert last.usage.completion_tokens == 5
    assert adapter.script.requests[0]["stream"] is True


async def test_a_429_is_waited_out_for_its_retry_after_then_answered(adapter: Adapter) -> None:
    adapter.script.then(Status(429, retry_after="0.3"))
    started = time.monotonic()
    completion = await adapter.chain(retries=1).generate(ASK)
    assert time.monotonic() - started >= 0.3
    assert completion.provider == adapter.kind
    assert len(adapter.script.requests) == 2
    labels = {"provider": adapter.kind, "model": adapter.model}
    assert adapter.count("aic_ai_llm_errors_total", **labels, kind="rate_limited") == 1
    assert adapter.count("aic_ai_llm_requests_total", **labels, outcome="ok") == 1


async def test_a_429_asking_too_long_a_wait_falls_back_at_once(adapter: Adapter) -> None:
    adapter.script.then(Status(429, retry_after="30"))
    started = time.monotonic()
    completion = await adapter.chain(retries=1, retry_after_max=5.0).generate(ASK)
    assert time.monotonic() - started < 2
    assert (completion.provider, completion.text) == ("backup", "Backup answer.")
    assert len(adapter.script.requests) == 1


async def test_a_500_is_retried_once_then_falls_back_to_the_next_provider(
    adapter: Adapter,
) -> None:
    adapter.script.then(Status(500), Status(503))
    completion = await adapter.chain(retries=1).generate(ASK)
    assert completion.provider == "backup"
    assert len(adapter.script.requests) == 2  # ours: one retry; the SDK's own: none
    labels = {"provider": adapter.kind, "model": adapter.model}
    assert adapter.count("aic_ai_llm_errors_total", **labels, kind="server_error") == 2
    assert adapter.count("aic_ai_llm_requests_total", **labels, outcome="error") == 2
    backup = {"provider": "backup", "model": "backup-1"}
    assert adapter.count("aic_ai_llm_requests_total", **backup, outcome="ok") == 1


@pytest.mark.parametrize("status", [429, 500, 502, 503])
async def test_the_sdk_makes_no_retries_of_its_own(adapter: Adapter, status: int) -> None:
    adapter.script.then(Status(status, retry_after="0"), Status(status, retry_after="0"))
    completion = await adapter.chain(retries=0).generate(ASK)
    assert completion.provider == "backup"
    assert len(adapter.script.requests) == 1


async def test_a_hang_times_out_and_falls_back_without_a_retry(adapter: Adapter) -> None:
    adapter.script.then(Hang())
    started = time.monotonic()
    completion = await adapter.chain(retries=1).generate(ASK)
    assert 0.4 < time.monotonic() - started < 3
    assert completion.provider == "backup"
    assert len(adapter.script.requests) == 1
    labels = {"provider": adapter.kind, "model": adapter.model, "kind": "timeout"}
    assert adapter.count("aic_ai_llm_errors_total", **labels) == 1


async def test_when_every_provider_fails_the_error_is_a_502_with_each_reason(
    adapter: Adapter,
) -> None:
    adapter.script.then(Status(500, message="upstream exploded"))
    adapter.backup.then(ProviderError("backup", "server_error", "backup down"))
    with pytest.raises(AllProvidersFailed) as failed:
        await adapter.chain(retries=0).generate(ASK)
    assert failed.value.status_code == 502
    attempts = failed.value.details["attempts"]
    assert [(a["provider"], a["kind"]) for a in attempts] == [
        (adapter.kind, "server_error"),
        ("backup", "server_error"),
    ]
    assert attempts[0]["status_code"] == 500
    assert "upstream exploded" in attempts[0]["message"]


async def test_a_stream_falls_back_when_the_provider_fails_before_its_first_text(
    adapter: Adapter,
) -> None:
    adapter.script.then(Status(500), Hang())
    chunks = await collect(adapter.chain(retries=1).stream(ASK))
    assert "".join(c.text for c in chunks) == "Backup answer."
    assert {c.provider for c in chunks} == {"backup"}
    assert len(adapter.script.requests) == 2


async def test_a_stream_that_stalls_after_its_first_text_is_interrupted_not_fallen_back(
    adapter: Adapter,
) -> None:
    adapter.script.then(Answer(hang_after=2))
    received: list[CompletionChunk] = []
    with pytest.raises(StreamInterrupted) as interrupted:
        await collect(adapter.chain(retries=1).stream(ASK), into=received)
    assert [c.text for c in received] == ["Hello", " from"]
    assert interrupted.value.failure.kind == "timeout"
    assert adapter.backup.calls == []


async def test_an_error_event_in_the_middle_of_a_stream_interrupts_it(adapter: Adapter) -> None:
    adapter.script.then(Answer(fail_after=1))
    received: list[CompletionChunk] = []
    with pytest.raises(StreamInterrupted) as interrupted:
        await collect(adapter.chain(retries=1).stream(ASK), into=received)
    assert [c.text for c in received] == ["Hello"]
    assert interrupted.value.failure.kind == "server_error"
    assert adapter.backup.calls == []


async def test_a_provider_that_cannot_be_reached_is_a_connection_failure() -> None:
    closed = f"http://127.0.0.1:{free_ports(1)[0]}"
    for kind in ADAPTERS:
        provider = make_provider(kind, closed)
        chain = ProviderChain([provider], retries=0)
        with pytest.raises(AllProvidersFailed) as failed:
            await chain.generate(ASK)
        await provider.aclose()
        assert failed.value.details["attempts"][0]["kind"] == "connection", kind


async def test_the_three_adapters_fall_back_in_turn(wire: tuple[WireScripts, str]) -> None:
    scripts, url = wire
    scripts.reset()
    scripts.openai.then(Status(500))
    scripts.anthropic.then(Hang())
    providers = [make_provider(kind, url) for kind in ADAPTERS]
    chain = ProviderChain(providers, retries=0)
    try:
        completion = await chain.generate(ASK)
        chunks = await collect(chain.stream(ASK))
    finally:
        await chain.aclose()
    assert completion.provider == "ollama"
    assert chunks[0].provider == "openai"  # the second time, openai answers
    assert [len(s.requests) for s in (scripts.openai, scripts.anthropic, scripts.ollama)] == [
        2,
        1,
        1,
    ]


async def test_openai_gets_the_messages_and_max_tokens_of_a_compatible_server(
    wire: tuple[WireScripts, str],
) -> None:
    scripts, url = wire
    scripts.reset()
    provider = make_provider("openai", url)
    await provider.generate(
        CompletionRequest(ASK.messages, max_tokens=7, temperature=0.3, stop=("END",))
    )
    await collect(provider.stream(ASK))
    await provider.aclose()
    plain, streamed = scripts.openai.requests
    assert plain["messages"] == [
        {"role": "system", "content": "Be brief."},
        {"role": "user", "content": "Say hello to the team."},
    ]
    assert (plain["max_tokens"], plain["temperature"], plain["stop"]) == (7, 0.3, ["END"])
    assert streamed["stream_options"] == {"include_usage": True}
    assert scripts.openai.headers[0]["authorization"] == "Bearer sk-test"


async def test_anthropic_gets_the_system_messages_as_its_system(
    wire: tuple[WireScripts, str],
) -> None:
    scripts, url = wire
    scripts.reset()
    provider = make_provider("anthropic", url)
    ask = CompletionRequest(
        (
            Message("system", "Be brief."),
            Message("user", "Hello?"),
            Message("assistant", "Hi."),
            Message("system", "Answer in English."),
            Message("user", "Say hello to the team."),
        ),
        temperature=0.2,
        stop=("END",),
    )
    await provider.generate(ask)
    await provider.aclose()
    (sent,) = scripts.anthropic.requests
    assert sent["system"] == "Be brief.\n\nAnswer in English."
    assert [m["role"] for m in sent["messages"]] == ["user", "assistant", "user"]
    assert sent["max_tokens"] == 1024  # required by Anthropic: the configured default
    assert sent["stop_sequences"] == ["END"]
    assert "temperature" not in sent  # refused by the API version this SDK speaks


async def test_ollama_gets_its_options(wire: tuple[WireScripts, str]) -> None:
    scripts, url = wire
    scripts.reset()
    provider = make_provider("ollama", url)
    await provider.generate(CompletionRequest(ASK.messages, max_tokens=9, temperature=0.1))
    await provider.aclose()
    (sent,) = scripts.ollama.requests
    assert sent["options"] == {"num_predict": 9, "temperature": 0.1}
    assert sent["stream"] is False
