"""The local composer's guarantees on the demo content, for every content type and tone."""

from __future__ import annotations

import asyncio
import itertools
import re

import pytest

from aic.ai.composer import (
    AnswerComposer,
    BrandVoice,
    Brief,
    ContentCorpus,
    ContentService,
    GeneratedContent,
    LocalComposer,
    Relevance,
)
from aic.ai.composer.briefs import CONTENT_TYPES, TONES, ContentType, Tone
from aic.ai.composer.composition import ComposeError
from aic.ai.composer.corpus import RetrievedPassage
from aic.ai.composer.grounding import SourceSentences, TemplateMatcher, unsupported
from aic.ai.composer.sentences import contains_phrase, split_sentences
from aic.ai.composer.validation import violations
from aic.asgi.errors import ApiError
from tests.unit.ai.composer.conftest import DEMO_IDS

TOPIC = "sandboxes and change management"
KEYWORDS = ("release", "audit log")
BANNED = ("simply", "cheap", "approves")


def service(corpus: ContentCorpus) -> ContentService:
    relevance = Relevance(min_score=0.15)
    return ContentService(corpus, LocalComposer(relevance), AnswerComposer(relevance))


def generate(
    corpus: ContentCorpus, brief: Brief, portal: str | None = None
) -> tuple[GeneratedContent, list[RetrievedPassage]]:
    async def run() -> tuple[GeneratedContent, list[RetrievedPassage]]:
        plan = await service(corpus).plan(brief, portal, None)
        assert plan.composed is not None
        return plan.composed.document, list(plan.retrieved)

    return asyncio.run(run())


def brief(
    content_type: ContentType = "blog_post",
    tone: Tone = "professional",
    **overrides: object,
) -> Brief:
    fields: dict[str, object] = {
        "content_type": content_type,
        "topic": TOPIC,
        "tone": tone,
        "keywords": KEYWORDS,
        "brand_voice": BrandVoice(banned_words=BANNED),
    }
    fields.update(overrides)
    return Brief(**fields)  # type: ignore[arg-type]


def grounding_problems(
    document: GeneratedContent, retrieved: list[RetrievedPassage], b: Brief
) -> list[str]:
    texts: dict[str, list[str]] = {}
    for hit in retrieved:
        texts.setdefault(hit.passage.content_id, []).append(hit.passage.text)
    sources = {cid: SourceSentences(t) for cid, t in texts.items()}
    titles = [h.passage.title for h in retrieved] + [h.passage.slug for h in retrieved]
    matcher = TemplateMatcher(b, titles)
    problems = [
        f"{u.sentence!r} ({u.support:.2f})" for u in unsupported(document, sources, matcher, 0.9)
    ]
    headings = {h.passage.heading.lower() for h in retrieved}
    for section in document.sections:
        if section.heading.lower() not in headings and not matcher.matches(section.heading):
            problems.append(f"heading {section.heading!r}")
    return problems


@pytest.mark.parametrize(("content_type", "tone"), list(itertools.product(CONTENT_TYPES, TONES)))
def test_every_type_and_tone_keeps_every_guarantee(
    demo_corpus: ContentCorpus, content_type: ContentType, tone: Tone
) -> None:
    b = brief(content_type, tone)
    document, retrieved = generate(demo_corpus, b)

    assert violations(document, b, DEMO_IDS) == [] or [
        v.code for v in violations(document, b, DEMO_IDS)
    ] == ["too_short"]
    for keyword in KEYWORDS:
        assert contains_phrase(document.full_text, [keyword]), keyword
    assert contains_phrase(document.full_text, BANNED) == []
    assert document.word_count <= b.word_range[1]
    assert 0 < len(document.seo_title) <= 60
    assert 0 < len(document.meta_description) <= 160
    assert document.sections
    for section in document.sections:
        assert section.source_ids
        assert set(section.source_ids) <= DEMO_IDS
    assert {s.content_id for s in document.sources} == {
        sid for s in document.sections for sid in s.source_ids
    }
    assert grounding_problems(document, retrieved, b) == []
    assert (document.provider, document.model) == ("local-composer", "local-composer-1")


@pytest.mark.parametrize("content_type", ["blog_post", "email", "landing_page", "social_post"])
def test_a_well_covered_topic_reaches_the_requested_length(
    demo_corpus: ContentCorpus, content_type: ContentType
) -> None:
    b = brief(content_type, length="short")
    document, _ = generate(demo_corpus, b)
    low, high = b.word_range
    assert low <= document.word_count <= high
    assert document.notes == ()


def test_the_same_brief_twice_gives_the_same_document(demo_corpus: ContentCorpus) -> None:
    first, _ = generate(demo_corpus, brief("landing_page", "playful"))
    second, _ = generate(demo_corpus, brief("landing_page", "playful"))
    assert first == second


def _sentences(document: GeneratedContent) -> set[str]:
    return {s for section in document.sections for s in split_sentences(section.markdown)}


def _jaccard(a: set[str], b: set[str]) -> float:
    return len(a & b) / len(a | b)


