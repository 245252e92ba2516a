"""Content documents cut into passages: by ``##`` section, then paragraphs under a word cap."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from aic.ai.composer.sentences import inline_plain, markdown_blocks, split_sentences, words

__all__ = ["MAX_PASSAGE_WORDS", "ContentDocument", "Passage", "split_document"]

MAX_PASSAGE_WORDS = 140  # MiniLM reads 256 word pieces; a passage stays well inside them
_SECTION = re.compile(r"^##\s+(.+?)\s*#*\s*$", re.MULTILINE)


@dataclass(frozen=True, slots=True)
class ContentDocument:
    """One item of the site's content, as the backend sends it for indexing."""

    content_id: str
    slug: str
    title: str
    content_type: str
    portals: tuple[str, ...]
    segment: str
    body_markdown: str
    tags: tuple[str, ...] = ()
    summary: str = ""
    published: bool = True


@dataclass(frozen=True, slots=True)
class Passage:
    """A retrievable piece of a document: one section's paragraphs, under the word cap."""

    passage_id: str
    content_id: str
    slug: str
    title: str
    heading: str
    text: str
    position: int
    content_type: str
    portals: tuple[str, ...]
    segment: str
    published: bool

    @property
    def embedding_text(self) -> str:
        """What is embedded: the title and heading place the passage in its document."""
        return f"{self.title}. {self.heading}. {inline_plain(self.text)}"

    def payload(self) -> dict[str, Any]:
        return {
            "content_id": self.content_id,
            "slug": self.slug,
            "title": self.title,
            "heading": self.heading,
            "text": self.text,
            "position": self.position,
            "content_type": self.content_type,
            "portals": list(self.portals),
            "segment": self.segment,
            "published": self.published,
        }

    @classmethod
    def from_payload(cls, passage_id: str, payload: dict[str, Any]) -> Passage:
        return cls(
            passage_id=passage_id,
            content_id=str(payload["content_id"]),
            slug=str(payload["slug"]),
            title=str(payload["title"]),
            heading=str(payload["heading"]),
            text=str(payload["text"]),
            position=int(payload["position"]),
            content_type=str(payload["content_type"]),
            portals=tuple(str(p) for p in payload["portals"]),
            segment=str(payload["segment"]),
            published=bool(payload["published"]),
        )


def _sections(document: ContentDocument) -> list[tuple[str, str]]:
    """(heading, markdown) pairs; text before the first heading is headed by the title."""
    body = document.body_markdown
    matches = list(_SECTION.finditer(body))
    found: list[tuple[str, str]] = []
    lead = body[: matches[0].start()] if matches else body
    if lead.strip():
        found.append((document.title, lead))
    starts = [m.start() for m in matches] + [len(body)]  # a section ends where the next starts
    for match, end in zip(matches, starts[1:], strict=True):
        found.append((inline_plain(match.group(1)).strip(), body[match.end() : end]))
    return found


def _chunks(markdown: str) -> list[str]:
    """Consecutive blocks joined up to the word cap; a block over the cap split by sentence."""
    pieces: list[str] = []
    for block in markdown_blocks(markdown):
        if len(words(block)) <= MAX_PASSAGE_WORDS:
            pieces.append(block)
            continue
        pieces += split_sentences(block)
    chunks: list[list[str]] = []
    size = 0
    for piece in pieces:
        count = len(words(piece))
        if chunks and size + count <= MAX_PASSAGE_WORDS:
            chunks[-1].append(piece)
            size += count
        else:
            chunks.append([piece])
            size = count
    return ["\n\n".join(chunk) for chunk in chunks]


def split_document(document: ContentDocument) -> list[Passage]:
    """The document's passages in reading order; the summary, if any, comes first."""
    sections = _sections(document)
    if document.summary.strip():
        sections.insert(0, ("Summary", document.summary))
    passages: list[Passage] = []
    for heading, markdown in sections:
        for text in _chunks(markdown):
            position = len(passages)
            passages.append(
                Passage(
                    passage_id=f"{document.content_id}#{position}",
                    content_id=document.content_id,
                    slug=document.slug,
                    title=document.title,
                    heading=heading,
                    text=text,
                    position=position,
                    content_type=document.content_type,
                    portals=document.portals,
                    segment=document.segment,
                    published=document.published,
                )
            )
    return passages
