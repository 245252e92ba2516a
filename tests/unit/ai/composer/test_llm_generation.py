"""With an LLM provider configured, its drafts are checked, repaired or replaced, never trusted."""

from __future__ import annotations

import asyncio
import re
from collections.abc import Callable, Sequence

import pytest

from aic.ai.composer import (
    AnswerComposer,
    BrandVoice,
    Brief,
    ContentCorpus,
    ContentService,
    LocalComposer,
    LocalComposerProvider,
    Relevance,
)
from aic.ai.composer.sentences import contains_phrase, split_sentences
from aic.ai.composer.service import (
    Finished,
    Generated,
    GenerationEvent,
    Reset,
    SectionStarted,
    TextPiece,
)
from aic.ai.providers import CompletionRequest, ProviderError
from aic.ai.providers.chain import AllProvidersFailed, ProviderChain, StreamInterrupted
from aic.ai.providers.ports import ErrorKind
from aic.asgi.errors import ApiError
from tests.support.llm import Pieces, ScriptedProvider

BRIEF = Brief(
    content_type="blog_post",
    topic="sandboxes and change management",
    keywords=("release",),
    brand_voice=BrandVoice(banned_words=("cheap",)),
    length="short",
)
INVENTED = "Brindlewood was founded on the Moon in 1802 by twelve astronauts."


def sources_in(request: CompletionRequest) -> list[tuple[str, str]]:
    """(content id, passage text) of each source shown in the prompt."""
    prompt = request.messages[-1].content
    found = re.findall(r"\[source id ([^\]]+)\][^\n]*\n(.*?)(?=\n\n\[source id |\Z)", prompt, re.S)
    return [(cid, text) for cid, text in found]


def faithful_draft(request: CompletionRequest, extra: str = "", heading: str = "Why") -> str:
    """A draft made of the prompt's own source sentences, about 250 words."""
    sections = []
    words = 0
    for content_id, text in sources_in(request):
        sentences = [s for s in split_sentences(text) if s.endswith(".")][:3]
        if not sentences or words > 250:
            continue
        words += sum(len(s.split()) for s in sentences)
        body = " ".join(sentences)
        sections.append(f"## {heading} {len(sections) + 1}\n{body}\nSOURCES: {content_id}")
    return (
        "TITLE: Sandboxes and change management\nSEO_TITLE: Sandboxes and change management\n"
        "META: How sandboxes help teams ship a release safely.\n" + "\n".join(sections) + extra
    )


def service(corpus: ContentCorpus, llm: ScriptedProvider) -> ContentService:
    relevance = Relevance(min_score=0.15)
    answers = AnswerComposer(relevance)
    chain = ProviderChain([llm, LocalComposerProvider(corpus, answers)], retries=0)
    return ContentService(corpus, LocalComposer(relevance), answers, chain)


def generate(
    corpus: ContentCorpus, llm: ScriptedProvider, brief: Brief = BRIEF, provider: str | None = None
) -> Generated:
    async def run() -> Generated:
        content = service(corpus, llm)
        return await content.generate(await content.plan(brief, None, provider))

    return asyncio.run(run())


def stream(corpus: ContentCorpus, llm: ScriptedProvider) -> list[GenerationEvent]:
    async def run() -> list[GenerationEvent]:
        content = service(corpus, llm)
        plan = await content.plan(BRIEF, None, None)
        return [event async for event in content.events(plan)]

    return asyncio.run(run())


def test_a_faithful_llm_draft_is_returned_as_the_providers(demo_corpus: ContentCorpus) -> None:
    llm = ScriptedProvider("openai", ("gpt-test",), reply=faithful_draft)
    generated = generate(demo_corpus, llm)
    document = generated.document
    assert (document.provider, document.model) == ("openai", "gpt-test")
    assert contains_phrase(document.full_text, ["release"])
    assert all(s.source_ids for s in document.sections)
    assert "Use only facts stated in the sources" in llm.calls[0].messages[-1].content
    assert generated.usage.total_tokens > 0


