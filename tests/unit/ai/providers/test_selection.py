"""Which providers the settings configure, in which order, and what a missing one needs."""

from __future__ import annotations

from pathlib import Path

import pytest
from pydantic import ValidationError

from aic.ai.providers.anthropic import AnthropicProvider
from aic.ai.providers.ollama import OllamaProvider
from aic.ai.providers.openai import OpenAIProvider
from aic.ai.providers.selection import build_chain, provider_order
from aic.ai.settings import AISettings
from tests.support.llm import ScriptedProvider

pytestmark = pytest.mark.anyio


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


@pytest.fixture(autouse=True)
def _clean_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    import os

    for name in list(os.environ):
        if name.startswith("AIC_"):
            monkeypatch.delenv(name)


def settings(**values: object) -> AISettings:
    return AISettings(data_dir=Path("unused"), **values)  # type: ignore[arg-type]


def test_by_default_the_configured_providers_come_first_then_the_offline_one() -> None:
    assert provider_order(settings()) == ("local",)
    configured = settings(anthropic_api_key="a", ollama_url="http://127.0.0.1:11434")
    assert provider_order(configured) == ("anthropic", "ollama", "local")
    assert provider_order(settings(openai_base_url="http://vllm:8000/v1")) == ("openai", "local")


def test_an_explicit_order_is_kept_and_checked() -> None:
    assert provider_order(settings(llm_providers="Ollama, local")) == ("ollama", "local")
    with pytest.raises(ValidationError, match="unknown provider"):
        settings(llm_providers="openai,gemini")
    with pytest.raises(ValidationError, match="twice"):
        settings(llm_providers="local,local")
    with pytest.raises(ValidationError, match="at least one model"):
        settings(openai_model=" , ")


async def test_the_chain_has_the_configured_providers_and_reports_the_missing_ones() -> None:
    offline = ScriptedProvider("local-composer", ("local-composer-1",))
    chain = build_chain(
        settings(
            openai_api_key="sk",
            openai_model="gpt-a, gpt-b",
            ollama_url="http://127.0.0.1:11434",
            ollama_model="llama3.2",
        ),
        offline,
    )
    statuses = {s.name: s for s in chain.statuses()}
    assert list(statuses) == ["openai", "ollama", "local-composer", "anthropic"]
    assert statuses["openai"].models == ("gpt-a", "gpt-b")
    assert statuses["anthropic"].available is False
    assert statuses["anthropic"].reason == "set AIC_ANTHROPIC_API_KEY"
    assert chain.models() == ["gpt-a", "gpt-b", "llama3.2", "local-composer-1"]
    await chain.aclose()
    assert offline.closed


async def test_without_an_offline_provider_local_is_reported_missing() -> None:
    chain = build_chain(settings(), offline=None)
    statuses = {s.name: s for s in chain.statuses()}
    assert statuses["local"].available is False
    assert statuses["openai"].reason is not None
    assert "AIC_OPENAI_API_KEY" in statuses["openai"].reason
    assert chain.status().available is False
    await chain.aclose()


async def test_a_configured_provider_left_out_of_the_order_says_so() -> None:
    chain = build_chain(settings(anthropic_api_key="a", llm_providers="local"), offline=None)
    statuses = {s.name: s for s in chain.statuses()}
    assert statuses["anthropic"].reason == "configured, but not listed in AIC_LLM_PROVIDERS"
    await chain.aclose()


async def test_every_sdk_client_is_built_with_its_own_retries_off() -> None:
    providers = [
        OpenAIProvider(api_key="k", models=("m",)),
        AnthropicProvider(api_key="k", models=("m",)),
    ]
    for provider in providers:
        assert provider._client.max_retries == 0
        await provider.aclose()
    ollama = OllamaProvider(host="http://127.0.0.1:11434", models=("m",))
    await ollama.aclose()  # the ollama SDK has no retries


async def test_openai_is_sent_max_completion_tokens_and_compatible_servers_max_tokens() -> None:
    own = OpenAIProvider(api_key="k", models=("m",))
    compatible = OpenAIProvider(api_key="k", models=("m",), base_url="http://vllm:8000/v1")
    assert own._tokens_param == "max_completion_tokens"
    assert compatible._tokens_param == "max_tokens"
    await own.aclose()
    await compatible.aclose()
