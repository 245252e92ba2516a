"""The provider chain: who is asked, when it waits, when it falls back, and how it fails."""

from __future__ import annotations

from collections.abc import AsyncIterator, Sequence

import pytest
from prometheus_client import CollectorRegistry

from aic.ai.providers import (
    Completion,
    CompletionChunk,
    CompletionRequest,
    Message,
    ProviderError,
    ProviderStatus,
)
from aic.ai.providers.chain import (
    AllProvidersFailed,
    ProviderChain,
    StreamInterrupted,
    UnknownModel,
)
from aic.ai.providers.metrics import LLMMetrics
from aic.ai.providers.ports import ErrorKind
from tests.support.llm import Pieces, ScriptedProvider

pytestmark = pytest.mark.anyio

ASK = CompletionRequest((Message("user", "Write a haiku about lead scoring."),))


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


class Pauses:
    """Records the chain's waits instead of sleeping through them."""

    def __init__(self) -> None:
        self.seconds: list[float] = []

    async def __call__(self, seconds: float) -> None:
        self.seconds.append(seconds)


def chain_of(
    *providers: ScriptedProvider,
    retries: int = 1,
    registry: CollectorRegistry | None = None,
    missing: Sequence[ProviderStatus] = (),
) -> tuple[ProviderChain, Pauses]:
    pauses = Pauses()
    chain = ProviderChain(
        providers,
        missing=missing,
        metrics=LLMMetrics(registry) if registry else None,
        retries=retries,
        retry_after_max=5.0,
        backoff=0.2,
        sleep=pauses,
    )
    return chain, pauses


def fail(kind: ErrorKind, retry_after: float | None = None, name: str = "first") -> ProviderError:
    return ProviderError(name, kind, f"scripted {kind}", retry_after=retry_after)


async def collect(
    chunks: AsyncIterator[CompletionChunk], into: list[CompletionChunk] | None = None
) -> list[CompletionChunk]:
    received = [] if into is None else into
    async for chunk in chunks:
        received.append(chunk)
    return received


async def test_the_first_provider_that_answers_is_the_only_one_asked() -> None:
    first, second = ScriptedProvider("first", ("f-1",)), ScriptedProvider("second", ("s-1",))
    chain, pauses = chain_of(first, second)
    completion = await chain.generate(ASK)
    assert (completion.provider, completion.model) == ("first", "f-1")
    assert (len(first.calls), len(second.calls), pauses.seconds) == (1, 0, [])


async def test_a_named_model_goes_to_its_provider_and_the_next_ones_use_their_default() -> None:
    first = ScriptedProvider("first", ("f-1",))
    second = ScriptedProvider("second", ("s-1", "s-2"), script=[fail("server_error")])
    chain, _ = chain_of(first, second, retries=0)
    completion = await chain.generate(CompletionRequest(ASK.messages, model="s-2"))
    assert [c.model for c in second.calls] == ["s-2"]
    assert [c.model for c in first.calls] == [None]
    assert (completion.provider, completion.model) == ("first", "f-1")


async def test_a_model_no_available_provider_serves_is_a_404_naming_those_that_exist() -> None:
    hidden = ScriptedProvider("hidden", ("h-1",), available=False)
    chain, _ = chain_of(ScriptedProvider("first", ("f-1",)), hidden)
    with pytest.raises(UnknownModel) as unknown:
        await chain.generate(CompletionRequest(ASK.messages, model="h-1"))
    assert unknown.value.status_code == 404
    assert unknown.value.details == {"model": "h-1", "available": ["f-1"]}


async def test_a_429_with_a_short_retry_after_is_waited_out_on_the_same_provider() -> None:
    first = ScriptedProvider("first", script=[fail("rate_limited", retry_after=1.5)])
    chain, pauses = chain_of(first, ScriptedProvider("second"))
    completion = await chain.generate(ASK)
    assert completion.provider == "first"
    assert pauses.seconds == [1.5]


async def test_a_429_with_a_long_retry_after_falls_back_at_once() -> None:
    first = ScriptedProvider("first", script=[fail("rate_limited", retry_after=60)])
    chain, pauses = chain_of(first, ScriptedProvider("second"))
    assert (await chain.generate(ASK)).provider == "second"
    assert (len(first.calls), pauses.seconds) == (1, [])


