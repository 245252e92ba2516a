"""The LLM provider port: what a provider is asked, what it answers, and how it fails."""

from __future__ import annotations

import dataclasses
import math
from collections.abc import AsyncIterator, Sequence
from dataclasses import dataclass
from typing import Literal, Protocol

__all__ = [
    "TRANSIENT",
    "Completion",
    "CompletionChunk",
    "CompletionRequest",
    "ErrorKind",
    "FinishReason",
    "LLMProvider",
    "Message",
    "ProviderError",
    "ProviderStatus",
    "Role",
    "Usage",
]

Role = Literal["system", "user", "assistant"]
FinishReason = Literal["stop", "length", "content_filter"]
ErrorKind = Literal[
    "rate_limited",  # 429
    "timeout",  # no answer (or no next piece of a stream) within the timeout
    "connection",  # refused, reset, DNS, TLS
    "server_error",  # 5xx
    "auth",  # 401/403: the provider's key is wrong
    "bad_request",  # any other 4xx: the provider refused this request
    "empty",  # answered, but with no text
    "unexpected",  # the adapter raised something else: a bug, logged with its traceback
]
# Worth asking the same provider again after a pause; the others go to the next provider.
TRANSIENT: frozenset[ErrorKind] = frozenset(
    {"rate_limited", "timeout", "connection", "server_error"}
)


@dataclass(frozen=True, slots=True)
class Message:
    role: Role
    content: str


@dataclass(frozen=True, slots=True)
class CompletionRequest:
    """A chat to complete.

    ``model`` ``None`` means the provider's default model. ``timeout`` (seconds) bounds the
    wait for the whole answer, or for each next piece of a stream; ``None``: the provider's
    configured timeout. ``max_tokens`` ``None``: the provider's configured default.
    """

    messages: tuple[Message, ...]
    model: str | None = None
    max_tokens: int | None = None
    temperature: float | None = None
    stop: tuple[str, ...] = ()
    timeout: float | None = None

    def with_model(self, model: str | None) -> CompletionRequest:
        return dataclasses.replace(self, model=model)

    @property
    def prompt_text(self) -> str:
        return "\n".join(m.content for m in self.messages)


@dataclass(frozen=True, slots=True)
class Usage:
    prompt_tokens: int = 0
    completion_tokens: int = 0

    @property
    def total_tokens(self) -> int:
        return self.prompt_tokens + self.completion_tokens

    @classmethod
    def estimate(cls, prompt: str, completion: str) -> Usage:
        """About four characters a token, for a provider that does not count its tokens."""
        return cls(math.ceil(len(prompt) / 4), math.ceil(len(completion) / 4))


@dataclass(frozen=True, slots=True)
class Completion:
    text: str
    model: str
    provider: str
    finish_reason: FinishReason
    usage: Usage
    latency_s: float


@dataclass(frozen=True, slots=True)
class CompletionChunk:
    """A piece of a streamed answer; the last one carries ``finish_reason`` (and ``usage``)."""

    text: str
    model: str
    provider: str
    finish_reason: FinishReason | None = None
    usage: Usage | None = None


@dataclass(frozen=True, slots=True)
class ProviderStatus:
    """Whether a provider can be asked; when it cannot, ``reason`` says what to set or fix."""

    name: str
    available: bool
    models: tuple[str, ...] = ()
    reason: str | None = None


class ProviderError(Exception):
    """A provider did not answer: which one, what kind of failure, and when to ask again."""

    def __init__(
        self,
        provider: str,
        kind: ErrorKind,
        message: str,
        *,
        model: str | None = None,
        status_code: int | None = None,
        retry_after: float | None = None,
    ) -> None:
        super().__init__(f"{provider}: {kind}: {message}")
        self.provider = provider
        self.kind: ErrorKind = kind
        self.message = message
        self.model = model
        self.status_code = status_code
        self.retry_after = retry_after

    @property
    def transient(self) -> bool:
        return self.kind in TRANSIENT


class LLMProvider(Protocol):
    """One LLM backend (OpenAI, Anthropic, Ollama, the offline composer).

    ``generate`` and ``stream`` raise ``ProviderError`` and nothing else for a failure of the
    provider; they never retry (the chain does, once, for every provider). ``stream`` yields
    only chunks with text, then one last chunk with ``finish_reason`` (its text may be empty).
    """

    @property
    def name(self) -> str: ...

    def models(self) -> Sequence[str]:
        """The models it serves, its default first."""
        ...

    def status(self) -> ProviderStatus: ...

    async def generate(self, request: CompletionRequest) -> Completion: ...

    def stream(self, request: CompletionRequest) -> AsyncIterator[CompletionChunk]: ...

    async def aclose(self) -> None: ...
