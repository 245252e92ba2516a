"""Ollama's ``/api/chat`` via the official SDK (its stream is NDJSON)."""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator, Iterator, Sequence
from contextlib import contextmanager
from typing import Any

import httpx
import ollama

from aic.ai.providers.configured import ConfiguredProvider
from aic.ai.providers.errors import status_error
from aic.ai.providers.ports import (
    Completion,
    CompletionChunk,
    CompletionRequest,
    FinishReason,
    ProviderError,
    Usage,
)

__all__ = ["OllamaProvider"]


class OllamaProvider(ConfiguredProvider):
    """Chat with a model the Ollama server has pulled; the SDK has no retries of its own.

    The SDK raises HTTP errors without their headers, so a response hook turns every error
    status into a ``ProviderError`` first: that is how a 429's ``Retry-After`` is kept.
    """

    def __init__(
        self,
        *,
        host: str,
        models: Sequence[str],
        timeout: float = 120.0,
        max_tokens: int = 1024,
        name: str = "ollama",
    ) -> None:
        super().__init__(name, models, "Ollama")
        self._max_tokens = max_tokens
        self._client = ollama.AsyncClient(
            host=host, timeout=timeout, event_hooks={"response": [self._refuse_errors]}
        )

    async def generate(self, request: CompletionRequest) -> Completion:
        model = request.model or self._models[0]
        started = time.perf_counter()
        with self._translated(model):
            async with asyncio.timeout(request.timeout):
                response = await self._client.chat(**self._params(request, model), stream=False)
        text = response.message.content or ""
        return Completion(
            text=text,
            model=response.model or model,
            provider=self._name,
            finish_reason=_finish(response.done_reason),
            usage=_usage(response.prompt_eval_count, response.eval_count, request, text),
            latency_s=time.perf_counter() - started,
        )

    async def stream(self, request: CompletionRequest) -> AsyncIterator[CompletionChunk]:
        model = request.model or self._models[0]
        text: list[str] = []
        with self._translated(model):
            async with asyncio.timeout(request.timeout):
                parts = await self._client.chat(**self._params(request, model), stream=True)
        try:
            while True:
                with self._translated(model):  # the yield stays outside the deadline
                    async with asyncio.timeout(request.timeout):
                        part = await anext(parts, None)
                if part is None:
                    raise ProviderError(
                        self._name, "connection", "the stream ended before done", model=model
                    )
                piece = part.message.content or ""
                if piece:
                    text.append(piece)
                    yield CompletionChunk(piece, part.model or model, self._name)
                if part.done:
                    yield CompletionChunk(
                        "",
                        part.model or model,
                        self._name,
                        finish_reason=_finish(part.done_reason),
                        usage=_usage(
                            part.prompt_eval_count, part.eval_count, request, "".join(text)
                        ),
                    )
                    return
        finally:
            await parts.aclose()  # type: ignore[attr-defined]

    async def aclose(self) -> None:
        await self._client.close()  # type: ignore[no-untyped-call]

    def _params(self, request: CompletionRequest, model: str) -> dict[str, Any]:
        options: dict[str, Any] = {"num_predict": request.max_tokens or self._max_tokens}
        if request.temperature is not None:
            options["temperature"] = request.temperature
        if request.stop:
            options["stop"] = list(request.stop)
        return {
            "model": model,
            "messages": [{"role": m.role, "content": m.content} for m in request.messages],
            "options": options,
        }

    async def _refuse_errors(self, response: httpx.Response) -> None:
        if response.status_code >= 400:
            await response.aread()
            raise status_error(
                self._name,
                response.status_code,
                response.text,
                model=None,
                headers=response.headers,
            )

    @contextmanager
    def _translated(self, model: str) -> Iterator[None]:
        """The SDK's and the HTTP client's exceptions as ``ProviderError``."""
        try:
            yield
        except ProviderError as exc:
            exc.model = exc.model or model
            raise
        except (TimeoutError, httpx.TimeoutException) as exc:
            raise ProviderError(self._name, "timeout", "no answer in time", model=model) from exc
        except (ConnectionError, httpx.TransportError) as exc:
            raise ProviderError(self._name, "connection", str(exc), model=model) from exc
        except ollama.ResponseError as exc:  # an error line in the stream
            raise ProviderError(
                self._name, "server_error", str(exc.error)[:300], model=model
            ) from exc
        except ValueError as exc:  # a line that is not JSON
            raise ProviderError(self._name, "server_error", str(exc)[:300], model=model) from exc


def _finish(done_reason: str | None) -> FinishReason:
    return "length" if done_reason == "length" else "stop"


def _usage(
    prompt: int | None, completion: int | None, request: CompletionRequest, text: str
) -> Usage:
    if prompt is None and completion is None:
        return Usage.estimate(request.prompt_text, text)
    return Usage(prompt or 0, completion or 0)
