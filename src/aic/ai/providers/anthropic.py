"""Anthropic's Messages API via the official SDK; system messages go to its ``system``."""

from __future__ import annotations

import time
from collections.abc import AsyncIterator, Sequence
from contextlib import AbstractContextManager
from typing import Any

import anthropic

from aic.ai.providers.configured import ConfiguredProvider
from aic.ai.providers.errors import translated_sdk_errors
from aic.ai.providers.ports import (
    Completion,
    CompletionChunk,
    CompletionRequest,
    FinishReason,
    ProviderError,
    Usage,
)

__all__ = ["AnthropicProvider"]

_FINISH: dict[str, FinishReason] = {
    "max_tokens": "length",
    "model_context_window_exceeded": "length",
    "refusal": "content_filter",
}


class AnthropicProvider(ConfiguredProvider):
    """Messages, plain or as its event stream; the SDK's own retries are off.

    The sampling temperature is not sent: API version 2026-10-21, which this SDK speaks,
    refuses it on every model.
    """

    def __init__(
        self,
        *,
        api_key: str,
        models: Sequence[str],
        base_url: str | None = None,
        timeout: float = 60.0,
        max_tokens: int = 1024,
        name: str = "anthropic",
    ) -> None:
        super().__init__(name, models, "Anthropic")
        self._timeout = timeout
        self._max_tokens = max_tokens
        self._client = anthropic.AsyncAnthropic(
            api_key=api_key,
            base_url=base_url or "https://api.anthropic.com",
            max_retries=0,
            timeout=timeout,
        )

    async def generate(self, request: CompletionRequest) -> Completion:
        model = request.model or self._models[0]
        started = time.perf_counter()
        with self._translated(model):
            message = await self._client.messages.create(**self._params(request, model))
        text = "".join(block.text for block in message.content if block.type == "text")
        return Completion(
            text=text,
            model=message.model or model,
            provider=self._name,
            finish_reason=_FINISH.get(message.stop_reason or "", "stop"),
            usage=Usage(message.usage.input_tokens, message.usage.output_tokens),
            latency_s=time.perf_counter() - started,
        )

    async def stream(self, request: CompletionRequest) -> AsyncIterator[CompletionChunk]:
        model = request.model or self._models[0]
        answered_model, stopped = model, False
        finish: FinishReason = "stop"
        prompt_tokens = completion_tokens = 0
        with self._translated(model):
            events = await self._client.messages.create(**self._params(request, model), stream=True)
            async with events:
                async for event in events:
                    if event.type == "message_start":
                        answered_model = event.message.model or model
                        prompt_tokens = event.message.usage.input_tokens
                    elif event.type == "content_block_delta" and event.delta.type == "text_delta":
                        if event.delta.text:
                            yield CompletionChunk(event.delta.text, answered_model, self._name)
                    elif event.type == "message_delta":
                        finish = _FINISH.get(event.delta.stop_reason or "", "stop")
                        completion_tokens = event.usage.output_tokens
                    elif event.type == "message_stop":
                        stopped = True
        if not stopped:
            raise ProviderError(
                self._name,
                "connection",
                "the event stream ended before message_stop",
                model=model,
            )
        yield CompletionChunk(
            "",
            answered_model,
            self._name,
            finish_reason=finish,
            usage=Usage(prompt_tokens, completion_tokens),
        )

    async def aclose(self) -> None:
        await self._client.close()

    def _params(self, request: CompletionRequest, model: str) -> dict[str, Any]:
        system = "\n\n".join(m.content for m in request.messages if m.role == "system")
        params: dict[str, Any] = {
            "model": model,
            "max_tokens": request.max_tokens or self._max_tokens,
            "messages": [
                {"role": m.role, "content": m.content}
                for m in request.messages
                if m.role != "system"
            ],
            "timeout": request.timeout or self._timeout,
        }
        if system:
            params["system"] = system
        if request.stop:
            params["stop_sequences"] = list(request.stop)
        return params

    def _translated(self, model: str) -> AbstractContextManager[None]:
        """The SDK's and the HTTP client's exceptions as ``ProviderError``."""
        return translated_sdk_errors(anthropic, self._name, model)
