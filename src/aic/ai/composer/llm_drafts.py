"""Generation by an LLM provider: the prompt, reading its answer, and checking it.

The provider is shown the retrieved passages and the brief's constraints, and asked for a
fixed plain-text format. Its answer is never trusted: sections citing no retrieved source are
dropped, sentences with a banned word or that no source supports are dropped, lengths are
cut, and missing keywords are added from source sentences. What still violates the brief is
rejected (``LLMDraftRejected``), and the caller falls back to the local composer.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from aic.ai.composer.briefs import META_DESCRIPTION_MAX, SEO_TITLE_MAX, Brief
from aic.ai.composer.composer import fit_title, sources_of
from aic.ai.composer.corpus import RetrievedPassage
from aic.ai.composer.documents import GeneratedContent, Section
from aic.ai.composer.draft_repair import DraftRepair, LLMDraftRejected
from aic.ai.providers.ports import CompletionRequest, Message

__all__ = [
    "GENERATION_SYSTEM_PROMPT",
    "LLMDraftRejected",
    "ParsedDraft",
    "build_prompt",
    "parse_draft",
    "review_draft",
]

# The system message of every generation prompt: it also tells the offline provider that a
# request is a generation, which it declines (the content service composes it instead).
GENERATION_SYSTEM_PROMPT = "You are a careful B2B content writer who never invents facts."

_FIELD = re.compile(r"^(TITLE|SEO_TITLE|META):\s*(.*)$")
_SOURCES = re.compile(r"^SOURCES:\s*(.*)$", re.IGNORECASE)


@dataclass(frozen=True, slots=True)
class ParsedDraft:
    title: str
    seo_title: str
    meta_description: str
    sections: tuple[Section, ...]


def build_prompt(brief: Brief, passages: Sequence[RetrievedPassage]) -> CompletionRequest:
    low, high = brief.word_range
    voice = brief.brand_voice
    rules = [
        f"Write a {brief.content_type.replace('_', ' ')} about: {brief.topic}.",
        f"Tone: {brief.tone}."
        + (f" Brand voice: {', '.join(voice.tone_words)}." if voice.tone_words else ""),
        f"Audience: {brief.audience} customers." if brief.audience else "",
        f"Language: {brief.language}.",
        f"Length of the body: {low} to {high} words.",
        "Use only facts stated in the sources below; write nothing they do not support.",
        "Every section ends with a line `SOURCES: <ids>` naming the source ids it uses.",
        f"Use each of these keywords verbatim: {', '.join(brief.keywords)}."
        if brief.keywords
        else "",
        f"Never use these words: {', '.join(voice.banned_words)}." if voice.banned_words else "",
        f"SEO title: at most {SEO_TITLE_MAX} characters; meta description: at most "
        f"{META_DESCRIPTION_MAX} characters.",
        "Answer in exactly this format:\nTITLE: ...\nSEO_TITLE: ...\nMETA: ...\n"
        "## <section heading>\n<markdown>\nSOURCES: <id>, <id>\n(more sections)",
    ]
    examples = "\n\n".join(f"Example of the brand's voice:\n{t}" for t in voice.example_texts)
    sources = "\n\n".join(
        f"[source id {hit.passage.content_id}] {hit.passage.title} — {hit.passage.heading}\n"
        f"{hit.passage.text}"
        for hit in passages
    )
    user = "\n".join(r for r in rules if r) + (f"\n\n{examples}" if examples else "")
    user += f"\n\nSources:\n\n{sources}"
    return CompletionRequest(
        messages=(Message("system", GENERATION_SYSTEM_PROMPT), Message("user", user)),
        max_tokens=max(256, high * 2 + 200),
        temperature=0.3,
    )


def parse_draft(text: str) -> ParsedDraft:
    """Read the fixed format; a malformed answer gives no sections (and is rejected)."""
    fields: dict[str, str] = {}
    sections: list[Section] = []
    heading: str | None = None
    lines: list[str] = []
    ids: list[str] = []

    def close() -> None:
        if heading is not None:
            sections.append(Section(heading, "\n".join(lines).strip(), tuple(dict.fromkeys(ids))))

    for raw in text.strip().removeprefix("```").removesuffix("```").splitlines():
        line = raw.rstrip()
        field = _FIELD.match(line.strip()) if heading is None else None
        if field:
            fields[field.group(1)] = field.group(2).strip()
        elif line.startswith("## "):
            close()
            heading, lines, ids = line[3:].strip(), [], []
        elif (cited := _SOURCES.match(line.strip())) and heading is not None:
            ids += [i.strip(" []`") for i in cited.group(1).split(",") if i.strip(" []`")]
        elif heading is not None:
            lines.append(line)
    close()
    return ParsedDraft(
        title=fields.get("TITLE", ""),
        seo_title=fields.get("SEO_TITLE", ""),
        meta_description=fields.get("META", ""),
        sections=tuple(s for s in sections if s.markdown),
    )


def review_draft(
    brief: Brief,
    draft: ParsedDraft,
    retrieved: Sequence[RetrievedPassage],
    provider: str,
    model: str,
) -> GeneratedContent:
    """The draft repaired to meet the brief, or ``LLMDraftRejected`` with the reasons."""
    repair = DraftRepair(brief, retrieved)
    sections = repair.sections(draft.sections)
    if not sections:
        raise LLMDraftRejected(["no section cites a retrieved source with supported sentences"])
    fallback_title = brief.topic[:1].upper() + brief.topic[1:]
    title = draft.title if draft.title and repair.allowed(draft.title) else fallback_title
    seo_title = draft.seo_title if draft.seo_title and repair.allowed(draft.seo_title) else title
    meta = repair.meta_description(draft.meta_description)
    document = GeneratedContent(
        content_type=brief.content_type,
        title=title,
        sections=sections,
        seo_title=fit_title(seo_title),
        meta_description=meta,
        sources=sources_of(sections, retrieved),
        provider=provider,
        model=model,
    )
    return repair.finish(document)
