"""ai liveness and detailed health."""

from __future__ import annotations

from fastapi import APIRouter, Request

from aic import __version__
from aic.ai.bootstrap import AIContainer
from aic.contracts.health import AIDetailedHealth, Liveness

__all__ = ["router"]

router = APIRouter(tags=["health"])


@router.head("/health", include_in_schema=False)
@router.get("/health", summary="Liveness: the process answers (HEAD too)")
async def health() -> Liveness:
    return Liveness(service="ai", version=__version__)


@router.get("/health/detailed", summary="Models loaded, providers available, index sizes")
async def detailed(request: Request) -> AIDetailedHealth:
    container: AIContainer = request.app.state.container
    return await container.detailed_health()
