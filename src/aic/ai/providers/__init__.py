"""LLM providers behind one port, and the chain that falls back from one to the next."""

from aic.ai.providers.ports import (
    Completion,
    CompletionChunk,
    CompletionRequest,
    LLMProvider,
    Message,
    ProviderError,
    ProviderStatus,
    Usage,
)

__all__ = [
    "Completion",
    "CompletionChunk",
    "CompletionRequest",
    "LLMProvider",
    "Message",
    "ProviderError",
    "ProviderStatus",
    "Usage",
]
