"""Whether each generated sentence comes from a source or from the composer's fixed templates.

A sentence is supported when most of its meaningful words occur in one source sentence (the
composer's own sentences score 1.0: they are source sentences, at most behind a connector).
Anything else must be an instance of a template (``templates.SENTENCE_TEMPLATES``), whose
slots only take the brief's topic and keywords or a cited source's title.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from aic.ai.composer.briefs import Brief
from aic.ai.composer.documents import GeneratedContent
from aic.ai.composer.phrasebook import topic_in_sentence
from aic.ai.composer.sentences import content_tokens, inline_plain, split_sentences
from aic.ai.composer.templates import CONNECTORS, SENTENCE_TEMPLATES

__all__ = ["SourceSentences", "TemplateMatcher", "Unsupported", "support", "unsupported"]

_HASHTAGS = re.compile(r"^(?:#\w+\s*)+$")
_CONNECTOR_PREFIXES = sorted(
    {c for variants in CONNECTORS.values() for c in variants}, key=len, reverse=True
)


@dataclass(frozen=True, slots=True)
class Unsupported:
    section: int
    sentence: str
    support: float


class SourceSentences:
    """The sentences of some source texts, as sets of meaningful words."""

    def __init__(self, texts: Iterable[str]) -> None:
        self._sets = [set(content_tokens(s)) for text in texts for s in split_sentences(text) if s]

    def support(self, sentence: str) -> float:
        return support(sentence, self._sets)


def support(sentence: str, sources: Sequence[set[str]]) -> float:
    """The largest share of ``sentence``'s meaningful words found in one source sentence."""
    tokens = set(content_tokens(sentence))
    if not tokens:
        return 1.0  # nothing meaningful, nothing claimed
    return max((len(tokens & s) / len(tokens) for s in sources), default=0.0)


def _without_connector(sentence: str) -> str:
    for prefix in _CONNECTOR_PREFIXES:
        if sentence.startswith(prefix + " "):
            return sentence[len(prefix) + 1 :]
    return sentence


class TemplateMatcher:
    """Recognises template sentences filled with this brief's values and these titles."""

    def __init__(self, brief: Brief, titles: Iterable[str], extra: Iterable[str] = ()) -> None:
        topic = brief.topic
        topics = "|".join(re.escape(t) for t in dict.fromkeys([topic, topic_in_sentence(topic)]))
        names = "|".join(re.escape(t) for t in sorted(set(titles), key=len, reverse=True))
        slots = {
            r"\{topic\}": f"(?:{topics})",
            r"\{Topic\}": f"(?:{topics})",
            r"\{also\}": r"(?:, including [^.!?]+?)?",
            r"\{keywords\}": r"[^.!?]+?",
            r"\{title\}": f"(?:{names})" if names else r"(?!)",
        }
        patterns = []
        for template in SENTENCE_TEMPLATES:
            for piece in split_sentences(template):
                pattern = re.escape(piece)
                for slot, replacement in slots.items():
                    pattern = pattern.replace(slot, replacement)
                patterns.append(pattern)
        patterns += [re.escape(e) for e in extra if e]
        self._pattern = re.compile(r"(?:" + "|".join(patterns) + r")(?: \(\d+\))?", re.IGNORECASE)

    def matches(self, sentence: str) -> bool:
        text = inline_plain(sentence).strip()
        return bool(self._pattern.fullmatch(text) or _HASHTAGS.match(text))


def unsupported(
    document: GeneratedContent,
    sources: SourceSentences,
    templates: TemplateMatcher,
    threshold: float = 0.8,
) -> list[Unsupported]:
    """Sentences of the body that are neither templates nor supported by a source sentence."""
    found: list[Unsupported] = []
    for index, section in enumerate(document.sections):
        for sentence in split_sentences(section.markdown):
            if templates.matches(sentence):
                continue
            share = sources.support(_without_connector(sentence))
            if share < threshold:
                found.append(Unsupported(index, sentence, share))
    return found
