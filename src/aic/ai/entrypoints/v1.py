"""Every ``/v1/*`` router, behind the service key: add a feature's router to ``ROUTERS``."""

from __future__ import annotations

from fastapi import APIRouter

from aic.ai.entrypoints import admin_keys, answers, chat, content, embeddings
from aic.ai.entrypoints.auth import require_service_key

__all__ = ["router"]

router = APIRouter(prefix="/v1", dependencies=[require_service_key])

ROUTERS: list[APIRouter] = [
    chat.router,
    embeddings.router,
    admin_keys.router,
    content.router,
    answers.router,
]

for feature in ROUTERS:
    router.include_router(feature)
