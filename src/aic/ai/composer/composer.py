"""The offline composer: a document for a brief, built only from retrieved source sentences."""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence

from aic.ai.composer.briefs import META_DESCRIPTION_MAX, SEO_TITLE_MAX, Brief
from aic.ai.composer.composition import ComposeError, Composition
from aic.ai.composer.corpus import RetrievedPassage
from aic.ai.composer.documents import GeneratedContent, Section, SourceRef
from aic.ai.composer.layouts import LAYOUTS
from aic.ai.composer.phrasebook import Phrasebook
from aic.ai.composer.relevance import Relevance
from aic.ai.composer.selection import candidate_pool
from aic.ai.composer.sentences import STOPWORDS, contains_phrase
from aic.ai.composer.validation import violations

__all__ = ["LocalComposer", "fit_title"]


def fit_title(title: str, limit: int = SEO_TITLE_MAX) -> str:
    """``title`` cut at a word boundary to ``limit`` characters, without a dangling word."""
    if len(title) <= limit:
        return title
    words = (
        title[: limit + 1].split()[:-1]
        if title[limit : limit + 1] != " "
        else title[:limit].split()
    )
    while words and (words[-1].lower().strip(",:;-") in STOPWORDS or words[-1] in "-\u2013\u2014:"):
        words.pop()
    return " ".join(words).rstrip(",:;-\u2013 ") or title[:limit].rstrip()


def sources_of(
    sections: Sequence[Section], retrieved: Sequence[RetrievedPassage]
) -> tuple[SourceRef, ...]:
    """The cited documents in order of first citation, each with its best passage score."""
    best: dict[str, RetrievedPassage] = {}
    for hit in retrieved:
        known = best.get(hit.passage.content_id)
        if known is None or hit.score > known.score:
            best[hit.passage.content_id] = hit
    cited = dict.fromkeys(sid for section in sections for sid in section.source_ids)
    return tuple(
        SourceRef(cid, best[cid].passage.title, best[cid].passage.slug, round(best[cid].score, 4))
        for cid in cited
        if cid in best
    )


class LocalComposer:
    """Composes deterministically: the same brief and passages always give the same document."""

    def __init__(self, relevance: Relevance | None = None) -> None:
        self.relevance = relevance or Relevance()

    def compose(self, brief: Brief, retrieved: Sequence[RetrievedPassage]) -> GeneratedContent:
        pool = candidate_pool(brief, self.relevance.filter(brief.retrieval_query, retrieved))
        if not pool:
            best = max((hit.score for hit in retrieved), default=None)
            raise ComposeError(
                "no_relevant_sources",
                "No indexed content is relevant enough to write this from; the offline "
                "composer does not invent. Index content on the topic (`aic reindex`), "
                "widen the filters, or configure an LLM provider.",
                {"best_score": best, "min_score": self.relevance.min_score},
            )
        composition = Composition(brief, pool, retrieved, Phrasebook(brief))
        title = LAYOUTS[brief.content_type](composition)
        seo_title = fit_title(title)
        if brief.content_type == "seo_meta":
            meta = self._seo_meta(composition, seo_title)
        else:
            meta = self._meta_description(composition)
            composition.trim(brief.word_range[1], protected=[title, seo_title, meta])
        sections = tuple(composition.draft.rendered())
        document = GeneratedContent(
            content_type=brief.content_type,
            title=title,
            sections=sections,
            seo_title=seo_title,
            meta_description=meta,
            sources=sources_of(sections, retrieved),
        )
        return self._checked(document, brief, retrieved)

    def _checked(
        self, document: GeneratedContent, brief: Brief, retrieved: Sequence[RetrievedPassage]
    ) -> GeneratedContent:
        known = {hit.passage.content_id for hit in retrieved}
        problems = violations(document, brief, known)
        hard = [p for p in problems if p.code != "too_short"]
        if hard:
            raise ComposeError(
                "constraints_unsatisfiable",
                "The offline composer cannot meet every constraint of this brief from the "
                "indexed content: " + "; ".join(p.message for p in hard),
                [p.as_json() for p in hard],
            )
        notes = tuple(
            f"Shorter than a {brief.length} {brief.content_type} ({p.message}): the relevant "
            "sources hold no more material on this topic."
            for p in problems
            if p.code == "too_short"
        )
        return dataclasses.replace(document, notes=notes)

    def _meta_description(self, c: Composition) -> str:
        """The best source sentence that fits, else a plain template on the topic."""
        fitting = [k for k in c.pool if len(k.text) <= META_DESCRIPTION_MAX]
        if fitting:
            return fitting[0].text
        fallback = c.phrasebook.render("A short read on {topic}.")
        return fit_title(fallback, META_DESCRIPTION_MAX)

    def _seo_meta(self, c: Composition, seo_title: str) -> str:
        """The description holds a source sentence and names the keywords the title lacks."""
        keywords = c.brief.keywords
        meta = ""
        for candidate in c.pool:
            if len(candidate.text) > META_DESCRIPTION_MAX:
                continue
            missing = [
                k for k in keywords if not contains_phrase(seo_title + "\n" + candidate.text, [k])
            ]
            line = c.phrase("keywords_line", keywords=missing) if missing else ""
            text = f"{candidate.text} {line}".strip()
            if len(text) <= META_DESCRIPTION_MAX and (line or not missing):
                meta = text
                chosen = candidate
                break
        else:
            missing = [k for k in keywords if not contains_phrase(seo_title, [k])]
            meta = c.phrase("keywords_line", keywords=missing) if missing else ""
            chosen = c.top
            if not meta or len(meta) > META_DESCRIPTION_MAX:
                raise ComposeError(
                    "constraints_unsatisfiable",
                    "The keywords do not fit in a meta description of "
                    f"{META_DESCRIPTION_MAX} characters: ask for fewer or shorter keywords.",
                    {"keywords": list(keywords)},
                )
        title_section = c.draft.section(c.heading("seo_title_heading", "SEO title"))
        title_section.line(seo_title, cite=chosen.content_id)
        meta_section = c.draft.section(c.heading("meta_heading", "Meta description"))
        meta_section.line(meta, cite=chosen.content_id)
        return meta
