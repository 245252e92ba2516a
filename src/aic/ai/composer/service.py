"""Content generation and answers: retrieval, the choice of writer, and streaming events."""

from __future__ import annotations

import asyncio
import math
from collections.abc import AsyncGenerator, AsyncIterator, Sequence
from dataclasses import dataclass, replace
from typing import Protocol

from aic.ai.composer.answers import Answer, AnswerComposer
from aic.ai.composer.briefs import Brief
from aic.ai.composer.composer import LocalComposer
from aic.ai.composer.composition import ComposeError
from aic.ai.composer.corpus import ContentCorpus, PassageFilter, RetrievedPassage
from aic.ai.composer.documents import COMPOSER_PROVIDER, GeneratedContent
from aic.ai.composer.draft_repair import LLMDraftRejected
from aic.ai.composer.llm_drafts import build_prompt, parse_draft, review_draft
from aic.ai.composer.provider import text_pieces
from aic.ai.composer.sentences import contains_phrase
from aic.ai.providers.chain import AllProvidersFailed
from aic.ai.providers.ports import Completion, LLMProvider, ProviderStatus, Usage
from aic.asgi.errors import ApiError

__all__ = [
    "ContentService",
    "Finished",
    "Generated",
    "GenerationEvent",
    "GenerationPlan",
    "ModelDirectory",
    "Reset",
    "SectionStarted",
    "TextPiece",
]

_RETRIEVE_K = 24
_PER_KEYWORD_K = 6


class ModelDirectory(LLMProvider, Protocol):
    """An LLM (the provider chain) that says which provider serves which model."""

    def model_owners(self) -> dict[str, str]:
        """Every model an available provider serves → the provider that serves it."""
        ...


@dataclass(frozen=True, slots=True)
class Generated:
    document: GeneratedContent
    usage: Usage


@dataclass(frozen=True, slots=True)
class GenerationPlan:
    """A validated brief with its sources, and who writes it: an LLM ``model`` or the
    composer (``model`` ``None``, ``composed`` already made)."""

    brief: Brief
    retrieved: tuple[RetrievedPassage, ...]
    model: str | None
    explicit: bool
    composed: Generated | None = None


@dataclass(frozen=True, slots=True)
class SectionStarted:
    index: int
    heading: str
    source_ids: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class TextPiece:
    text: str
    section: int | None = None


@dataclass(frozen=True, slots=True)
class Reset:
    """Discard the text streamed so far: the LLM's draft was rejected, the composer follows."""

    reason: str


@dataclass(frozen=True, slots=True)
class Finished:
    generated: Generated


GenerationEvent = SectionStarted | TextPiece | Reset | Finished


def _conflicts(brief: Brief) -> None:
    banned = brief.brand_voice.banned_words
    clashing = {k: contains_phrase(k, banned) for k in brief.keywords}
    clashing = {k: v for k, v in clashing.items() if v}
    if clashing:
        raise ApiError(
            422,
            "keyword_banned",
            "A keyword contains a banned word of the brand voice: remove one or the other.",
            [{"keyword": k, "banned": v} for k, v in clashing.items()],
        )
    in_topic = contains_phrase(brief.topic, banned)
    if in_topic:
        raise ApiError(
            422,
            "topic_banned",
            "The topic contains a banned word of the brand voice; titles are made from the "
            "topic, so rephrase it.",
            {"banned": in_topic},
        )