@pytest.mark.parametrize("kind", ["server_error", "connection", "rate_limited"])
async def test_a_transient_failure_is_retried_after_a_backoff_then_falls_back(
    kind: ErrorKind,
) -> None:
    first = ScriptedProvider("first", script=[fail(kind), fail(kind)])
    chain, pauses = chain_of(first, ScriptedProvider("second"), retries=1)
    assert (await chain.generate(ASK)).provider == "second"
    assert len(first.calls) == 2
    assert len(pauses.seconds) == 1
    assert 0.1 <= pauses.seconds[0] <= 0.2


@pytest.mark.parametrize("kind", ["timeout", "auth", "bad_request"])
async def test_a_timeout_or_a_refusal_falls_back_without_a_retry(kind: ErrorKind) -> None:
    first = ScriptedProvider("first", script=[fail(kind)])
    chain, pauses = chain_of(first, ScriptedProvider("second"), retries=3)
    assert (await chain.generate(ASK)).provider == "second"
    assert (len(first.calls), pauses.seconds) == (1, [])


async def test_an_empty_answer_is_a_failure_never_a_success() -> None:
    first = ScriptedProvider("first", script=[""])
    chain, _ = chain_of(first, ScriptedProvider("second", script=[""]), retries=0)
    with pytest.raises(AllProvidersFailed) as failed:
        await chain.generate(ASK)
    assert [a["kind"] for a in failed.value.details["attempts"]] == ["empty", "empty"]
    assert failed.value.status_code == 502


@pytest.mark.parametrize(
    ("kinds", "status", "code"),
    [
        (["timeout", "timeout"], 504, "llm_timeout"),
        (["rate_limited", "rate_limited"], 503, "llm_rate_limited"),
        (["server_error", "timeout"], 502, "llm_failed"),
        (["auth", "bad_request"], 502, "llm_failed"),
    ],
)
async def test_all_failing_is_a_5xx_whose_class_says_why(
    kinds: list[ErrorKind], status: int, code: str
) -> None:
    providers = [
        ScriptedProvider(f"p{i}", script=[fail(kind, name=f"p{i}")]) for i, kind in enumerate(kinds)
    ]
    chain, _ = chain_of(*providers, retries=0)
    with pytest.raises(AllProvidersFailed) as failed:
        await chain.generate(ASK)
    assert (failed.value.status_code, failed.value.code) == (status, code)
    attempts = failed.value.details["attempts"]
    assert [(a["provider"], a["kind"]) for a in attempts] == [
        (f"p{i}", kind) for i, kind in enumerate(kinds)
    ]
    assert all(a["message"] for a in attempts)


async def test_all_rate_limited_carries_the_shortest_retry_after() -> None:
    chain, _ = chain_of(
        ScriptedProvider("a", script=[fail("rate_limited", retry_after=40.2, name="a")]),
        ScriptedProvider("b", script=[fail("rate_limited", retry_after=12.5, name="b")]),
        retries=0,
    )
    with pytest.raises(AllProvidersFailed) as failed:
        await chain.generate(ASK)
    assert failed.value.headers == {"Retry-After": "13"}


async def test_with_no_provider_to_ask_the_error_is_a_503_saying_what_to_configure() -> None:
    missing = [ProviderStatus("openai", False, reason="set AIC_OPENAI_API_KEY")]
    off = ScriptedProvider("local", available=False)
    chain, _ = chain_of(off, missing=missing)
    with pytest.raises(AllProvidersFailed) as failed:
        await chain.generate(ASK)
    assert (failed.value.status_code, failed.value.code) == (503, "llm_unavailable")
    assert failed.value.details["attempts"] == [
        {"provider": "local", "kind": "unavailable", "message": "switched off by the test"},
        {"provider": "openai", "kind": "unavailable", "message": "set AIC_OPENAI_API_KEY"},
    ]
    assert off.calls == []
    assert chain.status().available is False


async def test_a_stream_falls_back_until_its_first_text() -> None:
    first = ScriptedProvider("first", script=[fail("server_error"), Pieces(())])
    second = ScriptedProvider("second", reply=lambda _: "all good here")
    chain, _ = chain_of(first, second, retries=1)
    chunks = await collect(chain.stream(ASK))
    assert "".join(c.text for c in chunks) == "all good here"
    assert chunks[-1].finish_reason == "stop"
    assert len(first.calls) == 2  # the retry answered nothing: that fails too


