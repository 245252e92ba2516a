"""What every layout shares: the ranked sentences, the word budget, headings and keywords."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

from aic.ai.composer.briefs import Brief
from aic.ai.composer.corpus import RetrievedPassage
from aic.ai.composer.draft import BlockKind, Draft, DraftSection
from aic.ai.composer.phrasebook import Phrasebook
from aic.ai.composer.selection import Candidate
from aic.ai.composer.sentences import contains_phrase, phrase_pattern

__all__ = ["ComposeError", "Composition"]

_TEMPLATE_RESERVE = 12  # words kept free for the template sentences written last


class ComposeError(Exception):
    """The brief cannot be met from the sources: ``code`` says why, ``details`` what is known."""

    def __init__(self, code: str, message: str, details: object = None) -> None:
        super().__init__(message)
        self.code = code
        self.message = message
        self.details = details


@dataclass
class Composition:
    """One generation in progress: the brief, its ranked candidates and the draft."""

    brief: Brief
    pool: list[Candidate]
    retrieved: Sequence[RetrievedPassage]
    phrasebook: Phrasebook
    draft: Draft = field(init=False)
    _headings: set[str] = field(default_factory=set)

    def __post_init__(self) -> None:
        self.draft = Draft(self.phrasebook)

    @property
    def top(self) -> Candidate:
        return self.pool[0]

    @property
    def target_words(self) -> int:
        low, high = self.brief.word_range
        return low + (high - low) * 3 // 5

    def phrase(self, kind: str, *, title: str = "", keywords: list[str] | None = None) -> str:
        """A template for ``kind``; ``""`` if every variant has a banned word."""
        return self.phrasebook.pick(kind, title=title, keywords=keywords) or ""

    def heading(self, kind: str, fallback: str = "") -> str:
        text = self.phrase(kind) or fallback
        return self._unique(text or self.brief.topic)

    def source_heading(self, candidate: Candidate) -> str:
        """The passage's own heading, unless banned or taken; else a template naming it."""
        heading = candidate.passage.heading
        if not self.phrasebook.allowed(heading) or heading.lower() in self._headings:
            heading = self.phrase("source_heading", title=candidate.passage.title) or ""
            heading = heading.replace("*", "")
        return self._unique(heading or self.brief.topic)

    def _unique(self, heading: str) -> str:
        text, n = heading, 2
        while text.lower() in self._headings:
            text, n = f"{heading} ({n})", n + 1
        self._headings.add(text.lower())
        return text

    def source_title(self, candidate: Candidate | None = None) -> str:
        """A cited source's title for a template; a banned word in it falls back to its slug."""
        passage = (candidate or self.top).passage
        return passage.title if self.phrasebook.allowed(passage.title) else passage.slug

    def unused(self, where: Callable[[Candidate], bool] = lambda c: True) -> list[Candidate]:
        used = self.draft.used()
        return [c for c in self.pool if c.text not in used and where(c)]

    def best(self, where: Callable[[Candidate], bool] = lambda c: True) -> Candidate | None:
        found = self.unused(where)
        return found[0] if found else None

    def fill_by_passage(
        self,
        budget: int,
        per_section: int,
        max_sections: int,
        paragraph_size: int = 3,
    ) -> list[DraftSection]:
        """Sections of the best passages, each under its own heading, in reading order
        inside a section, until ``budget`` words are taken or the sentences run out."""
        by_passage: dict[str, list[Candidate]] = {}
        for candidate in self.unused():
            by_passage.setdefault(candidate.passage.passage_id, []).append(candidate)
        sections: list[DraftSection] = []
        taken = 0
        for group in by_passage.values():  # the pool is ranked: best passages come first
            if taken >= budget or len(sections) >= max_sections:
                break
            chosen: list[Candidate] = []
            for candidate in group[:per_section]:
                if taken >= budget:
                    break
                chosen.append(candidate)
                taken += candidate.word_count
            section = self.draft.section(self.source_heading(chosen[0]), paragraph_size)
            for candidate in sorted(chosen, key=lambda c: c.order):
                section.add(candidate)
            sections.append(section)
        return sections

    def fill_list(
        self,
        section: DraftSection,
        count: int,
        kind: BlockKind = "bullet",
        where: Callable[[Candidate], bool] = lambda c: True,
    ) -> None:
        """Up to ``count`` sentences from different passages into ``section``."""
        passages: set[str] = set()
        for candidate in self.unused(where):
            if len(passages) >= count:
                return
            if candidate.passage.passage_id in passages:
                continue
            passages.add(candidate.passage.passage_id)
            section.add(candidate, kind)

    def place_keywords(self, into: Callable[[Candidate], DraftSection], *extra: str) -> list[str]:
        """Add a source sentence for each missing keyword while the length allows; the
        keywords still missing (a template sentence names them)."""
        room = self.brief.word_range[1] - _TEMPLATE_RESERVE
        for keyword in self.draft.missing_keywords(self.brief.keywords, *extra):
            pattern = phrase_pattern(keyword)
            carrier = next((c for c in self.unused() if pattern.search(c.text)), None)
            if carrier is None or not self.draft.missing_keywords([keyword], *extra):
                continue
            if self.draft.word_count() + carrier.word_count > room:
                continue
            home = into(carrier)
            home.add(carrier, self._kind_in(home))
        return self.draft.missing_keywords(self.brief.keywords, *extra)

    @staticmethod
    def _kind_in(section: DraftSection) -> BlockKind:
        kinds = [b.kind for b in section.blocks if b.candidate]
        return "bullet" if kinds and all(k == "bullet" for k in kinds) else "sentence"

    def trim(self, high: int, protected: Sequence[str] = ()) -> None:
        """Drop the weakest source sentences until the body is at most ``high`` words; a
        sentence that is the only carrier of a keyword, or a section's last, stays."""
        while self.draft.word_count() > high:
            removable = []
            for section in self.draft.sections:
                mine = [b for b in section.blocks if b.candidate]
                if len(mine) > 1:
                    removable += mine
            removable = [b for b in removable if not self._sole_carrier(b.text, protected)]
            if not removable:
                return
            weakest = min(removable, key=lambda b: b.candidate.rank if b.candidate else 0.0)
            self.draft.remove(weakest)

    def _sole_carrier(self, text: str, protected: Sequence[str]) -> bool:
        mine = contains_phrase(text, self.brief.keywords)
        if not mine:
            return False
        others = "\n".join(
            [*protected, *(s.heading for s in self.draft.sections)]
            + [b.text for s in self.draft.sections for b in s.blocks if b.text != text]
        )
        return any(not contains_phrase(others, [k]) for k in mine)
