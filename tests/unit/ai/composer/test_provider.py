"""The composer as the ``local-composer`` LLM provider: chat answered from the content."""

from __future__ import annotations

import asyncio

import pytest

from aic.ai.composer import (
    NO_ANSWER,
    AnswerComposer,
    Brief,
    ContentCorpus,
    LocalComposerProvider,
    Relevance,
)
from aic.ai.composer.llm_drafts import build_prompt
from aic.ai.providers import CompletionRequest, Message, ProviderError
from aic.ai.providers.chain import ProviderChain
from tests.unit.ai.composer.conftest import DEMO_IDS


def provider(corpus: ContentCorpus) -> LocalComposerProvider:
    return LocalComposerProvider(corpus, AnswerComposer(Relevance(min_score=0.15)))


def chat(*turns: tuple[str, str], max_tokens: int | None = None) -> CompletionRequest:
    return CompletionRequest(
        messages=tuple(Message(role, text) for role, text in turns),  # type: ignore[arg-type]
        max_tokens=max_tokens,
    )


QUESTION = chat(
    ("system", "You are helpful."),
    ("user", "What is the boiling point of tungsten?"),
    ("assistant", "I don't know."),
    ("user", "How much does the Starter plan cost per seat?"),
)


def test_it_answers_the_last_user_message_with_cited_sources(demo_corpus: ContentCorpus) -> None:
    completion = asyncio.run(provider(demo_corpus).generate(QUESTION))
    assert (completion.provider, completion.model) == ("local-composer", "local-composer-1")
    assert completion.finish_reason == "stop"
    assert "[1]" in completion.text
    assert "Sources:" in completion.text
    cited = [
        line.rsplit("id ", 1)[1].rstrip(")")
        for line in completion.text.splitlines()
        if line.startswith("[")
    ]
    assert cited
    assert set(cited) <= DEMO_IDS
    assert completion.usage.completion_tokens > 0


def test_its_stream_joins_to_the_same_answer(demo_corpus: ContentCorpus) -> None:
    composer = provider(demo_corpus)

    async def run() -> list[object]:
        return [chunk async for chunk in composer.stream(QUESTION)]

    chunks = asyncio.run(run())
    whole = asyncio.run(composer.generate(QUESTION)).text
    assert "".join(c.text for c in chunks) == whole  # type: ignore[attr-defined]
    assert all(c.text for c in chunks[:-1])  # type: ignore[attr-defined]
    assert chunks[-1].finish_reason == "stop"  # type: ignore[attr-defined]
    assert chunks[-1].usage is not None  # type: ignore[attr-defined]


def test_an_off_topic_chat_gets_i_dont_know(demo_corpus: ContentCorpus) -> None:
    asked = chat(("user", "What is the boiling point of tungsten?"))
    assert asyncio.run(provider(demo_corpus).generate(asked)).text == NO_ANSWER


def test_max_tokens_cuts_the_answer_and_says_so(demo_corpus: ContentCorpus) -> None:
    asked = chat(("user", "How much does the Starter plan cost per seat?"), max_tokens=5)
    completion = asyncio.run(provider(demo_corpus).generate(asked))
    assert completion.finish_reason == "length"
    assert len(completion.text) == 20


def test_a_chat_without_a_user_message_is_a_bad_request(demo_corpus: ContentCorpus) -> None:
    with pytest.raises(ProviderError) as raised:
        asyncio.run(provider(demo_corpus).generate(chat(("system", "Be brief."))))
    assert raised.value.kind == "bad_request"


def test_it_declines_a_content_generation_prompt(demo_corpus: ContentCorpus) -> None:
    """The content service composes documents itself; answering the prompt as a question
    would hide that every network provider failed."""
    brief = Brief(content_type="email", topic="sandboxes and change management")
    prompt = build_prompt(brief, [])
    composer = provider(demo_corpus)
    with pytest.raises(ProviderError) as raised:
        asyncio.run(composer.generate(prompt))
    assert (raised.value.provider, raised.value.kind) == ("local-composer", "bad_request")

    async def first_chunk() -> object:
        return await anext(composer.stream(prompt))

    with pytest.raises(ProviderError):
        asyncio.run(first_chunk())


def test_it_serves_as_the_chains_offline_fallback(demo_corpus: ContentCorpus) -> None:
    chain = ProviderChain([provider(demo_corpus)])
    assert chain.status().available
    assert chain.models() == ["local-composer-1"]
    completion = asyncio.run(chain.generate(QUESTION))
    assert completion.provider == "local-composer"
