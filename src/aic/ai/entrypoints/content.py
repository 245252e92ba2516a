"""``/v1/content/index`` (passages for retrieval) and ``/v1/content/generate``."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import aclosing
from typing import Annotated

from fastapi import APIRouter, Depends, Path, Request
from fastapi.responses import JSONResponse, Response

from aic.ai.composer.briefs import BrandVoice, Brief
from aic.ai.composer.corpus import ContentCorpus
from aic.ai.composer.passages import ContentDocument
from aic.ai.composer.service import (
    ContentService,
    Finished,
    Generated,
    GenerationEvent,
    Reset,
    SectionStarted,
    TextPiece,
)
from aic.ai.entrypoints.sse import SSE_RESPONSES, sse_event, sse_response
from aic.ai.vectors import VectorIndexError
from aic.asgi.errors import ApiError
from aic.contracts.content_index import (
    CONTENT_ID_PATTERN,
    ContentIndexStatus,
    IndexContentRequest,
    IndexContentResponse,
    IndexedDocumentOut,
    RemovedFromIndex,
)
from aic.contracts.generation import (
    GenerateContentRequest,
    GeneratedContentResponse,
    GeneratedSectionOut,
    SourceOut,
    UsageOut,
)

__all__ = ["content_service", "generated_response", "router"]

router = APIRouter(prefix="/content", tags=["content"])


async def content_service(request: Request) -> ContentService:
    service: ContentService = request.app.state.container.content
    return service


ContentDep = Annotated[ContentService, Depends(content_service)]


def _corpus_error(exc: VectorIndexError) -> ApiError:
    if exc.code == "collection_conflict":
        return ApiError(
            409,
            "content_index_conflict",
            "The content collection was built with another embedding model: clear it "
            "(`DELETE /v1/content/index` or `aic reindex --recreate`) and index again.",
            exc.details,
        )
    return ApiError(422, exc.code, exc.message, exc.details)


@router.post("/index", summary="Index content items as passages (replacing their old ones)")
async def index_content(body: IndexContentRequest, service: ContentDep) -> IndexContentResponse:
    documents = [
        ContentDocument(
            content_id=d.content_id,
            slug=d.slug,
            title=d.title,
            content_type=d.content_type,
            portals=tuple(d.portals),
            segment=d.segment,
            body_markdown=d.body_markdown,
            tags=tuple(d.tags),
            summary=d.summary,
            published=d.published,
        )
        for d in body.documents
    ]
    ids = [d.content_id for d in documents]
    if len(set(ids)) != len(ids):
        raise ApiError(422, "duplicate_content_id", "Each content id may appear once per request.")
    corpus: ContentCorpus = service.corpus
    try:
        indexed = await corpus.index(documents)
    except VectorIndexError as exc:
        raise _corpus_error(exc) from exc
    return IndexContentResponse(
        indexed=[IndexedDocumentOut(content_id=i.content_id, passages=i.passages) for i in indexed],
        passages=sum(i.passages for i in indexed),
        collection_passages=await corpus.passage_count(),
    )


@router.get("/index", summary="The content collection: how many passages, which model")
async def index_status(service: ContentDep) -> ContentIndexStatus:
    corpus = service.corpus
    return ContentIndexStatus(
        collection=corpus.collection,
        passages=await corpus.passage_count(),
        embedding_model=corpus.embedder.model_name,
    )


@router.delete("/index", summary="Drop every indexed passage (before a full re-index)")
async def clear_index(service: ContentDep) -> ContentIndexStatus:
    await service.corpus.clear()
    return await index_status(service)


@router.delete("/index/{content_id}", summary="Remove a content item's passages")
async def remove_content(
    content_id: Annotated[str, Path(pattern=CONTENT_ID_PATTERN)], service: ContentDep
) -> RemovedFromIndex:
    removed = await service.corpus.remove(content_id)
    return RemovedFromIndex(content_id=content_id, passages_removed=removed)


def generated_response(generated: Generated) -> GeneratedContentResponse:
    document, usage = generated.document, generated.usage
    return GeneratedContentResponse(
        content_type=document.content_type,
        title=document.title,
        body_markdown=document.body_markdown,
        sections=[
            GeneratedSectionOut(
                heading=s.heading, markdown=s.markdown, source_ids=list(s.source_ids)
            )
            for s in document.sections
        ],
        seo_title=document.seo_title,
        meta_description=document.meta_description,
        sources=[
            SourceOut(id=s.content_id, title=s.title, slug=s.slug, score=s.score)
            for s in document.sources
        ],
        word_count=document.word_count,
        provider=document.provider,
        model=document.model,
        usage=UsageOut(
            prompt_tokens=usage.prompt_tokens,
            completion_tokens=usage.completion_tokens,
            total_tokens=usage.total_tokens,
        ),
        notes=list(document.notes),
    )


def _brief(body: GenerateContentRequest) -> Brief:
    voice = body.brand_voice
    return Brief(
        content_type=body.content_type,
        topic=body.topic,
        audience=body.audience,
        tone=body.tone,
        length=body.length,
        keywords=tuple(body.keywords),
        brand_voice=BrandVoice(
            tone_words=tuple(voice.tone_words),
            banned_words=tuple(voice.banned_words),
            example_texts=tuple(voice.example_texts),
        ),
        language=body.language,
    )


@router.post(
    "/generate",
    summary="Generate content grounded in the indexed content (`stream: true` for SSE)",
    response_model=GeneratedContentResponse,
    responses=SSE_RESPONSES,
)
async def generate_content(body: GenerateContentRequest, service: ContentDep) -> Response:
    plan = await service.plan(_brief(body), body.portal, body.provider)
    if not body.stream:
        generated = await service.generate(plan)
        return JSONResponse(generated_response(generated).model_dump(mode="json"))

    stream = service.events(plan)
    try:  # until the first event, a failure (a named provider's) is still a JSON error
        first = await anext(stream)
    except BaseException:
        await stream.aclose()
        raise

    async def all_events() -> AsyncIterator[GenerationEvent]:
        yield first
        async with aclosing(stream):
            async for event in stream:
                yield event

    async def events() -> AsyncIterator[bytes]:
        async for event in all_events():
            if isinstance(event, SectionStarted):
                data = {
                    "index": event.index,
                    "heading": event.heading,
                    "source_ids": list(event.source_ids),
                }
                yield sse_event("section", data)
            elif isinstance(event, TextPiece):
                yield sse_event("token", {"section": event.section, "text": event.text})
            elif isinstance(event, Reset):
                yield sse_event("reset", {"reason": event.reason})
            elif isinstance(event, Finished):
                yield sse_event("done", generated_response(event.generated).model_dump(mode="json"))

    return sse_response(events())
