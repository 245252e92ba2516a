"""The composer as an ``LLMProvider`` (``local-composer``): chat answered from the content."""

from __future__ import annotations

import re
import time
from collections.abc import AsyncIterator, Sequence

from aic.ai.composer.answers import Answer, AnswerComposer
from aic.ai.composer.corpus import ContentCorpus
from aic.ai.composer.documents import COMPOSER_MODEL, COMPOSER_PROVIDER
from aic.ai.composer.llm_drafts import GENERATION_SYSTEM_PROMPT
from aic.ai.providers.ports import (
    Completion,
    CompletionChunk,
    CompletionRequest,
    ProviderError,
    ProviderStatus,
    Usage,
)

__all__ = ["LocalComposerProvider", "answer_markdown", "text_pieces"]

_PIECE = re.compile(r"\S+\s*")
_RETRIEVE_K = 12


def text_pieces(text: str, words_per_piece: int = 3) -> list[str]:
    """``text`` in pieces of a few words each, whitespace kept: what a stream sends."""
    tokens = _PIECE.findall(text)
    lead = text[: len(text) - len(text.lstrip())]
    pieces = [
        "".join(tokens[i : i + words_per_piece]) for i in range(0, len(tokens), words_per_piece)
    ]
    if lead and pieces:
        pieces[0] = lead + pieces[0]
    return pieces


def answer_markdown(answer: Answer) -> str:
    """The answer followed by its numbered sources, as a chat client shows it."""
    if not answer.citations:
        return answer.text
    sources = "\n".join(
        f"[{n}] {c.title} ({c.slug}, id {c.content_id})"
        for n, c in enumerate(answer.citations, start=1)
    )
    return f"{answer.text}\n\nSources:\n{sources}"


class LocalComposerProvider:
    """Answers the last user message from retrieved passages; offline, always available.

    It never invents: with nothing relevant indexed, the answer is the fixed "I don't know".
    A content-generation prompt (``llm_drafts.build_prompt``) reaches it only when the chain
    falls back after every network provider failed: it declines it (``bad_request``), so the
    chain's error reaches the content service, which composes the document itself or, when
    the request named its provider, answers with that error.
    """

    def __init__(self, corpus: ContentCorpus, answers: AnswerComposer) -> None:
        self._corpus = corpus
        self._answers = answers

    @property
    def name(self) -> str:
        return COMPOSER_PROVIDER

    def models(self) -> Sequence[str]:
        return (COMPOSER_MODEL,)

    def status(self) -> ProviderStatus:
        return ProviderStatus(self.name, available=True, models=(COMPOSER_MODEL,))

    async def _answer(self, request: CompletionRequest) -> Answer:
        if request.messages and request.messages[0].content == GENERATION_SYSTEM_PROMPT:
            raise ProviderError(
                self.name,
                "bad_request",
                "content generation is composed by the content service, not answered as chat",
                model=COMPOSER_MODEL,
            )
        question = next(
            (m.content.strip() for m in reversed(request.messages) if m.role == "user"), ""
        )
        if not question:
            raise ProviderError(
                self.name,
                "bad_request",
                "the chat has no user message to answer",
                model=COMPOSER_MODEL,
            )
        try:
            retrieved = await self._corpus.retrieve(question, k=_RETRIEVE_K)
        except Exception as exc:  # the port allows only ProviderError out of a provider
            raise ProviderError(
                self.name, "server_error", f"retrieval failed: {type(exc).__name__}: {exc}"
            ) from exc
        return self._answers.answer(question, retrieved)

    def _text(self, answer: Answer, request: CompletionRequest) -> tuple[str, bool]:
        """The answer text, cut at ``max_tokens`` (about four characters a token)."""
        text = answer_markdown(answer)
        if request.max_tokens is not None and len(text) > request.max_tokens * 4:
            return text[: request.max_tokens * 4], True
        return text, False

    async def generate(self, request: CompletionRequest) -> Completion:
        started = time.perf_counter()
        answer = await self._answer(request)
        text, cut = self._text(answer, request)
        return Completion(
            text=text,
            model=COMPOSER_MODEL,
            provider=self.name,
            finish_reason="length" if cut else "stop",
            usage=Usage.estimate(request.prompt_text, text),
            latency_s=time.perf_counter() - started,
        )

    async def stream(self, request: CompletionRequest) -> AsyncIterator[CompletionChunk]:
        answer = await self._answer(request)
        text, cut = self._text(answer, request)
        for piece in text_pieces(text):
            yield CompletionChunk(piece, COMPOSER_MODEL, self.name)
        yield CompletionChunk(
            "",
            COMPOSER_MODEL,
            self.name,
            finish_reason="length" if cut else "stop",
            usage=Usage.estimate(request.prompt_text, text),
        )

    async def aclose(self) -> None:
        return None
