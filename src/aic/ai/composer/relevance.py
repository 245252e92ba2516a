"""Which retrieved passages are about the question at all.

Cosine similarity alone ranks well but judges poorly: on a site about one product, every
passage is somewhat close to any business question. A passage counts as relevant when its
score reaches ``min_score`` and it shares a meaningful word (after light stemming) with the
query, or when its score is high enough (``min_score + semantic_margin``) that the meaning
matches without shared words.
"""

from __future__ import annotations

from collections.abc import Sequence

from aic.ai.composer.corpus import RetrievedPassage
from aic.ai.composer.sentences import content_tokens

__all__ = ["DEFAULT_MIN_SCORE", "DEFAULT_SEMANTIC_MARGIN", "Relevance", "stems"]

DEFAULT_MIN_SCORE = 0.3  # all-MiniLM-L6-v2 cosine below which a passage is off the topic
DEFAULT_SEMANTIC_MARGIN = 0.2
_SUFFIXES = (
    "ations", "ation", "ments", "ment", "ings", "ing", "ies", "ied", "ers", "er", "es", "ed", "s"
)  # fmt: skip


def _stem(token: str) -> str:
    for suffix in _SUFFIXES:
        if token.endswith(suffix) and len(token) - len(suffix) >= 4:
            return token[: -len(suffix)]
    return token


def stems(text: str) -> set[str]:
    return {_stem(token) for token in content_tokens(text)}


class Relevance:
    def __init__(
        self,
        min_score: float = DEFAULT_MIN_SCORE,
        semantic_margin: float = DEFAULT_SEMANTIC_MARGIN,
    ) -> None:
        self.min_score = min_score
        self.semantic_margin = semantic_margin

    def filter(self, query: str, retrieved: Sequence[RetrievedPassage]) -> list[RetrievedPassage]:
        """The relevant passages of ``retrieved``, in their order."""
        asked = stems(query)
        found = []
        for hit in retrieved:
            if hit.score < self.min_score:
                continue
            if hit.score >= self.min_score + self.semantic_margin or (
                asked & stems(hit.passage.embedding_text)
            ):
                found.append(hit)
        return found