class ContentService:
    def __init__(
        self,
        corpus: ContentCorpus,
        composer: LocalComposer,
        answers: AnswerComposer,
        llm: ModelDirectory | None = None,
    ) -> None:
        self.corpus = corpus
        self.composer = composer
        self.answers = answers
        self.llm = llm

    def _remote_model(self, brief: Brief, provider: str | None) -> str | None:
        owners = [
            (model, name)
            for model, name in (self.llm.model_owners() if self.llm else {}).items()
            if name != COMPOSER_PROVIDER
        ]
        if provider == COMPOSER_PROVIDER:
            chosen = None
        elif provider is not None:
            chosen = next((m for m, name in owners if name == provider), None)
            if chosen is None:
                raise ApiError(
                    422,
                    "provider_unavailable",
                    f"The provider {provider!r} is not available; use one of the listed ones "
                    "or leave `provider` unset.",
                    {"available": sorted({n for _, n in owners} | {COMPOSER_PROVIDER})},
                )
        else:
            chosen = owners[0][0] if owners else None
        if chosen is None and brief.language != "en":
            raise ApiError(
                422,
                "language_unsupported",
                f"The offline composer writes English only; for {brief.language!r}, configure "
                "an LLM provider (AIC_OPENAI_API_KEY, AIC_ANTHROPIC_API_KEY or AIC_OLLAMA_URL).",
                {"language": brief.language, "supported": ["en"]},
            )
        return chosen

    async def sources_for(self, brief: Brief, portal: str | None) -> list[RetrievedPassage]:
        """Passages for the topic and keywords together, and a few for each keyword alone."""
        where = PassageFilter(portal=portal, segment=brief.audience)
        # Concurrent retrievals share one embedding batch.
        batches = await asyncio.gather(
            self.corpus.retrieve(brief.retrieval_query, where, _RETRIEVE_K),
            *(
                self.corpus.retrieve(f"{brief.topic} {keyword}", where, _PER_KEYWORD_K)
                for keyword in brief.keywords
            ),
        )
        found = [hit for batch in batches for hit in batch]
        best: dict[str, RetrievedPassage] = {}
        for hit in found:
            known = best.get(hit.passage.passage_id)
            if known is None or hit.score > known.score:
                best[hit.passage.passage_id] = hit
        return sorted(best.values(), key=lambda h: (-h.score, h.passage.passage_id))

    async def plan(self, brief: Brief, portal: str | None, provider: str | None) -> GenerationPlan:
        """Everything that can fail with a 4xx, done before any byte is sent."""
        _conflicts(brief)
        model = self._remote_model(brief, provider)
        retrieved = tuple(await self.sources_for(brief, portal))
        plan = GenerationPlan(brief, retrieved, model, explicit=provider is not None)
        if model is None:
            return replace(plan, composed=self._compose(brief, retrieved))
        if not self.composer.relevance.filter(brief.retrieval_query, retrieved):
            # An LLM given no sources would write from its own knowledge: refused the same way.
            raise ApiError(
                422,
                "no_relevant_sources",
                "No indexed content is relevant enough to write this from; index content on "
                "the topic (`aic reindex`) or widen the filters.",
                {"best_score": max((h.score for h in retrieved), default=None)},
            )
        return plan

    def _compose(
        self, brief: Brief, retrieved: Sequence[RetrievedPassage], note: str = ""
    ) -> Generated:
        try:
            document = self.composer.compose(brief, retrieved)
        except ComposeError as exc:
            raise ApiError(422, exc.code, exc.message, exc.details) from exc
        if note:
            document = replace(document, notes=(note, *document.notes))
        prompt = self.corpus.embedder.count_tokens([brief.retrieval_query])[0]
        completion = math.ceil(len(document.body_markdown) / 4)
        return Generated(document, Usage(prompt, completion))

    def _reviewed(self, plan: GenerationPlan, completion: Completion) -> Generated:
        draft = parse_draft(completion.text)
        document = review_draft(
            plan.brief, draft, plan.retrieved, completion.provider, completion.model
        )
        return Generated(document, completion.usage)

    async def generate(self, plan: GenerationPlan) -> Generated:
        """The plan's document: the LLM's reviewed draft, else the composer's. When the plan
        named its provider, a failure of every LLM is the chain's error, not a document."""
        if plan.composed is not None:
            return plan.composed
        request = build_prompt(plan.brief, plan.retrieved[:12]).with_model(plan.model)
        assert self.llm is not None  # a plan names a model only when there is an LLM
        try:
            completion = await self.llm.generate(request)
            return self._reviewed(plan, completion)
        except LLMDraftRejected as exc:
            return self._compose(plan.brief, plan.retrieved, _rejected(exc))
        except AllProvidersFailed as exc:
            failed = _network_failure(exc)
            if plan.explicit:
                raise failed from exc
            return self._compose(plan.brief, plan.retrieved, _no_answer(failed))

    async def events(self, plan: GenerationPlan) -> AsyncGenerator[GenerationEvent, None]:
        """The document as it is written: LLM text as it comes, or the composer's sections.

        With an explicitly named provider, a failure of every LLM raises the chain's error
        before the first event; a failure after the LLM's first text raises too (the caller
        reports it in the stream). Otherwise the composer takes over, after a ``Reset`` if
        text was already sent."""
        if plan.composed is not None:
            async for event in _composed_events(plan.composed):
                yield event
            return
        assert self.llm is not None
        request = build_prompt(plan.brief, plan.retrieved[:12]).with_model(plan.model)
        text: list[str] = []
        provider = model = ""
        usage: Usage | None = None
        chunks = self.llm.stream(request)
        try:
            async for chunk in chunks:
                provider, model = chunk.provider, chunk.model
                usage = chunk.usage or usage
                if chunk.text:
                    text.append(chunk.text)
                    yield TextPiece(chunk.text)
            completion = Completion(
                "".join(text), model, provider, "stop", usage or Usage.estimate("", ""), 0.0
            )
            yield Finished(self._reviewed(plan, completion))
            return
        except LLMDraftRejected as exc:
            yield Reset(_rejected(exc))
            fallback = self._compose(plan.brief, plan.retrieved, _rejected(exc))
        except ApiError as exc:  # every provider failed, or the stream broke off
            failed = _network_failure(exc) if isinstance(exc, AllProvidersFailed) else exc
            if plan.explicit:
                raise failed from exc
            if text:
                yield Reset(f"LLM failed: {failed.message}")
            fallback = self._compose(plan.brief, plan.retrieved, _no_answer(failed))
        finally:
            aclose = getattr(chunks, "aclose", None)
            if aclose is not None:
                await aclose()
        async for event in _composed_events(fallback):
            yield event

    async def answer(
        self, question: str, portal: str | None = None, segment: str | None = None
    ) -> Answer:
        where = PassageFilter(portal=portal, segment=segment)
        return self.answers.answer(question, await self.corpus.retrieve(question, where, 12))


