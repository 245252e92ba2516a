"""Fake LLM servers on loopback speaking each provider's wire protocol, driven by a script.

One Starlette app answers OpenAI's ``/v1/chat/completions`` (JSON, SSE), Anthropic's
``/v1/messages`` (JSON, its SSE event stream) and Ollama's ``/api/chat`` (JSON, NDJSON). Each
route takes the next step of its own ``Script`` per request and records what it was sent, so
a test can tell how many requests an SDK really made.
"""

from __future__ import annotations

import asyncio
import json
from collections import deque
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass, field
from typing import Any

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response, StreamingResponse
from starlette.routing import Route

__all__ = ["Answer", "Hang", "Script", "Status", "WireScripts", "wire_app"]


@dataclass(frozen=True)
class Answer:
    """Success: the text in these pieces; streamed, it may hang after ``hang_after`` pieces
    or send the protocol's error event after ``fail_after`` pieces."""

    pieces: tuple[str, ...] = ("Hello", " from", " the", " fake", " server.")
    hang_after: int | None = None
    fail_after: int | None = None

    @property
    def text(self) -> str:
        return "".join(self.pieces)


@dataclass(frozen=True)
class Status:
    """An error status, with ``Retry-After`` when given."""

    code: int
    retry_after: str | None = None
    message: str = "scripted failure"


@dataclass(frozen=True)
class Hang:
    """No answer at all (until the client gives up, or ``seconds`` pass)."""

    seconds: float = 10.0


Step = Answer | Status | Hang


@dataclass
class Script:
    steps: deque[Step] = field(default_factory=deque)
    requests: list[dict[str, Any]] = field(default_factory=list)
    headers: list[dict[str, str]] = field(default_factory=list)

    def then(self, *steps: Step) -> Script:
        self.steps.extend(steps)
        return self

    def reset(self) -> None:
        self.steps.clear()
        self.requests.clear()
        self.headers.clear()

    def take(self, body: dict[str, Any], headers: dict[str, str]) -> Step:
        self.requests.append(body)
        self.headers.append(headers)
        return self.steps.popleft() if self.steps else Answer()


@dataclass
class WireScripts:
    openai: Script = field(default_factory=Script)
    anthropic: Script = field(default_factory=Script)
    ollama: Script = field(default_factory=Script)

    def reset(self) -> None:
        for script in (self.openai, self.anthropic, self.ollama):
            script.reset()


def _prompt_tokens(body: dict[str, Any]) -> int:
    texts = [str(m.get("content", "")) for m in body.get("messages", [])]
    return sum(len(t.split()) for t in [*texts, str(body.get("system", ""))])


async def _hang(request: Request, seconds: float) -> None:
    """Sleep until the client hangs up (it timed out) or ``seconds`` pass."""
    for _ in range(int(seconds / 0.05)):
        if await request.is_disconnected():
            return
        await asyncio.sleep(0.05)


class _Failed(Exception):
    """The stream sent its error event: nothing more follows."""


async def _pieces(
    answer: Answer, encode: Callable[[str], bytes], error: bytes
) -> AsyncIterator[bytes]:
    for index, piece in enumerate(answer.pieces):
        if answer.hang_after is not None and index >= answer.hang_after:
            await asyncio.sleep(10)
        if answer.fail_after is not None and index >= answer.fail_after:
            yield error
            raise _Failed
        yield encode(piece)


async def _until_failed(events: AsyncIterator[bytes]) -> AsyncIterator[bytes]:
    try:
        async for event in events:
            yield event
    except _Failed:
        return


def _sse(data: dict[str, Any], event: str | None = None) -> bytes:
    head = f"event: {event}\n" if event else ""
    return f"{head}data: {json.dumps(data)}\n\n".encode()


def _error(step: Status, body: dict[str, Any]) -> JSONResponse:
    headers = {"Retry-After": step.retry_after} if step.retry_after else None
    return JSONResponse(body, status_code=step.code, headers=headers)


async def _failed_or_none(request: Request, step: Step, error: dict[str, Any]) -> Response | None:
    if isinstance(step, Hang):
        await _hang(request, step.seconds)
        return Response(status_code=504)
    if isinstance(step, Status):
        return _error(step, error)
    return None


