"""Every ``/v1/*`` router, behind the service key: add a feature's router to ``ROUTERS``."""

from __future__ import annotations

from fastapi import APIRouter

from aic.ai.entrypoints import (
    admin_keys,
    answers,
    chat,
    content,
    embeddings,
    model_registry,
    vectors,
)
from aic.ai.entrypoints.auth import require_service_key

__all__ = ["router"]

router = APIRouter(prefix="/v1", dependencies=[require_service_key])

ROUTERS: list[APIRouter] = [
    model_registry.router,  # before chat's ``GET /models/{model:path}``, which would match it
    chat.router,
    embeddings.router,
    admin_keys.router,
    content.router,
    answers.router,
    vectors.router,
]

for feature in ROUTERS:
    router.include_router(feature)