def _network_failure(exc: AllProvidersFailed) -> AllProvidersFailed:
    """The chain's error without the offline composer's refusal of the generation prompt
    (it declines every one): status and code as if only the network providers were asked."""
    failures = [f for f in exc.failures if f.provider != COMPOSER_PROVIDER]
    if len(failures) == len(exc.failures):
        return exc
    attempts = exc.details.get("attempts", []) if isinstance(exc.details, dict) else []
    skipped = [
        ProviderStatus(str(a["provider"]), False, reason=a.get("message"))
        for a in attempts
        if a.get("kind") == "unavailable" and a.get("provider") != COMPOSER_PROVIDER
    ]
    return AllProvidersFailed(failures, skipped)


def _no_answer(failed: ApiError) -> str:
    """The note of a document composed because no LLM answered."""
    if isinstance(failed, AllProvidersFailed) and failed.failures:
        reasons = "; ".join(f"{f.provider}: {f.kind}: {f.message}" for f in failed.failures)
        return f"No LLM provider answered ({reasons}); composed offline."
    return f"LLM failed: {failed.message}; composed offline."


def _rejected(exc: LLMDraftRejected) -> str:
    return "The LLM's draft was rejected (" + "; ".join(exc.reasons) + "); composed offline."


async def _composed_events(generated: Generated) -> AsyncIterator[GenerationEvent]:
    for index, section in enumerate(generated.document.sections):
        yield SectionStarted(index, section.heading, section.source_ids)
        for piece in text_pieces(section.markdown, words_per_piece=4):
            yield TextPiece(piece, index)
    yield Finished(generated)
