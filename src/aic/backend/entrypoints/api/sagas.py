"""Saga state: steps, attempts, failure and compensation, for operators and tests."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Path

from aic.asgi import ApiError
from aic.backend.adapters.readmodels.sagas import SagaView
from aic.backend.entrypoints.api.auth import Principal, authorize
from aic.backend.entrypoints.api.deps import ContainerDep
from aic.backend.entrypoints.api.examples import LEAD_ID, SAGA_VIEW, documented, not_found, ok

__all__ = ["router"]

router = APIRouter(prefix="/api/sagas", tags=["sagas"])


@router.get(
    "/{saga_id}",
    summary="One saga: status, data, every step's outcome",
    responses=documented(
        ok(SAGA_VIEW),
        not_found("saga_not_found", f"No saga lead-qualification-{LEAD_ID}."),
    ),
)
async def get_saga(
    saga_id: Annotated[
        str,
        Path(
            pattern=r"^[A-Za-z0-9][A-Za-z0-9._:@-]{0,200}$",
            description="`lead-qualification-<lead id>`, or the `saga_id` a route answered",
            examples=[f"lead-qualification-{LEAD_ID}"],
        ),
    ],
    container: ContainerDep,
    _: Annotated[Principal, Depends(authorize("sagas:read"))],
) -> SagaView:
    """`status` is running, completed, compensating or compensated; `steps` lists every
    attempt (a failed one with its error and retry time), `data` what the steps found."""
    view = await container.saga_views.get(saga_id)
    if view is None:
        raise ApiError(404, "saga_not_found", f"No saga {saga_id}.")
    return view