def _openai(script: Script) -> Callable[[Request], Any]:
    async def chat_completions(request: Request) -> Response:
        body = await request.json()
        step = script.take(body, dict(request.headers))
        error = {"error": {"message": getattr(step, "message", ""), "type": "server_error"}}
        if (failed := await _failed_or_none(request, step, error)) is not None:
            return failed
        assert isinstance(step, Answer)
        model, prompt = body["model"], _prompt_tokens(body)
        usage = {
            "prompt_tokens": prompt,
            "completion_tokens": len(step.pieces),
            "total_tokens": prompt + len(step.pieces),
        }
        if not body.get("stream"):
            return JSONResponse(
                {
                    "id": "chatcmpl-fake",
                    "object": "chat.completion",
                    "created": 1,
                    "model": model,
                    "choices": [
                        {
                            "index": 0,
                            "message": {"role": "assistant", "content": step.text},
                            "finish_reason": "stop",
                        }
                    ],
                    "usage": usage,
                }
            )

        def chunk(delta: dict[str, Any], finish: str | None = None) -> dict[str, Any]:
            return {
                "id": "chatcmpl-fake",
                "object": "chat.completion.chunk",
                "created": 1,
                "model": model,
                "choices": [{"index": 0, "delta": delta, "finish_reason": finish}],
            }

        async def events() -> AsyncIterator[bytes]:
            yield _sse(chunk({"role": "assistant", "content": ""}))
            overloaded = _sse({"error": {"message": "overloaded", "type": "server_error"}})
            async for piece in _pieces(step, lambda p: _sse(chunk({"content": p})), overloaded):
                yield piece
            yield _sse(chunk({}, "stop"))
            if (body.get("stream_options") or {}).get("include_usage"):
                yield _sse({**chunk({}), "choices": [], "usage": usage})
            yield b"data: [DONE]\n\n"

        return StreamingResponse(_until_failed(events()), media_type="text/event-stream")

    return chat_completions


def _anthropic(script: Script) -> Callable[[Request], Any]:
    async def messages(request: Request) -> Response:
        body = await request.json()
        step = script.take(body, dict(request.headers))
        kind = "rate_limit_error" if getattr(step, "code", 0) == 429 else "api_error"
        error = {"type": "error", "error": {"type": kind, "message": getattr(step, "message", "")}}
        if (failed := await _failed_or_none(request, step, error)) is not None:
            return failed
        assert isinstance(step, Answer)
        model, prompt = body["model"], _prompt_tokens(body)
        message = {
            "id": "msg_fake",
            "type": "message",
            "role": "assistant",
            "model": model,
            "stop_reason": None,
            "stop_sequence": None,
        }
        if not body.get("stream"):
            return JSONResponse(
                {
                    **message,
                    "content": [{"type": "text", "text": step.text}],
                    "stop_reason": "end_turn",
                    "usage": {"input_tokens": prompt, "output_tokens": len(step.pieces)},
                }
            )

        def delta(piece: str) -> bytes:
            text_delta = {"type": "text_delta", "text": piece}
            return _sse(
                {"type": "content_block_delta", "index": 0, "delta": text_delta},
                "content_block_delta",
            )

        async def events() -> AsyncIterator[bytes]:
            usage = {"input_tokens": prompt, "output_tokens": 1}
            start = {**message, "content": [], "usage": usage}
            yield _sse({"type": "message_start", "message": start}, "message_start")
            block = {"type": "content_block_start", "index": 0}
            yield _sse({**block, "content_block": {"type": "text", "text": ""}}, block["type"])
            yield _sse({"type": "ping"}, "ping")
            overloaded = {"type": "overloaded_error", "message": "Overloaded"}
            error_event = _sse({"type": "error", "error": overloaded}, "error")
            async for piece in _pieces(step, delta, error_event):
                yield piece
            yield _sse({"type": "content_block_stop", "index": 0}, "content_block_stop")
            yield _sse(
                {
                    "type": "message_delta",
                    "delta": {"stop_reason": "end_turn", "stop_sequence": None},
                    "usage": {"output_tokens": len(step.pieces)},
                },
                "message_delta",
            )
            yield _sse({"type": "message_stop"}, "message_stop")

        return StreamingResponse(_until_failed(events()), media_type="text/event-stream")

    return messages


def _ollama(script: Script) -> Callable[[Request], Any]:
    async def chat(request: Request) -> Response:
        body = await request.json()
        step = script.take(body, dict(request.headers))
        error = {"error": getattr(step, "message", "")}
        if (failed := await _failed_or_none(request, step, error)) is not None:
            return failed
        assert isinstance(step, Answer)
        model, prompt = body["model"], _prompt_tokens(body)
        base = {"model": model, "created_at": "2026-01-01T00:00:00Z"}
        final = {
            **base,
            "done": True,
            "done_reason": "stop",
            "prompt_eval_count": prompt,
            "eval_count": len(step.pieces),
        }
        if not body.get("stream", True):
            message = {"role": "assistant", "content": step.text}
            return JSONResponse({**final, "message": message})

        def line(data: dict[str, Any]) -> bytes:
            return json.dumps(data).encode() + b"\n"

        async def lines() -> AsyncIterator[bytes]:
            def part(piece: str) -> bytes:
                message = {"role": "assistant", "content": piece}
                return line({**base, "message": message, "done": False})

            async for piece in _pieces(step, part, line({"error": "model runner crashed"})):
                yield piece
            yield line({**final, "message": {"role": "assistant", "content": ""}})

        return StreamingResponse(_until_failed(lines()), media_type="application/x-ndjson")

    return chat


def wire_app(scripts: WireScripts) -> Starlette:
    return Starlette(
        routes=[
            Route("/v1/chat/completions", _openai(scripts.openai), methods=["POST"]),
            Route("/v1/messages", _anthropic(scripts.anthropic), methods=["POST"]),
            Route("/api/chat", _ollama(scripts.ollama), methods=["POST"]),
        ]
    )
