"""``POST /v1/answers``: a question answered from the indexed content, with citations."""

from __future__ import annotations

from collections.abc import AsyncIterator

from fastapi import APIRouter
from fastapi.responses import JSONResponse, Response

from aic.ai.composer.answers import Answer
from aic.ai.composer.provider import text_pieces
from aic.ai.entrypoints.content import ContentDep
from aic.ai.entrypoints.sse import SSE_RESPONSES, sse_event, sse_response
from aic.contracts.generation import AnswerRequest, AnswerResponse, CitationOut

__all__ = ["answer_response", "router"]

router = APIRouter(tags=["content"])


def answer_response(answer: Answer) -> AnswerResponse:
    return AnswerResponse(
        question=answer.question,
        answer=answer.text,
        grounded=answer.grounded,
        citations=[
            CitationOut(
                content_id=c.content_id,
                slug=c.slug,
                title=c.title,
                heading=c.heading,
                snippet=c.snippet,
                score=c.score,
            )
            for c in answer.citations
        ],
        provider=answer.provider,
        model=answer.model,
    )


@router.post(
    "/answers",
    summary='Answer a question from the indexed content, or say "I don\'t know"',
    response_model=AnswerResponse,
    responses=SSE_RESPONSES,
)
async def answer_question(body: AnswerRequest, service: ContentDep) -> Response:
    answer = await service.answer(body.question, body.portal, body.segment)
    payload = answer_response(answer).model_dump(mode="json")
    if not body.stream:
        return JSONResponse(payload)

    async def events() -> AsyncIterator[bytes]:
        for piece in text_pieces(answer.text):
            yield sse_event("token", {"text": piece})
        yield sse_event("done", payload)

    return sse_response(events())
