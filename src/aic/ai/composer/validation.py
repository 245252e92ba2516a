"""Whether a generated document meets its brief: keywords, banned words, lengths, citations."""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from typing import Any

from aic.ai.composer.briefs import META_DESCRIPTION_MAX, SEO_TITLE_MAX, Brief
from aic.ai.composer.documents import GeneratedContent
from aic.ai.composer.sentences import contains_phrase

__all__ = ["Violation", "violations"]


@dataclass(frozen=True, slots=True)
class Violation:
    code: str
    message: str
    details: dict[str, Any]

    def as_json(self) -> dict[str, Any]:
        return {"code": self.code, "message": self.message, **self.details}


def violations(
    document: GeneratedContent, brief: Brief, known_sources: Collection[str] | None = None
) -> list[Violation]:
    """Every way ``document`` falls short of ``brief``; ``known_sources``: the content ids
    that were retrieved (a citation of anything else is invented)."""
    found: list[Violation] = []
    text = document.full_text
    for keyword in brief.keywords:
        if not contains_phrase(text, [keyword]):
            found.append(
                Violation(
                    "keyword_missing", f"The keyword {keyword!r} is missing.", {"keyword": keyword}
                )
            )
    for word in contains_phrase(text, brief.brand_voice.banned_words):
        found.append(Violation("banned_word", f"The banned word {word!r} is used.", {"word": word}))
    low, high = brief.word_range
    words = document.word_count
    if words > high:
        found.append(
            Violation("too_long", f"{words} words; at most {high}.", {"words": words, "max": high})
        )
    if words < low:
        found.append(
            Violation("too_short", f"{words} words; at least {low}.", {"words": words, "min": low})
        )
    if len(document.seo_title) > SEO_TITLE_MAX or not document.seo_title.strip():
        found.append(
            Violation(
                "seo_title_length",
                f"The SEO title has {len(document.seo_title)} characters; 1 to {SEO_TITLE_MAX}.",
                {"characters": len(document.seo_title), "max": SEO_TITLE_MAX},
            )
        )
    meta = document.meta_description
    if len(meta) > META_DESCRIPTION_MAX or not meta.strip():
        found.append(
            Violation(
                "meta_description_length",
                f"The meta description has {len(meta)} characters; 1 to {META_DESCRIPTION_MAX}.",
                {"characters": len(meta), "max": META_DESCRIPTION_MAX},
            )
        )
    if not document.sections:
        found.append(Violation("no_sections", "The document has no sections.", {}))
    for index, section in enumerate(document.sections):
        if not section.markdown.strip():
            found.append(
                Violation("empty_section", f"Section {index} is empty.", {"section": index})
            )
        if not section.source_ids:
            found.append(
                Violation(
                    "section_without_source",
                    f"Section {index} ({section.heading!r}) cites no source.",
                    {"section": index},
                )
            )
        unknown = [
            s for s in section.source_ids if known_sources is not None and s not in known_sources
        ]
        if unknown:
            found.append(
                Violation(
                    "unknown_source",
                    f"Section {index} cites sources that were not retrieved: {unknown}.",
                    {"section": index, "source_ids": unknown},
                )
            )
    return found
