"""OpenAI, or any OpenAI-compatible server (vLLM, llama.cpp, LiteLLM ...), via the official SDK."""

from __future__ import annotations

import time
from collections.abc import AsyncIterator, Sequence
from contextlib import AbstractContextManager
from typing import Any

import openai
from openai.types.chat import ChatCompletionMessageParam

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

__all__ = ["OPENAI_URL", "OpenAIProvider"]

OPENAI_URL = "https://api.openai.com/v1"
_FINISH: dict[str, FinishReason] = {"length": "length", "content_filter": "content_filter"}


class OpenAIProvider(ConfiguredProvider):
    """Chat completions; the SDK's own retries are off (the chain retries, once for all)."""

    def __init__(
        self,
        *,
        api_key: str,
        models: Sequence[str],
        base_url: str | None = None,
        timeout: float = 60.0,
        max_tokens: int = 1024,
        name: str = "openai",
    ) -> None:
        super().__init__(name, models, "OpenAI")
        self._timeout = timeout
        self._max_tokens = max_tokens
        url = base_url or OPENAI_URL
        # OpenAI's reasoning models refuse `max_tokens`; compatible servers may not know
        # its successor `max_completion_tokens`.
        self._tokens_param = "max_completion_tokens" if url.startswith(OPENAI_URL) else "max_tokens"
        self._client = openai.AsyncOpenAI(
            api_key=api_key, base_url=url, max_retries=0, timeout=timeout
        )

    async def generate(self, request: CompletionRequest) -> Completion:
        model = request.model or self._models[0]
        started = time.perf_counter()
        with self._translated(model):
            response = await self._client.chat.completions.create(**self._params(request, model))
        choice = response.choices[0] if response.choices else None
        text = (choice.message.content or "") if choice else ""
        usage = (
            Usage(response.usage.prompt_tokens, response.usage.completion_tokens)
            if response.usage
            else Usage.estimate(request.prompt_text, text)
        )
        return Completion(
            text=text,
            model=response.model or model,
            provider=self._name,
            finish_reason=_FINISH.get(choice.finish_reason if choice else "", "stop"),
            usage=usage,
            latency_s=time.perf_counter() - started,
        )

    async def stream(self, request: CompletionRequest) -> AsyncIterator[CompletionChunk]:
        model = request.model or self._models[0]
        answered_model, finish, usage, text = model, None, None, []
        with self._translated(model):
            chunks = await self._client.chat.completions.create(
                **self._params(request, model),
                stream=True,
                stream_options={"include_usage": True},
            )
            async with chunks:
                async for chunk in chunks:
                    answered_model = chunk.model or answered_model
                    if chunk.usage:
                        usage = Usage(chunk.usage.prompt_tokens, chunk.usage.completion_tokens)
                    for choice in chunk.choices[:1]:
                        if choice.delta.content:
                            text.append(choice.delta.content)
                            yield CompletionChunk(choice.delta.content, answered_model, self._name)
                        if choice.finish_reason:
                            finish = _FINISH.get(choice.finish_reason, "stop")
        if finish is None:
            raise ProviderError(
                self._name,
                "connection",
                "the stream ended before the answer was finished",
                model=model,
            )
        yield CompletionChunk(
            "",
            answered_model,
            self._name,
            finish_reason=finish,
            usage=usage or Usage.estimate(request.prompt_text, "".join(text)),
        )

    async def aclose(self) -> None:
        await self._client.close()

    def _params(self, request: CompletionRequest, model: str) -> dict[str, Any]:
        messages: list[ChatCompletionMessageParam] = [
            {"role": m.role, "content": m.content}  # type: ignore[misc]
            for m in request.messages
        ]
        params: dict[str, Any] = {
            "model": model,
            "messages": messages,
            self._tokens_param: request.max_tokens or self._max_tokens,
            "timeout": request.timeout or self._timeout,
        }
        if request.temperature is not None:
            params["temperature"] = request.temperature
        if request.stop:
            params["stop"] = list(request.stop)
        return params

    def _translated(self, model: str) -> AbstractContextManager[None]:
        """The SDK's and the HTTP client's exceptions as ``ProviderError``."""
        return translated_sdk_errors(openai, self._name, model)
