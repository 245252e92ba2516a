"""Answers to questions from retrieved passages, each sentence cited; "I don't know" otherwise."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from aic.ai.composer.corpus import RetrievedPassage
from aic.ai.composer.documents import COMPOSER_MODEL, COMPOSER_PROVIDER
from aic.ai.composer.relevance import Relevance
from aic.ai.composer.selection import near_repeat
from aic.ai.composer.sentences import content_tokens, inline_plain, split_sentences, words

__all__ = ["NO_ANSWER", "Answer", "AnswerComposer", "Citation", "snippet"]

NO_ANSWER = (
    "I don't know: none of the indexed content answers this question, and I only answer from it."
)
_SNIPPET_CHARS = 240
_MAX_SENTENCES = 3


@dataclass(frozen=True, slots=True)
class Citation:
    content_id: str
    slug: str
    title: str
    heading: str
    snippet: str
    score: float


@dataclass(frozen=True, slots=True)
class Answer:
    """``text`` cites ``citations`` as ``[1]``, ``[2]`` ...; ``grounded`` is false for
    :data:`NO_ANSWER`, which cites nothing."""

    question: str
    text: str
    grounded: bool
    citations: tuple[Citation, ...]
    provider: str = COMPOSER_PROVIDER
    model: str = COMPOSER_MODEL


def snippet(text: str, limit: int = _SNIPPET_CHARS) -> str:
    plain = " ".join(inline_plain(text).split())
    if len(plain) <= limit:
        return plain
    return plain[:limit].rsplit(" ", 1)[0].rstrip(",;:") + "…"


class AnswerComposer:
    """Picks the source sentences that best answer a question; never writes its own claims."""

    def __init__(self, relevance: Relevance) -> None:
        self.relevance = relevance

    def unknown(self, question: str) -> Answer:
        return Answer(question, NO_ANSWER, grounded=False, citations=())

    def answer(self, question: str, retrieved: Sequence[RetrievedPassage]) -> Answer:
        relevant = self.relevance.filter(question, retrieved)
        asked = set(content_tokens(question))
        scored: list[tuple[float, int, str, RetrievedPassage]] = []
        for hit in relevant:
            for order, sentence in enumerate(split_sentences(hit.passage.text)):
                if len(words(sentence)) < 4 or sentence.endswith(":"):
                    continue
                tokens = set(content_tokens(sentence))
                overlap = len(tokens & asked) / max(1, len(asked))
                scored.append((hit.score + 0.5 * overlap, order, sentence, hit))
        if not scored:
            return self.unknown(question)
        scored.sort(key=lambda s: (-s[0], s[3].passage.passage_id, s[1]))
        citations: list[Citation] = []
        parts: list[str] = []
        seen: list[set[str]] = []
        for _, _, sentence, hit in scored:
            if len(parts) >= _MAX_SENTENCES:
                break
            if near_repeat(sentence, seen):
                continue
            number = self._cite(citations, hit)
            parts.append(f"{sentence} [{number}]")
        return Answer(question, " ".join(parts), grounded=True, citations=tuple(citations))

    @staticmethod
    def _cite(citations: list[Citation], hit: RetrievedPassage) -> int:
        passage = hit.passage
        for number, known in enumerate(citations, start=1):
            if known.content_id == passage.content_id:
                return number
        citations.append(
            Citation(
                content_id=passage.content_id,
                slug=passage.slug,
                title=passage.title,
                heading=passage.heading,
                snippet=snippet(passage.text),
                score=round(hit.score, 4),
            )
        )
        return len(citations)
