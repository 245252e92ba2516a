"""What a generation produces: a titled document of sections, each citing its sources."""

from __future__ import annotations

from dataclasses import dataclass, field

from aic.ai.composer.sentences import count_words

__all__ = ["COMPOSER_MODEL", "COMPOSER_PROVIDER", "GeneratedContent", "Section", "SourceRef"]

COMPOSER_PROVIDER = "local-composer"
COMPOSER_MODEL = "local-composer-1"


@dataclass(frozen=True, slots=True)
class Section:
    heading: str
    markdown: str
    source_ids: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class SourceRef:
    """A content item the document draws on, with its best passage's relevance."""

    content_id: str
    title: str
    slug: str
    score: float


@dataclass(frozen=True, slots=True)
class GeneratedContent:
    content_type: str
    title: str
    sections: tuple[Section, ...]
    seo_title: str
    meta_description: str
    sources: tuple[SourceRef, ...]
    provider: str = COMPOSER_PROVIDER
    model: str = COMPOSER_MODEL
    notes: tuple[str, ...] = field(default=())

    @property
    def body_markdown(self) -> str:
        """The sections as one markdown text, each under its ``##`` heading."""
        return "\n\n".join(f"## {s.heading}\n\n{s.markdown}" for s in self.sections) + "\n"

    @property
    def word_count(self) -> int:
        return sum(count_words(s.heading) + count_words(s.markdown) for s in self.sections)

    @property
    def full_text(self) -> str:
        """Everything a reader sees: title, SEO fields and the body."""
        return "\n".join([self.title, self.seo_title, self.meta_description, self.body_markdown])
