"""Which providers the settings configure and in what order: the chain, and what is missing.

The offline provider is not built here: the composition root passes it in (``offline``),
so the chain does not depend on how it retrieves and composes.
"""

from __future__ import annotations

from aic.ai.providers.anthropic import AnthropicProvider
from aic.ai.providers.chain import ProviderChain
from aic.ai.providers.metrics import LLMMetrics
from aic.ai.providers.ollama import OllamaProvider
from aic.ai.providers.openai import OpenAIProvider
from aic.ai.providers.ports import LLMProvider, ProviderStatus
from aic.ai.settings import LLM_PROVIDER_NAMES, AISettings, names

__all__ = ["OFFLINE", "build_chain", "provider_order"]

OFFLINE = "local"
_NETWORK = tuple(name for name in LLM_PROVIDER_NAMES if name != OFFLINE)
_HINTS = {
    "openai": "set AIC_OPENAI_API_KEY (or AIC_OPENAI_BASE_URL for an OpenAI-compatible server)",
    "anthropic": "set AIC_ANTHROPIC_API_KEY",
    "ollama": "set AIC_OLLAMA_URL (e.g. http://127.0.0.1:11434)",
}


def provider_order(settings: AISettings) -> tuple[str, ...]:
    """``AIC_LLM_PROVIDERS``, or the configured network providers followed by ``local``."""
    if settings.llm_providers:
        return names(settings.llm_providers)
    return (*(name for name in _NETWORK if _configured(settings, name)), OFFLINE)


def build_chain(
    settings: AISettings, offline: LLMProvider | None, metrics: LLMMetrics | None = None
) -> ProviderChain:
    order = provider_order(settings)
    providers: list[LLMProvider] = []
    missing: list[ProviderStatus] = []
    for name in order:
        if name == OFFLINE:
            if offline is not None:
                providers.append(offline)
            else:
                missing.append(
                    ProviderStatus(OFFLINE, False, reason="no offline provider in this build")
                )
        elif _configured(settings, name):
            providers.append(_network_provider(settings, name))
        else:
            missing.append(ProviderStatus(name, False, reason=_HINTS[name]))
    for name in _NETWORK:
        if name not in order:
            reason = "configured, but not listed in AIC_LLM_PROVIDERS"
            missing.append(
                ProviderStatus(
                    name, False, reason=reason if _configured(settings, name) else _HINTS[name]
                )
            )
    return ProviderChain(
        providers,
        missing=missing,
        metrics=metrics,
        retries=settings.llm_retries,
        retry_after_max=settings.llm_retry_after_max_seconds,
    )


def _configured(settings: AISettings, name: str) -> bool:
    if name == "openai":
        # a compatible server on its own URL may need no key
        return bool(settings.openai_api_key or settings.openai_base_url)
    if name == "anthropic":
        return bool(settings.anthropic_api_key)
    return bool(settings.ollama_url)


def _network_provider(settings: AISettings, name: str) -> LLMProvider:
    if name == "openai":
        return OpenAIProvider(
            api_key=settings.openai_api_key or "unused",
            base_url=settings.openai_base_url,
            models=names(settings.openai_model),
            timeout=settings.openai_timeout_seconds,
            max_tokens=settings.llm_max_tokens,
        )
    if name == "anthropic":
        return AnthropicProvider(
            api_key=settings.anthropic_api_key or "",
            base_url=settings.anthropic_base_url,
            models=names(settings.anthropic_model),
            timeout=settings.anthropic_timeout_seconds,
            max_tokens=settings.llm_max_tokens,
        )
    return OllamaProvider(
        host=settings.ollama_url or "",
        models=names(settings.ollama_model),
        timeout=settings.ollama_timeout_seconds,
        max_tokens=settings.llm_max_tokens,
    )