def test_invented_sentences_banned_words_and_unknown_sources_are_removed(
    demo_corpus: ContentCorpus,
) -> None:
    def draft(request: CompletionRequest) -> str:
        good = faithful_draft(request)
        first_id = sources_in(request)[0][0]
        bad = (
            f"\n## Made up\nOur plans are cheap and flexible. {INVENTED}\nSOURCES: {first_id}"
            f"\n## Elsewhere\n{INVENTED}\nSOURCES: no-such-content"
        )
        return good + bad

    document = generate(demo_corpus, ScriptedProvider("openai", reply=draft)).document
    assert document.provider == "openai"
    assert INVENTED not in document.full_text
    assert not contains_phrase(document.full_text, ["cheap"])
    assert "Made up" not in [s.heading for s in document.sections]
    assert "Elsewhere" not in [s.heading for s in document.sections]
    assert any("cites no source" in note for note in document.notes)
    assert any("no source supports" in note for note in document.notes)


def test_a_missing_keyword_is_added_from_a_source_sentence(demo_corpus: ContentCorpus) -> None:
    brief = Brief(content_type="blog_post", topic=BRIEF.topic, keywords=("encryption",))

    def without_keyword(request: CompletionRequest) -> str:
        text = faithful_draft(request)
        return "\n".join(line for line in text.splitlines() if "encryption" not in line.lower())

    llm = ScriptedProvider("openai", reply=without_keyword)
    document = generate(demo_corpus, llm, brief=brief).document
    assert document.provider == "openai"
    added = [s for s in split_sentences(document.body_markdown) if "encryption" in s]
    assert added
    assert any("keyword 'encryption'" in note for note in document.notes)
    prompt = llm.calls[0].messages[-1].content
    assert all(sentence in prompt for sentence in added)  # taken from a source, not made up


@pytest.mark.parametrize(
    "answer",
    ["Sure! Here is a great post about sandboxes.", f"TITLE: x\n## Only\n{INVENTED}\nSOURCES: x"],
)
def test_an_unusable_llm_answer_is_replaced_by_the_local_composer(
    demo_corpus: ContentCorpus, answer: str
) -> None:
    document = generate(demo_corpus, ScriptedProvider("openai", script=[answer])).document
    assert document.provider == "local-composer"
    assert "rejected" in document.notes[0]


def failing(kind: ErrorKind = "timeout") -> Callable[[CompletionRequest], str]:
    """A provider's reply that always fails with ``kind``."""

    def reply(request: CompletionRequest) -> str:
        raise ProviderError("openai", kind, f"always {kind}")

    return reply


def test_a_failing_llm_falls_back_to_the_composer(demo_corpus: ContentCorpus) -> None:
    failure = ProviderError("openai", "auth", "bad key")
    document = generate(demo_corpus, ScriptedProvider("openai", script=[failure])).document
    assert document.provider == "local-composer"
    assert document.notes[0] == (
        "No LLM provider answered (openai: auth: bad key); composed offline."
    )


@pytest.mark.parametrize(
    ("kind", "status", "code"),
    [("timeout", 504, "llm_timeout"), ("auth", 502, "llm_failed")],
)
def test_a_named_provider_that_fails_gives_the_chains_error(
    demo_corpus: ContentCorpus, kind: ErrorKind, status: int, code: str
) -> None:
    llm = ScriptedProvider("openai", reply=failing(kind))
    with pytest.raises(AllProvidersFailed) as raised:
        generate(demo_corpus, llm, provider="openai")
    assert (raised.value.status_code, raised.value.code) == (status, code)
    attempts = raised.value.details["attempts"]
    assert [(a["provider"], a["kind"]) for a in attempts] == [("openai", kind)]
    assert len(llm.calls) == 1


def test_a_named_provider_that_fails_before_streaming_raises_before_any_event(
    demo_corpus: ContentCorpus,
) -> None:
    async def run() -> None:
        content = service(demo_corpus, ScriptedProvider("openai", reply=failing()))
        events = content.events(await content.plan(BRIEF, None, "openai"))
        with pytest.raises(AllProvidersFailed) as raised:
            await anext(events)
        assert raised.value.status_code == 504

    asyncio.run(run())


