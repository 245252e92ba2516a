"""A deterministic LLM provider for tests: answers from a script, one step per call."""

from __future__ import annotations

from collections import deque
from collections.abc import AsyncIterator, Callable, Sequence
from dataclasses import dataclass

from aic.ai.providers import (
    Completion,
    CompletionChunk,
    CompletionRequest,
    ProviderError,
    ProviderStatus,
    Usage,
)

__all__ = ["Pieces", "ScriptedProvider", "echo"]


@dataclass(frozen=True)
class Pieces:
    """A streamed answer in these pieces, optionally failing after them."""

    pieces: tuple[str, ...]
    then: ProviderError | None = None


Step = str | Pieces | ProviderError


def echo(request: CompletionRequest) -> str:
    last = next(m.content for m in reversed(request.messages) if m.role == "user")
    return f"You said: {last}"


class ScriptedProvider:
    """Each call takes the next step of ``script``; with none left, it answers ``reply``."""

    def __init__(
        self,
        name: str = "scripted",
        models: Sequence[str] = ("scripted-1",),
        script: Sequence[Step] = (),
        reply: Callable[[CompletionRequest], str] = echo,
        available: bool = True,
    ) -> None:
        self._name = name
        self._models = tuple(models)
        self.script: deque[Step] = deque(script)
        self.reply = reply
        self.available = available
        self.calls: list[CompletionRequest] = []
        self.closed = False

    @property
    def name(self) -> str:
        return self._name

    def models(self) -> Sequence[str]:
        return self._models

    def status(self) -> ProviderStatus:
        reason = None if self.available else "switched off by the test"
        return ProviderStatus(self._name, self.available, self._models, reason)

    def then(self, *steps: Step) -> ScriptedProvider:
        self.script.extend(steps)
        return self

    async def generate(self, request: CompletionRequest) -> Completion:
        step = self._next(request)
        if isinstance(step, ProviderError):
            raise step
        text = step if isinstance(step, str) else "".join(step.pieces)
        return Completion(
            text=text,
            model=request.model or self._models[0],
            provider=self._name,
            finish_reason="stop",
            usage=Usage.estimate(request.prompt_text, text),
            latency_s=0.001,
        )

    async def stream(self, request: CompletionRequest) -> AsyncIterator[CompletionChunk]:
        step = self._next(request)
        if isinstance(step, ProviderError):
            raise step
        model = request.model or self._models[0]
        pieces = step.pieces if isinstance(step, Pieces) else tuple(_words(step))
        for piece in pieces:
            yield CompletionChunk(piece, model, self._name)
        if isinstance(step, Pieces) and step.then is not None:
            raise step.then
        usage = Usage.estimate(request.prompt_text, "".join(pieces))
        yield CompletionChunk("", model, self._name, finish_reason="stop", usage=usage)

    async def aclose(self) -> None:
        self.closed = True

    def _next(self, request: CompletionRequest) -> Step:
        self.calls.append(request)
        return self.script.popleft() if self.script else self.reply(request)


def _words(text: str) -> list[str]:
    """``"a b c"`` → ``["a", " b", " c"]``: pieces that join back to the text."""
    words = text.split(" ")
    return [words[0], *(f" {w}" for w in words[1:])] if text else []
