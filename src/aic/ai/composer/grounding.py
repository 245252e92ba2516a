"""Whether each generated sentence comes from a source or from the composer's fixed templates.

A sentence is supported when most of its meaningful words occur in one source sentence and
every number it states (``12``, ``$9``, ``99.9%``, ``1,728``) occurs in that same sentence
exactly; the composer's own sentences score 1.0 (they are source sentences, at most behind a
connector). Anything else must be an instance of a template (``templates.SENTENCE_TEMPLATES``),
whose slots only take the brief's topic, a list of the brief's own keywords, or a cited
source's title. ``unsupported`` checks each section against the sources it cites itself.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from aic.ai.composer.briefs import Brief
from aic.ai.composer.documents import GeneratedContent
from aic.ai.composer.phrasebook import topic_in_sentence
from aic.ai.composer.sentences import content_tokens, inline_plain, split_sentences
from aic.ai.composer.templates import CONNECTORS, SENTENCE_TEMPLATES

__all__ = [
    "SourceSentences",
    "TemplateMatcher",
    "Unsupported",
    "numbers",
    "unsupported",
]

# A number as written, with its currency sign, decimals, thousands separators and percent.
_NUMBER = re.compile(r"[$\u20ac\u00a3]?\d+(?:[.,]\d+)*%?")
_HASHTAGS = re.compile(r"^(?:#\w+\s*)+$")
_CONNECTOR_PREFIXES = sorted(
    {c for variants in CONNECTORS.values() for c in variants}, key=len, reverse=True
)


@dataclass(frozen=True, slots=True)
class Unsupported:
    section: int
    sentence: str
    support: float


def numbers(text: str) -> frozenset[str]:
    """The numbers ``text`` states, as written: ``$12``, ``99.9%``, ``1,728``, ``5``."""
    return frozenset(_NUMBER.findall(text))


@dataclass(frozen=True, slots=True)
class _Sentence:
    tokens: frozenset[str]
    numbers: frozenset[str]


class SourceSentences:
    """The sentences of some source texts, as their meaningful words and numbers."""

    def __init__(self, texts: Iterable[str]) -> None:
        self._sentences = [
            _Sentence(frozenset(content_tokens(s)), numbers(s))
            for text in texts
            for s in split_sentences(text)
            if s
        ]

    def support(self, sentence: str) -> float:
        """The largest share of ``sentence``'s meaningful words found in one source sentence
        that also states every number ``sentence`` does (0.0 if none does)."""
        tokens = set(content_tokens(sentence))
        stated = numbers(sentence)
        if not tokens and not stated:
            return 1.0  # nothing meaningful, nothing claimed
        return max(
            (
                len(tokens & s.tokens) / len(tokens) if tokens else 1.0
                for s in self._sentences
                if stated <= s.numbers
            ),
            default=0.0,
        )


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
        # {keywords} and {also} name only the brief's own keywords, as ``natural_list`` joins
        # them: "a", "a and b", "a, b and c".
        words = "|".join(re.escape(k) for k in sorted(brief.keywords, key=len, reverse=True))
        listed = f"(?:{words})(?:, (?:{words}))*(?: and (?:{words}))?" if words else r"(?!)"
        slots = {
            r"\{topic\}": f"(?:{topics})",
            r"\{Topic\}": f"(?:{topics})",
            r"\{also\}": f"(?:, including {listed})?",
            r"\{keywords\}": listed,
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
    sources: Mapping[str, SourceSentences],
    templates: TemplateMatcher,
    threshold: float = 0.8,
) -> list[Unsupported]:
    """Sentences of the body that are neither templates nor supported by a sentence of a
    source their own section cites (``sources``: content id → that content's sentences)."""
    found: list[Unsupported] = []
    for index, section in enumerate(document.sections):
        cited = [sources[cid] for cid in section.source_ids if cid in sources]
        for sentence in split_sentences(section.markdown):
            if templates.matches(sentence):
                continue
            claim = _without_connector(sentence)
            share = max((source.support(claim) for source in cited), default=0.0)
            if share < threshold:
                found.append(Unsupported(index, sentence, share))
    return found