def test_content_types_differ_in_structure_and_wording(demo_corpus: ContentCorpus) -> None:
    documents = {t: generate(demo_corpus, brief(t))[0] for t in CONTENT_TYPES}
    headings = {t: tuple(s.heading for s in d.sections) for t, d in documents.items()}
    assert len(set(headings.values())) == len(CONTENT_TYPES)
    for a, b in itertools.combinations(CONTENT_TYPES, 2):
        assert _jaccard(_sentences(documents[a]), _sentences(documents[b])) < 0.5, (a, b)
    assert "\n- " in documents["landing_page"].body_markdown  # benefit bullets
    assert "\n- " in documents["product_description"].body_markdown  # feature bullets
    assert re.search(r"#\w+", documents["social_post"].body_markdown)  # hashtags
    assert [s.heading for s in documents["seo_meta"].sections] == ["SEO title", "Meta description"]


def test_tones_differ_in_openers_headings_and_sentences(demo_corpus: ContentCorpus) -> None:
    documents = {t: generate(demo_corpus, brief("blog_post", t))[0] for t in TONES}
    titles = {d.title for d in documents.values()}
    assert len(titles) == len(TONES)
    openers = {split_sentences(d.sections[0].markdown)[0] for d in documents.values()}
    assert len(openers) == len(TONES)
    closings = {d.sections[-1].heading for d in documents.values()}
    assert len(closings) == len(TONES)
    for a, b in itertools.combinations(TONES, 2):
        assert _jaccard(_sentences(documents[a]), _sentences(documents[b])) < 0.7, (a, b)


def test_friendly_and_concise_voices_prefer_shorter_sentences(demo_corpus: ContentCorpus) -> None:
    def mean_sentence(document: GeneratedContent) -> float:
        sentences = [s for sec in document.sections for s in split_sentences(sec.markdown)]
        return sum(len(s.split()) for s in sentences) / len(sentences)

    plain = generate(demo_corpus, brief("email", "professional"))[0]
    concise = generate(
        demo_corpus,
        brief("email", "friendly", brand_voice=BrandVoice(("concise",), BANNED)),
    )[0]
    assert mean_sentence(concise) < mean_sentence(plain)


def test_sentences_with_a_banned_word_are_left_out_even_from_sources(
    demo_corpus: ContentCorpus,
) -> None:
    open_voice = generate(demo_corpus, brief(brand_voice=BrandVoice()))[0]
    assert contains_phrase(open_voice.full_text, ["sandbox"])  # the sources say it often
    strict = brief(
        brand_voice=BrandVoice(banned_words=("sandbox", "Sandboxes")),
        topic="change management releases",
    )
    document = generate(demo_corpus, strict)[0]
    assert contains_phrase(document.full_text, ["sandbox", "sandboxes"]) == []


def test_a_keyword_no_source_mentions_is_named_in_a_template_sentence(
    demo_corpus: ContentCorpus,
) -> None:
    b = brief(keywords=("quarterly zebra review",))
    document, retrieved = generate(demo_corpus, b)
    assert contains_phrase(document.body_markdown, ["quarterly zebra review"])
    assert grounding_problems(document, retrieved, b) == []


def test_the_segment_filter_keeps_content_of_other_segments_out(demo_corpus: ContentCorpus) -> None:
    document, retrieved = generate(
        demo_corpus, brief(topic="pricing plans and seats", keywords=(), audience="smb")
    )
    assert {h.passage.segment for h in retrieved} <= {"smb", "all"}
    assert document.sources


def test_an_off_topic_brief_is_refused_rather_than_invented(demo_corpus: ContentCorpus) -> None:
    b = brief(topic="volcanic eruptions on Jupiter's moon Io", keywords=())
    with pytest.raises(ApiError) as raised:
        generate(demo_corpus, b)
    assert raised.value.status_code == 422
    assert raised.value.code == "no_relevant_sources"


def test_the_composer_refuses_when_given_no_passages() -> None:
    with pytest.raises(ComposeError) as raised:
        LocalComposer().compose(brief(), [])
    assert raised.value.code == "no_relevant_sources"


@pytest.mark.parametrize(
    ("overrides", "code"),
    [
        ({"keywords": ("cheap release",)}, "keyword_banned"),
        ({"topic": "simply sandboxes"}, "topic_banned"),
        ({"language": "de"}, "language_unsupported"),
    ],
)
def test_conflicting_or_unsupported_briefs_are_refused_up_front(
    demo_corpus: ContentCorpus, overrides: dict[str, object], code: str
) -> None:
    with pytest.raises(ApiError) as raised:
        generate(demo_corpus, brief(**overrides))
    assert raised.value.status_code == 422
    assert raised.value.code == code


def test_seo_meta_fits_every_keyword_into_title_and_description(demo_corpus: ContentCorpus) -> None:
    b = brief("seo_meta", keywords=("release", "audit log", "rollback", "approval"))
    document, _ = generate(demo_corpus, b)
    assert len(document.meta_description) <= 160
    text = document.seo_title + " " + document.meta_description
    assert all(contains_phrase(text, [k]) for k in b.keywords)


def test_too_many_long_keywords_for_a_meta_description_are_refused(
    demo_corpus: ContentCorpus,
) -> None:
    keywords = tuple(f"keyword number {n} that is rather long" for n in range(6))
    with pytest.raises(ApiError) as raised:
        generate(demo_corpus, brief("seo_meta", keywords=keywords))
    assert raised.value.code == "constraints_unsatisfiable"
