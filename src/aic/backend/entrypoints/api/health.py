"""Liveness (the process answers) and readiness (it can do its job), separately."""

from __future__ import annotations

from fastapi import APIRouter, Response

from aic import __version__
from aic.backend.entrypoints.api.deps import ContainerDep
from aic.contracts.health import Liveness, ProjectionHealth, Readiness
from aic.observability.logging import get_logger

__all__ = ["router"]

router = APIRouter(prefix="/api/health", tags=["health"])
log = get_logger("aic.health")


@router.head("/live", include_in_schema=False)
@router.get("/live", summary="Liveness: the process answers (HEAD too)")
async def live() -> Liveness:
    """Always 200 while the process serves requests; it checks no dependency, so Kubernetes
    restarts the backend only when the process itself is stuck."""
    return Liveness(service="backend", version=__version__)


@router.get(
    "",
    summary="Readiness: one entry per dependency",
    description="200 `ok`; 200 `degraded` when an optional dependency (ai, cache) is down; "
    "503 `unavailable` when a required one (event store, event bus) is down. `projections` "
    "says how far each read model has got (informative: it never makes the backend unready).",
    responses={503: {"model": Readiness, "description": "A required dependency is down"}},
)
async def ready(container: ContainerDep, response: Response) -> Readiness:
    report = await container.readiness.run()
    if report.status == "unavailable":
        response.status_code = 503
        return report
    try:
        head = await container.store.head_position()
        report.projections = [
            ProjectionHealth(
                name=p.name,
                position=p.position,
                behind=max(0, head - p.position),
                last_event_recorded_at=p.last_recorded_at,
            )
            for p in await container.projections.status()
        ]
    except Exception as exc:  # informative only: readiness stands on the checks above
        log.warning("projection_status_failed", error=repr(exc))
    return report
