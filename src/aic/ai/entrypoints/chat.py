"""OpenAI-compatible ``POST /v1/chat/completions`` (plain, or SSE with ``stream``) and models.

Any OpenAI client works against ai with its service key as the API key. The provider that
answered is in the ``X-AIC-LLM-Provider`` header; a stream that fails after its first text
ends with a ``data: {"error": ...}`` event and no ``[DONE]``, which OpenAI clients raise.
"""

from __future__ import annotations

import json
import time
import uuid
from collections.abc import AsyncGenerator, AsyncIterator
from typing import Annotated

from fastapi import APIRouter, Depends, Request
from fastapi.responses import JSONResponse, Response, StreamingResponse

from aic.ai.providers import CompletionChunk, CompletionRequest, Message, Usage
from aic.ai.providers.chain import ProviderChain, UnknownModel
from aic.ai.providers.ports import Role
from aic.ai.settings import AISettings
from aic.asgi.errors import ApiError
from aic.contracts.chat import (
    AssistantMessage,
    ChatChoice,
    ChatCompletion,
    ChatCompletionChunk,
    ChatCompletionRequest,
    ChunkChoice,
    ChunkDelta,
    CompletionUsage,
    ModelCard,
    ModelList,
)
from aic.contracts.errors import error_payload
from aic.contracts.streams import SSE_EVENT_SCHEMA
from aic.observability.logging import get_logger

__all__ = ["PROVIDER_HEADER", "router"]

PROVIDER_HEADER = "X-AIC-LLM-Provider"
router = APIRouter(tags=["llm"])
_log = get_logger("aic.ai.llm")


async def _llm(request: Request) -> ProviderChain:
    llm: ProviderChain = request.app.state.container.llm
    return llm


async def _settings(request: Request) -> AISettings:
    settings: AISettings = request.app.state.container.settings
    return settings


LLMDep = Annotated[ProviderChain, Depends(_llm)]
SettingsDep = Annotated[AISettings, Depends(_settings)]

_STREAM_RESPONSE = {
    200: {
        "description": "The completion, or with `stream: true` its chunks as server-sent events",
        "content": {"text/event-stream": {"schema": SSE_EVENT_SCHEMA}},
    }
}


@router.post(
    "/chat/completions",
    summary="Complete a chat (OpenAI-compatible; `stream: true` for server-sent events)",
    response_model=ChatCompletion,
    responses=_STREAM_RESPONSE,  # type: ignore[arg-type]
)
async def chat_completions(
    body: ChatCompletionRequest, llm: LLMDep, settings: SettingsDep
) -> Response:
    asked = _completion_request(body, settings)
    if not body.stream:
        done = await llm.generate(asked)
        answer = ChatCompletion(
            id=_completion_id(),
            created=int(time.time()),
            model=done.model,
            choices=[
                ChatChoice(
                    message=AssistantMessage(content=done.text), finish_reason=done.finish_reason
                )
            ],
            usage=_usage(done.usage),
        )
        return JSONResponse(
            answer.model_dump(mode="json"), headers={PROVIDER_HEADER: done.provider}
        )
    chunks = llm.stream(asked)
    try:  # until the first text, a failure is still a JSON error with its status
        first = await anext(chunks)
    except BaseException:
        await chunks.aclose()
        raise
    include_usage = bool(body.stream_options and body.stream_options.include_usage)
    return StreamingResponse(
        _events(first, chunks, include_usage=include_usage),
        media_type="text/event-stream",
        headers={
            "Cache-Control": "no-cache",
            "X-Accel-Buffering": "no",  # proxies pass each event on at once
            PROVIDER_HEADER: first.provider,
        },
    )


@router.get("/models", summary="Models of every available LLM provider (OpenAI-compatible)")
async def list_models(llm: LLMDep) -> ModelList:
    created = int(time.time())
    return ModelList(
        data=[
            ModelCard(id=model, created=created, owned_by=provider)
            for model, provider in llm.model_owners().items()
        ]
    )


@router.get("/models/{model:path}", summary="One model, if an available provider serves it")
async def get_model(model: str, llm: LLMDep) -> ModelCard:
    owners = llm.model_owners()
    if model not in owners:
        raise UnknownModel(model, list(owners))
    return ModelCard(id=model, created=int(time.time()), owned_by=owners[model])


def _completion_request(body: ChatCompletionRequest, settings: AISettings) -> CompletionRequest:
    messages = tuple(Message(_role(m.role), m.text) for m in body.messages)
    chars = sum(len(m.content) for m in messages)
    limit = settings.llm_max_prompt_chars
    if chars > limit:
        raise ApiError(
            400,
            "prompt_too_long",
            f"The messages have {chars} characters; at most {limit} are accepted "
            "(AIC_LLM_MAX_PROMPT_CHARS).",
            {"chars": chars, "max_chars": limit},
        )
    return CompletionRequest(
        messages=messages,
        model=body.model,
        max_tokens=body.max_completion_tokens or body.max_tokens,
        temperature=body.temperature,
        stop=body.stop_sequences,
    )


def _role(role: str) -> Role:
    if role == "user":
        return "user"
    if role == "assistant":
        return "assistant"
    return "system"  # system, and OpenAI's newer name for it: developer


async def _events(
    first: CompletionChunk,
    rest: AsyncGenerator[CompletionChunk, None],
    *,
    include_usage: bool,
) -> AsyncIterator[bytes]:
    """Each chunk as ``data: {chat.completion.chunk}``, then ``data: [DONE]``."""
    ident, created = _completion_id(), int(time.time())

    def event(chunk: CompletionChunk, choices: list[ChunkChoice], usage: Usage | None) -> bytes:
        payload = ChatCompletionChunk(
            id=ident,
            created=created,
            model=chunk.model,
            choices=choices,
            usage=_usage(usage) if usage else None,
        )
        return b"data: " + payload.model_dump_json().encode() + b"\n\n"

    said_role = False  # the first delta carries the role, as OpenAI's do
    try:
        chunk = first
        while True:
            if chunk.text:
                delta = ChunkDelta(role=None if said_role else "assistant", content=chunk.text)
                yield event(chunk, [ChunkChoice(delta=delta)], None)
                said_role = True
            if chunk.finish_reason is not None:
                finish = ChunkChoice(delta=ChunkDelta(), finish_reason=chunk.finish_reason)
                usage = chunk.usage or Usage()
                yield event(chunk, [finish], None if include_usage else usage)
                if include_usage:
                    yield event(chunk, [], usage)
                break
            chunk = await anext(rest)
        yield b"data: [DONE]\n\n"
    except ApiError as exc:
        _log.warning("llm_stream_interrupted", code=exc.code, details=exc.details)
        body = error_payload(exc.code, exc.message, exc.details)
        yield b"data: " + json.dumps(body).encode() + b"\n\n"
    finally:
        await rest.aclose()


def _completion_id() -> str:
    return f"chatcmpl-{uuid.uuid4().hex}"


def _usage(usage: Usage) -> CompletionUsage:
    return CompletionUsage(
        prompt_tokens=usage.prompt_tokens,
        completion_tokens=usage.completion_tokens,
        total_tokens=usage.total_tokens,
    )
