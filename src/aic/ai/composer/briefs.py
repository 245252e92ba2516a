"""What a generation is asked for: type, topic, audience, tone, length, keywords, brand voice."""

from __future__ import annotations

import hashlib
import json
from dataclasses import asdict, dataclass, field
from typing import Literal, get_args

__all__ = [
    "CONTENT_TYPES",
    "LENGTHS",
    "LENGTH_RANGES",
    "META_DESCRIPTION_MAX",
    "SEO_TITLE_MAX",
    "TONES",
    "Audience",
    "BrandVoice",
    "Brief",
    "ContentType",
    "Length",
    "Tone",
]

ContentType = Literal[
    "blog_post", "email", "landing_page", "social_post", "seo_meta", "product_description"
]
Tone = Literal["professional", "friendly", "authoritative", "playful"]
Length = Literal["short", "medium", "long"]
Audience = Literal["smb", "enterprise"]

CONTENT_TYPES: tuple[ContentType, ...] = get_args(ContentType)
TONES: tuple[Tone, ...] = get_args(Tone)
LENGTHS: tuple[Length, ...] = get_args(Length)

SEO_TITLE_MAX = 60
META_DESCRIPTION_MAX = 160

# Words of the body (headings included, markdown syntax not), inclusive. seo_meta has no body
# beyond its title and description, whose limits are in characters.
LENGTH_RANGES: dict[ContentType, dict[Length, tuple[int, int]]] = {
    "blog_post": {"short": (200, 400), "medium": (400, 700), "long": (700, 1100)},
    "email": {"short": (50, 120), "medium": (120, 200), "long": (200, 320)},
    "landing_page": {"short": (100, 220), "medium": (220, 380), "long": (380, 600)},
    "social_post": {"short": (12, 45), "medium": (30, 70), "long": (50, 100)},
    "seo_meta": {"short": (1, 60), "medium": (1, 60), "long": (1, 60)},
    "product_description": {"short": (60, 150), "medium": (150, 280), "long": (280, 450)},
}


@dataclass(frozen=True, slots=True)
class BrandVoice:
    """How the brand sounds: tone words (``concise``, ``warm`` ...), words it never uses,
    and example texts (shown to an LLM provider; the offline composer uses the first two)."""

    tone_words: tuple[str, ...] = ()
    banned_words: tuple[str, ...] = ()
    example_texts: tuple[str, ...] = ()

    @property
    def prefers_short_sentences(self) -> bool:
        concise = {"concise", "short", "brief", "direct", "simple", "clear", "punchy", "crisp"}
        return any(word.lower() in concise for word in self.tone_words)


@dataclass(frozen=True, slots=True)
class Brief:
    content_type: ContentType
    topic: str
    audience: Audience | None = None
    tone: Tone = "professional"
    length: Length = "medium"
    keywords: tuple[str, ...] = ()
    brand_voice: BrandVoice = field(default_factory=BrandVoice)
    language: str = "en"

    @property
    def word_range(self) -> tuple[int, int]:
        return LENGTH_RANGES[self.content_type][self.length]

    @property
    def retrieval_query(self) -> str:
        return " ".join([self.topic, *self.keywords])

    def fingerprint(self) -> int:
        """A stable number for this brief: picks template variants, the same every run."""
        text = json.dumps(asdict(self), sort_keys=True, ensure_ascii=False)
        return int.from_bytes(hashlib.blake2b(text.encode(), digest_size=8).digest(), "big")
