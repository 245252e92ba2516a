"""Repairs an LLM's draft to meet a brief, sentence by sentence, noting every change."""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence

from aic.ai.composer.briefs import META_DESCRIPTION_MAX, Brief
from aic.ai.composer.composer import fit_title
from aic.ai.composer.corpus import RetrievedPassage
from aic.ai.composer.documents import GeneratedContent, Section
from aic.ai.composer.grounding import SourceSentences
from aic.ai.composer.phrasebook import Phrasebook
from aic.ai.composer.sentences import (
    contains_phrase,
    count_words,
    markdown_blocks,
    split_sentences,
    strip_list_marker,
)
from aic.ai.composer.validation import violations

__all__ = ["LLM_MIN_SUPPORT", "DraftRepair", "LLMDraftRejected"]

# An LLM paraphrases: half of a sentence's meaningful words must come from one source
# sentence (the local composer's own sentences score 1.0).
LLM_MIN_SUPPORT = 0.5


class LLMDraftRejected(Exception):
    """An LLM's draft that no repair makes meet its brief; ``reasons`` say why."""

    def __init__(self, reasons: Sequence[str]) -> None:
        super().__init__("; ".join(reasons))
        self.reasons = list(reasons)


class DraftRepair:
    def __init__(self, brief: Brief, retrieved: Sequence[RetrievedPassage]) -> None:
        self.brief = brief
        self.retrieved = retrieved
        self.notes: list[str] = []
        self._known = {hit.passage.content_id for hit in retrieved}
        self._support = SourceSentences(hit.passage.text for hit in retrieved)
        self._phrasebook = Phrasebook(brief)

    def allowed(self, text: str) -> bool:
        return not contains_phrase(text, self.brief.brand_voice.banned_words)

    def _keeps(self, sentence: str) -> bool:
        return self.allowed(sentence) and self._support.support(sentence) >= LLM_MIN_SUPPORT

    def _filtered(self, markdown: str) -> tuple[str, int]:
        """The markdown without the sentences it may not keep; how many went."""
        blocks: list[str] = []
        dropped = 0
        for block in markdown_blocks(markdown):
            sentences = split_sentences(block)
            kept = [s for s in sentences if self._keeps(s)]
            dropped += len(sentences) - len(kept)
            if not kept:
                continue
            if len(kept) == len(sentences):
                blocks.append(block)
            else:
                marker = block[: len(block) - len(strip_list_marker(block))]
                blocks.append(marker + " ".join(kept))
        return "\n\n".join(blocks), dropped

    def sections(self, drafted: Sequence[Section]) -> tuple[Section, ...]:
        kept: list[Section] = []
        for section in drafted:
            ids = tuple(i for i in section.source_ids if i in self._known)
            if not ids:
                self.notes.append(f"Dropped the section {section.heading!r}: it cites no source.")
                continue
            markdown, dropped = self._filtered(section.markdown)
            if dropped:
                self.notes.append(
                    f"Dropped {dropped} sentence(s) of {section.heading!r} that used a banned "
                    "word or that no source supports."
                )
            if not markdown:
                continue
            heading = section.heading if self.allowed(section.heading) else f"Part {len(kept) + 1}"
            kept.append(Section(heading, markdown, ids))
        return tuple(kept)

    def meta_description(self, drafted: str) -> str:
        kept = [s for s in split_sentences(drafted) if self._keeps(s)]
        while kept and len(" ".join(kept)) > META_DESCRIPTION_MAX:
            kept.pop()
        if kept:
            return " ".join(kept)
        for hit in self.retrieved:
            for sentence in split_sentences(hit.passage.text):
                if len(sentence) <= META_DESCRIPTION_MAX and self.allowed(sentence):
                    return sentence
        return fit_title(self._phrasebook.render("A short read on {topic}."), META_DESCRIPTION_MAX)

    def finish(self, document: GeneratedContent) -> GeneratedContent:
        """Cut to length, add missing keywords from sources, then accept or reject."""
        sections = self._trimmed(list(document.sections))
        sections = self._with_keywords(sections, document)
        document = dataclasses.replace(document, sections=tuple(sections))
        problems = violations(document, self.brief, self._known)
        hard = [p.message for p in problems if p.code != "too_short"]
        if hard:
            raise LLMDraftRejected(hard)
        notes = self.notes + [
            f"Shorter than asked ({p.message})." for p in problems if p.code == "too_short"
        ]
        return dataclasses.replace(document, notes=tuple(notes))

    def _words(self, sections: Sequence[Section]) -> int:
        return sum(count_words(s.heading) + count_words(s.markdown) for s in sections)

    def _trimmed(self, sections: list[Section]) -> list[Section]:
        high = self.brief.word_range[1]
        cut = 0
        while self._words(sections) > high:
            longest = max(range(len(sections)), key=lambda i: count_words(sections[i].markdown))
            blocks = markdown_blocks(sections[longest].markdown)
            if len(blocks) <= 1:
                break
            sections[longest] = dataclasses.replace(
                sections[longest], markdown="\n\n".join(blocks[:-1])
            )
            cut += 1
        if cut:
            self.notes.append(f"Cut {cut} paragraph(s) to stay within {high} words.")
        return sections

    def _with_keywords(self, sections: list[Section], document: GeneratedContent) -> list[Section]:
        text = "\n".join([document.title, document.seo_title, document.meta_description])
        text += "\n" + "\n".join(f"{s.heading}\n{s.markdown}" for s in sections)
        for keyword in self.brief.keywords:
            if contains_phrase(text, [keyword]) or not sections:
                continue
            carrier = self._source_sentence_with(keyword)
            if carrier is not None:
                sentence, content_id = carrier
                index = next((i for i, s in enumerate(sections) if content_id in s.source_ids), 0)
                section = sections[index]
                ids = tuple(dict.fromkeys([*section.source_ids, content_id]))
                sections[index] = Section(section.heading, f"{section.markdown}\n\n{sentence}", ids)
                text += "\n" + sentence
                self.notes.append(f"Added a source sentence with the keyword {keyword!r}.")
        missing = [k for k in self.brief.keywords if not contains_phrase(text, [k])]
        line = self._phrasebook.pick("keywords_line", keywords=missing) if missing else None
        if line and sections:
            first = sections[0]
            sections[0] = Section(first.heading, f"{first.markdown}\n\n{line}", first.source_ids)
            self.notes.append(f"Named the missing keywords {missing} in a closing line.")
        return sections

    def _source_sentence_with(self, keyword: str) -> tuple[str, str] | None:
        for hit in self.retrieved:
            for sentence in split_sentences(hit.passage.text):
                if contains_phrase(sentence, [keyword]) and self.allowed(sentence):
                    return sentence, hit.passage.content_id
        return None
