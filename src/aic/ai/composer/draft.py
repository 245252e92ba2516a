"""A document under construction: sections of blocks, each block a source sentence or a template."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Literal

from aic.ai.composer.documents import Section
from aic.ai.composer.phrasebook import Phrasebook
from aic.ai.composer.selection import Candidate, with_connector
from aic.ai.composer.sentences import contains_phrase, count_words

__all__ = ["Block", "Draft", "DraftSection"]

BlockKind = Literal["sentence", "bullet", "line"]


@dataclass(slots=True, eq=False)  # blocks are told apart by identity
class Block:
    """``sentence``s join into paragraphs; a ``bullet`` is a list item; a ``line`` stands alone.

    ``candidate`` is the source sentence the block is; ``None`` for a template line.
    """

    kind: BlockKind
    text: str
    candidate: Candidate | None = None


@dataclass(slots=True)
class DraftSection:
    heading: str
    blocks: list[Block] = field(default_factory=list)
    cites: list[str] = field(default_factory=list)  # sources cited besides its sentences'
    paragraph_size: int = 3

    @property
    def source_ids(self) -> tuple[str, ...]:
        found = [b.candidate.content_id for b in self.blocks if b.candidate] + self.cites
        return tuple(dict.fromkeys(found))

    def add(self, candidate: Candidate, kind: BlockKind = "sentence") -> None:
        self.blocks.append(Block(kind, candidate.text, candidate))

    def line(self, text: str | None, cite: str | None = None) -> None:
        if text:
            self.blocks.append(Block("line", text))
            if cite:
                self.cites.append(cite)

    def render(self, phrasebook: Phrasebook, joined: int) -> tuple[str, int]:
        """The section's markdown, and the count of joined sentences so far (for connectors)."""
        parts: list[str] = []
        paragraph: list[str] = []
        bullets: list[str] = []

        def flush() -> None:
            if paragraph:
                parts.append(" ".join(paragraph))
                paragraph.clear()
            if bullets:
                parts.append("\n".join(bullets))
                bullets.clear()

        for block in self.blocks:
            if block.kind == "bullet":
                if paragraph:
                    flush()
                bullets.append(f"- {block.text}")
                continue
            if bullets or block.kind == "line" or len(paragraph) >= self.paragraph_size:
                flush()
            if block.kind == "line":
                parts.append(block.text)
                continue
            text = block.text
            if paragraph:
                joined += 1
                text = with_connector(phrasebook.connector(joined), text)
            paragraph.append(text)
        flush()
        return "\n\n".join(parts), joined


@dataclass(slots=True)
class Draft:
    """The sections so far, and which candidates they use."""

    phrasebook: Phrasebook
    sections: list[DraftSection] = field(default_factory=list)

    def section(self, heading: str, paragraph_size: int = 3) -> DraftSection:
        made = DraftSection(heading, paragraph_size=paragraph_size)
        self.sections.append(made)
        return made

    def used(self) -> set[str]:
        return {b.text for s in self.sections for b in s.blocks if b.candidate}

    def candidates(self) -> list[Block]:
        return [b for s in self.sections for b in s.blocks if b.candidate]

    def missing_keywords(self, keywords: Sequence[str], *extra: str) -> list[str]:
        text = "\n".join([*extra, *(s.heading for s in self.sections)])
        text += "\n" + "\n".join(b.text for s in self.sections for b in s.blocks)
        present = set(contains_phrase(text, keywords))
        return [k for k in keywords if k not in present]

    def rendered(self) -> list[Section]:
        joined = 0
        found: list[Section] = []
        for draft in self.sections:
            markdown, joined = draft.render(self.phrasebook, joined)
            found.append(Section(draft.heading, markdown, draft.source_ids))
        return found

    def word_count(self) -> int:
        return sum(count_words(s.heading) + count_words(s.markdown) for s in self.rendered())

    def remove(self, block: Block) -> None:
        for section in self.sections:
            section.blocks[:] = [b for b in section.blocks if b is not block]