async def test_a_stream_failing_after_its_first_text_is_interrupted_not_fallen_back() -> None:
    broken = Pieces(("Leads ", "score "), then=fail("connection"))
    second = ScriptedProvider("second")
    chain, _ = chain_of(ScriptedProvider("first", script=[broken]), second)
    received: list[CompletionChunk] = []
    with pytest.raises(StreamInterrupted) as interrupted:
        await collect(chain.stream(ASK), into=received)
    assert [c.text for c in received] == ["Leads ", "score "]
    assert interrupted.value.status_code == 502
    assert interrupted.value.details["attempts"][0]["kind"] == "connection"
    assert second.calls == []


async def test_the_last_chunk_of_a_stream_always_has_usage() -> None:
    class NoUsage(ScriptedProvider):
        async def stream(self, request: CompletionRequest) -> AsyncIterator[CompletionChunk]:
            yield CompletionChunk("Twelve chars", "m", self.name)
            yield CompletionChunk("", "m", self.name, finish_reason="length")

    chain, _ = chain_of(NoUsage("plain"))
    last = (await collect(chain.stream(ASK)))[-1]
    assert last.finish_reason == "length"
    assert last.usage is not None
    assert last.usage.completion_tokens == 3


async def test_a_stream_left_early_closes_the_providers_stream() -> None:
    closed: list[bool] = []

    class Endless(ScriptedProvider):
        async def stream(self, request: CompletionRequest) -> AsyncIterator[CompletionChunk]:
            try:
                while True:
                    yield CompletionChunk("more ", "m", self.name)
            finally:
                closed.append(True)

    chain, _ = chain_of(Endless("endless"))
    stream = chain.stream(ASK)
    assert (await anext(stream)).text == "more "
    await stream.aclose()
    assert closed == [True]


async def test_metrics_count_each_call_per_provider_and_model() -> None:
    registry = CollectorRegistry()
    first = ScriptedProvider("first", ("f-1",), script=[fail("timeout")])
    chain, _ = chain_of(first, ScriptedProvider("second", ("s-1",)), registry=registry)
    await chain.generate(ASK)
    await collect(chain.stream(CompletionRequest(ASK.messages, model="s-1")))

    def value(name: str, **labels: str) -> float:
        return registry.get_sample_value(name, labels) or 0.0

    assert value("aic_ai_llm_errors_total", provider="first", model="f-1", kind="timeout") == 1
    assert value("aic_ai_llm_requests_total", provider="first", model="f-1", outcome="error") == 1
    assert value("aic_ai_llm_requests_total", provider="second", model="s-1", outcome="ok") == 2
    completion_tokens = {"provider": "second", "model": "s-1", "type": "completion"}
    assert value("aic_ai_llm_tokens_count", **completion_tokens) == 2
    assert value("aic_ai_llm_tokens_sum", **completion_tokens) > 0
    assert value("aic_ai_llm_request_duration_seconds_count", provider="second", model="s-1") == 2
    first_token = {"provider": "second", "model": "s-1"}
    assert value("aic_ai_llm_time_to_first_token_seconds_count", **first_token) == 1


async def test_models_and_statuses_cover_every_provider_in_order() -> None:
    missing = [ProviderStatus("ollama", False, reason="set AIC_OLLAMA_URL")]
    chain, _ = chain_of(
        ScriptedProvider("first", ("f-1", "shared")),
        ScriptedProvider("second", ("shared", "s-1")),
        missing=missing,
    )
    assert chain.models() == ["f-1", "shared", "s-1"]
    assert chain.model_owners() == {"f-1": "first", "shared": "first", "s-1": "second"}
    assert [s.name for s in chain.statuses()] == ["first", "second", "ollama"]


async def test_an_adapter_that_crashes_falls_back_and_is_not_retried() -> None:
    class Crashing(ScriptedProvider):
        async def generate(self, request: CompletionRequest) -> Completion:
            self.calls.append(request)
            raise KeyError("choices")

    crashing = Crashing("crashing")
    chain, pauses = chain_of(crashing, ScriptedProvider("second"), retries=2)
    assert (await chain.generate(ASK)).provider == "second"
    assert (len(crashing.calls), pauses.seconds) == (1, [])
    crashing_only, _ = chain_of(Crashing("crashing"), retries=0)
    with pytest.raises(AllProvidersFailed) as failed:
        await crashing_only.generate(ASK)
    assert failed.value.details["attempts"][0]["kind"] == "unexpected"
    assert "KeyError" in failed.value.details["attempts"][0]["message"]
