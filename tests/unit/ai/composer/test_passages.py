"""Documents into passages, text into sentences, and relevance of retrieved passages."""

from __future__ import annotations

import asyncio

from aic.ai.composer import ContentCorpus, ContentDocument, PassageFilter
from aic.ai.composer.passages import MAX_PASSAGE_WORDS, split_document
from aic.ai.composer.selection import near_repeat
from aic.ai.composer.sentences import contains_phrase, split_sentences, words
from tests.support.memory_vectors import MemoryVectorIndex
from tests.unit.ai.composer.conftest import DEMO_DOCUMENTS, TopicalEmbedder

LONG_PARAGRAPH = " ".join(f"Sentence number {n} says one plain thing." for n in range(60))
DOCUMENT = ContentDocument(
    content_id="c1",
    slug="guide",
    title="A guide",
    content_type="guide",
    portals=("smb",),
    segment="smb",
    summary="What the guide covers.",
    body_markdown=(
        f"Lead text.\n\n## First part\n\nOne.\n\nTwo.\n\n## Second part\n\n{LONG_PARAGRAPH}\n"
    ),
)


def test_a_document_is_cut_by_section_then_under_the_word_cap() -> None:
    passages = split_document(DOCUMENT)
    assert [p.heading for p in passages[:3]] == ["Summary", "A guide", "First part"]
    assert passages[2].text == "One.\n\nTwo."
    assert all(len(words(p.text)) <= MAX_PASSAGE_WORDS for p in passages)
    assert [p.passage_id for p in passages] == [f"c1#{n}" for n in range(len(passages))]
    second = [p for p in passages if p.heading == "Second part"]
    assert len(second) > 1
    assert words(" ".join(p.text for p in second)) == words(LONG_PARAGRAPH)


def test_a_document_without_headings_is_one_section_under_its_title() -> None:
    plain = ContentDocument(
        content_id="c2",
        slug="plain",
        title="Plain",
        content_type="guide",
        portals=("smb",),
        segment="smb",
        body_markdown="No heading here.\n\nJust two paragraphs.",
    )
    passages = split_document(plain)
    assert [(p.heading, p.text) for p in passages] == [
        ("Plain", "No heading here.\n\nJust two paragraphs.")
    ]


def test_every_demo_article_gives_passages_within_the_cap() -> None:
    for document in DEMO_DOCUMENTS:
        passages = split_document(document)
        assert passages, document.slug
        assert all(len(words(p.text)) <= MAX_PASSAGE_WORDS for p in passages)


def test_sentences_split_at_full_stops_but_not_at_abbreviations_or_inside_lists() -> None:
    text = "Costs rose, e.g. for SSO. Then 3 teams left!\n\n- First item\n- Second item."
    assert split_sentences(text) == [
        "Costs rose, e.g. for SSO.",
        "Then 3 teams left!",
        "First item",
        "Second item.",
    ]


def test_phrases_match_whole_words_only_and_ignore_case() -> None:
    assert contains_phrase("The Audit  Log keeps it", ["audit log", "log", "audi"]) == [
        "audit log",
        "log",
    ]
    assert contains_phrase("pre-release notes", ["release"]) == []


def test_reindexing_with_fewer_passages_removes_the_old_ones() -> None:
    corpus = ContentCorpus(TopicalEmbedder(), MemoryVectorIndex())

    async def run() -> tuple[int, int, int]:
        await corpus.index([DOCUMENT])
        before = await corpus.passage_count()
        short = ContentDocument(**_fields(DOCUMENT, body_markdown="## Only\n\nShort."))
        await corpus.index([short])
        after = await corpus.passage_count()
        removed = await corpus.remove("c1")
        return before, after, removed

    before, after, removed = asyncio.run(run())
    assert before > 3
    assert after == 2  # the summary and the one section
    assert removed == 2


def _fields(document: ContentDocument, **changes: object) -> dict[str, object]:
    import dataclasses

    return {**{f.name: getattr(document, f.name) for f in dataclasses.fields(document)}, **changes}


def test_filters_keep_other_portals_segments_and_drafts_out(demo_corpus: ContentCorpus) -> None:
    async def run(where: PassageFilter) -> set[tuple[str, ...]]:
        hits = await demo_corpus.retrieve("workflow approvals", where, k=60)
        return {(h.passage.segment, *h.passage.portals, str(h.passage.published)) for h in hits}

    smb = asyncio.run(run(PassageFilter(segment="smb")))
    assert {s[0] for s in smb} <= {"smb", "all"}
    nexus = asyncio.run(run(PassageFilter(portal="nexus")))
    assert all("nexus" in s[1:-1] for s in nexus)
    assert {s[-1] for s in asyncio.run(run(PassageFilter()))} == {"True"}


def test_a_fact_told_again_in_other_words_counts_as_a_repeat() -> None:
    seen: list[set[str]] = []
    first = "Customer data is hosted in the EU region in Frankfurt or the US region in Virginia."
    again = "Customers choose where data is hosted: the EU region in Frankfurt or the US region."
    other = "The Growth plan includes twenty connectors and priority support."
    assert not near_repeat(first, seen)
    assert near_repeat(again, seen)
    assert not near_repeat(other, seen)
    assert len(seen) == 2
