"""OpenAI-compatible ``POST /v1/embeddings``: any OpenAI client embeds with its service key."""

from __future__ import annotations

import asyncio
import base64
from typing import Annotated, Any

import orjson
from fastapi import APIRouter, Depends, Request
from fastapi.responses import Response

from aic.ai.embeddings import Embedder
from aic.asgi.errors import ApiError
from aic.contracts.embeddings import EmbeddingList, EmbeddingRequest

__all__ = ["router"]

router = APIRouter(tags=["embeddings"])


async def _embedder(request: Request) -> Embedder:
    embedder: Embedder = request.app.state.container.embedder
    return embedder


EmbedderDep = Annotated[Embedder, Depends(_embedder)]


@router.post(
    "/embeddings",
    summary="Embed texts (OpenAI-compatible; all-MiniLM-L6-v2, 384 dimensions, normalised)",
    response_model=EmbeddingList,
)
async def create_embeddings(body: EmbeddingRequest, embedder: EmbedderDep) -> Response:
    _check_model(body, embedder)
    texts = body.texts
    vectors, tokens = await asyncio.gather(
        embedder.embed(texts), asyncio.to_thread(embedder.count_tokens, texts)
    )
    if body.encoding_format == "base64":  # the bytes OpenAI clients decode: float32, LE
        rows: Any = [base64.b64encode(row.astype("<f4").tobytes()).decode() for row in vectors]
    else:
        rows = vectors  # orjson writes numpy rows directly, far faster than a list of floats
    used = sum(tokens)
    document = {
        "object": "list",
        "data": [
            {"object": "embedding", "index": index, "embedding": row}
            for index, row in enumerate(rows)
        ],
        "model": embedder.model_name,
        "usage": {"prompt_tokens": used, "total_tokens": used},
    }
    return Response(
        orjson.dumps(document, option=orjson.OPT_SERIALIZE_NUMPY),
        media_type="application/json",
    )


def _check_model(body: EmbeddingRequest, embedder: Embedder) -> None:
    name = embedder.model_name
    if body.model.lower() not in {name.lower(), f"sentence-transformers/{name}".lower()}:
        raise ApiError(
            404,
            "model_not_found",
            f"No embedding model {body.model!r} here: use {name!r}.",
            details={"models": [name]},
        )
    if body.dimensions is not None and body.dimensions != embedder.dimensions:
        raise ApiError(
            422,
            "validation_error",
            f"{name} gives {embedder.dimensions} dimensions; `dimensions` may only be "
            f"{embedder.dimensions} or left out.",
            details=[
                {
                    "field": "body.dimensions",
                    "message": f"must be {embedder.dimensions}",
                    "type": "value_error",
                }
            ],
        )
