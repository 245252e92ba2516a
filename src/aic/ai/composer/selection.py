"""Which source sentences a document may use, ranked for a brief's topic, keywords and tone."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from aic.ai.composer.briefs import Brief
from aic.ai.composer.corpus import RetrievedPassage
from aic.ai.composer.passages import Passage
from aic.ai.composer.relevance import stems
from aic.ai.composer.sentences import (
    STOPWORDS,
    contains_phrase,
    content_tokens,
    lowered_start,
    split_sentences,
    words,
)

__all__ = ["Candidate", "candidate_pool", "near_repeat", "with_connector"]

_MIN_WORDS = 5
_MAX_WORDS = 55
# Sentences that lean on the one before them read wrongly out of their place.
_DANGLING = {"it", "this", "these", "they", "that", "those", "he", "she", "such"}
_DIGIT = re.compile(r"\d")
_YOU = re.compile(r"\b(?:you|your)\b", re.IGNORECASE)
# A capital (or digit) first and a full stop, ! or ? last: list fragments like
# "up to $1,000: team lead;" are not sentences a new text can use.
_WHOLE_SENTENCE = re.compile(r"^[\"(\u201c]?[A-Z0-9].*[.!?][\")\u201d]?$", re.DOTALL)
# "This article describes ..." speaks of its own document, which a new text is not.
_SELF_REFERENCE = re.compile(
    r"\b(?:this|the following|these) (?:article|guide|page|post|document|section|whitepaper)s?\b",
    re.IGNORECASE,
)


@dataclass(frozen=True, slots=True)
class Candidate:
    """One sentence of a retrieved passage, and how well it serves the brief."""

    text: str
    passage: Passage
    passage_score: float
    order: int  # its place in the passage
    word_count: int
    rank: float

    @property
    def content_id(self) -> str:
        return self.passage.content_id

    @property
    def sort_key(self) -> tuple[float, str, int]:
        return (-self.rank, self.passage.passage_id, self.order)


def _rank(brief: Brief, sentence: str, passage_score: float, query_terms: set[str]) -> float:
    tokens = set(content_tokens(sentence))
    overlap = len(tokens & query_terms) / max(1, len(query_terms))
    count = len(words(sentence))
    rank = passage_score + 0.15 * overlap
    if contains_phrase(sentence, brief.keywords):
        rank += 0.05
    if brief.tone == "playful":
        rank -= 0.01 * max(0, count - 12)
        if _YOU.search(sentence):
            rank += 0.03
    elif brief.tone == "friendly" or brief.brand_voice.prefers_short_sentences:
        rank -= 0.006 * max(0, count - 16)
    if brief.tone == "authoritative" and _DIGIT.search(sentence):
        rank += 0.04
    if brief.tone == "professional" and count < 9:
        rank -= 0.02
    if words(sentence)[0].lower() in _DANGLING:
        rank -= 0.05
    return rank


def candidate_pool(brief: Brief, relevant: Sequence[RetrievedPassage]) -> list[Candidate]:
    """Every usable sentence of the relevant passages, best first.

    Left out: sentences with a banned word, fragments, overlong sentences, fragments (no capital
    first, or no full stop last) and repeats of a sentence already taken.
    """
    banned = brief.brand_voice.banned_words
    query_terms = set(content_tokens(brief.retrieval_query)) - STOPWORDS
    seen: list[set[str]] = []
    pool: list[Candidate] = []
    for hit in relevant:  # best passages first: a near repeat later is the one dropped
        for order, sentence in enumerate(split_sentences(hit.passage.text)):
            count = len(words(sentence))
            if (
                count < _MIN_WORDS
                or count > _MAX_WORDS
                or not _WHOLE_SENTENCE.match(sentence)
                or _SELF_REFERENCE.search(sentence)
                or contains_phrase(sentence, banned)
                or near_repeat(sentence, seen)
            ):
                continue
            rank = _rank(brief, sentence, hit.score, query_terms)
            pool.append(Candidate(sentence, hit.passage, hit.score, order, count, rank))
    return sorted(pool, key=lambda c: c.sort_key)


def near_repeat(sentence: str, seen: list[set[str]], limit: float = 0.8) -> bool:
    """Whether ``sentence`` says what one already seen says (``limit`` of the shorter one's
    meaningful words shared); if not, it joins ``seen``. Articles repeat their facts in
    other words: one telling is enough."""
    tokens = stems(sentence)
    for other in seen:
        smaller = min(len(tokens), len(other))
        if smaller and len(tokens & other) / smaller >= limit:
            return True
    seen.append(tokens)
    return False


def with_connector(connector: str | None, sentence: str) -> str:
    """``sentence`` after ``connector``, its capital lowered only where it is a common word;
    a sentence whose capital may be a name's gets no connector."""
    if not connector:
        return sentence
    joined = lowered_start(sentence)
    return sentence if joined is None else f"{connector} {joined}"