def test_a_named_provider_that_breaks_off_its_stream_is_not_replaced(
    demo_corpus: ContentCorpus,
) -> None:
    broken = Pieces(("TITLE: ", "Sandboxes"), then=ProviderError("openai", "connection", "reset"))

    sent: list[GenerationEvent] = []

    async def run() -> None:
        content = service(demo_corpus, ScriptedProvider("openai", script=[broken]))
        async for event in content.events(await content.plan(BRIEF, None, "openai")):
            sent.append(event)

    with pytest.raises(StreamInterrupted):
        asyncio.run(run())
    assert [type(e) for e in sent] == [TextPiece, TextPiece]


def test_an_unnamed_provider_that_fails_streaming_is_replaced_by_the_composer(
    demo_corpus: ContentCorpus,
) -> None:
    events = stream(demo_corpus, ScriptedProvider("openai", reply=failing()))
    assert isinstance(events[0], SectionStarted)  # nothing was sent: no reset needed
    assert isinstance(events[-1], Finished)
    document = events[-1].generated.document
    assert document.provider == "local-composer"
    assert document.notes[0].startswith("No LLM provider answered (openai: timeout")


def test_asking_for_the_local_composer_never_calls_the_llm(demo_corpus: ContentCorpus) -> None:
    llm = ScriptedProvider("openai", reply=faithful_draft)
    document = generate(demo_corpus, llm, provider="local-composer").document
    assert document.provider == "local-composer"
    assert llm.calls == []


def test_other_languages_go_to_the_llm_when_there_is_one(demo_corpus: ContentCorpus) -> None:
    llm = ScriptedProvider("openai", reply=faithful_draft)
    brief = Brief(
        content_type=BRIEF.content_type,
        topic=BRIEF.topic,
        keywords=BRIEF.keywords,
        language="de",
    )
    generate(demo_corpus, llm, brief=brief)
    assert "Language: de." in llm.calls[0].messages[-1].content


def test_an_unknown_provider_name_is_refused(demo_corpus: ContentCorpus) -> None:
    with pytest.raises(ApiError) as raised:
        generate(demo_corpus, ScriptedProvider("openai"), provider="anthropic")
    assert raised.value.code == "provider_unavailable"
    assert raised.value.details == {"available": ["local-composer", "openai"]}


def _texts(events: Sequence[GenerationEvent]) -> str:
    return "".join(e.text for e in events if isinstance(e, TextPiece))


def test_a_streamed_llm_draft_ends_with_the_checked_document(demo_corpus: ContentCorpus) -> None:
    events = stream(demo_corpus, ScriptedProvider("openai", reply=faithful_draft))
    assert isinstance(events[-1], Finished)
    assert events[-1].generated.document.provider == "openai"
    assert _texts(events[:-1]).startswith("TITLE: ")


def test_a_rejected_streamed_draft_is_reset_and_composed_again(demo_corpus: ContentCorpus) -> None:
    events = stream(demo_corpus, ScriptedProvider("openai", script=["Nothing useful here."]))
    kinds = [type(e).__name__ for e in events]
    reset = kinds.index("Reset")
    assert kinds[:reset] == ["TextPiece"] * reset
    assert isinstance(events[reset], Reset)
    assert isinstance(events[reset + 1], SectionStarted)
    assert isinstance(events[-1], Finished)
    assert events[-1].generated.document.provider == "local-composer"


def test_an_llm_is_not_asked_to_write_about_what_no_source_covers(
    demo_corpus: ContentCorpus,
) -> None:
    llm = ScriptedProvider("openai", reply=faithful_draft)
    brief = Brief(content_type="email", topic="volcanic eruptions on Jupiter's moon Io")
    with pytest.raises(ApiError) as raised:
        generate(demo_corpus, llm, brief=brief)
    assert raised.value.code == "no_relevant_sources"
    assert llm.calls == []
