"""Templates rendered for one brief: a stable variant per kind, never one with a banned word."""

from __future__ import annotations

import hashlib

from aic.ai.composer.briefs import Brief
from aic.ai.composer.sentences import contains_phrase
from aic.ai.composer.templates import CONNECTORS, phrase_variants

__all__ = ["Phrasebook", "natural_list", "topic_in_sentence"]


def natural_list(items: list[str]) -> str:
    """``a``, ``a and b``, ``a, b and c``."""
    if len(items) <= 1:
        return "".join(items)
    return ", ".join(items[:-1]) + " and " + items[-1]


def topic_in_sentence(topic: str) -> str:
    """The topic as it reads mid-sentence: a plain capital first word is lower-cased."""
    first, _, rest = topic.partition(" ")
    if first[:1].isupper() and first[1:].islower():
        return (first[:1].lower() + first[1:] + (" " + rest if rest else "")).strip()
    return topic


class Phrasebook:
    """Picks and fills templates for ``brief``; ``None`` when every variant is banned."""

    def __init__(self, brief: Brief) -> None:
        self.brief = brief
        self._banned = brief.brand_voice.banned_words
        self._seed = brief.fingerprint()

    def _rotation(self, kind: str) -> int:
        digest = hashlib.blake2b(f"{self._seed}:{kind}".encode(), digest_size=4).digest()
        return int.from_bytes(digest, "big")

    def allowed(self, text: str) -> bool:
        return not contains_phrase(text, self._banned)

    def pick(self, kind: str, *, title: str = "", keywords: list[str] | None = None) -> str | None:
        variants = phrase_variants(kind, self.brief.tone)
        start = self._rotation(kind) % len(variants)
        for step in range(len(variants)):
            rendered = self.render(variants[(start + step) % len(variants)], title, keywords)
            if self.allowed(rendered):
                return rendered
        return None

    def render(self, template: str, title: str = "", keywords: list[str] | None = None) -> str:
        topic = self.brief.topic
        also = f", including {natural_list(keywords)}" if keywords else ""
        return (
            template.replace("{Topic}", topic[:1].upper() + topic[1:])
            .replace("{topic}", topic_in_sentence(topic))
            .replace("{also}", also)
            .replace("{keywords}", natural_list(keywords or []))
            .replace("{title}", f"*{title}*")
        )

    def connector(self, index: int) -> str | None:
        """The connector for the ``index``-th joined sentence, or ``None`` (most get none)."""
        if index % 3 != 1:
            return None
        variants = CONNECTORS[self.brief.tone]
        choice = variants[(self._rotation("connector") + index // 3) % len(variants)]
        return choice if self.allowed(choice) else None
