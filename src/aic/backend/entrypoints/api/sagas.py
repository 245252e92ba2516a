"""Saga state: steps, attempts, failure and compensation, for operators and tests."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Path

from aic.asgi import ApiError
from aic.backend.adapters.readmodels.sagas import SagaView
from aic.backend.entrypoints.api.auth import Principal, authorize
from aic.backend.entrypoints.api.deps import ContainerDep

__all__ = ["router"]

router = APIRouter(prefix="/api/sagas", tags=["sagas"])


@router.get("/{saga_id}", summary="One saga: status, data, every step's outcome")
async def get_saga(
    saga_id: Annotated[str, Path(pattern=r"^[A-Za-z0-9][A-Za-z0-9._:@-]{0,200}$")],
    container: ContainerDep,
    _: Annotated[Principal, Depends(authorize("sagas:read"))],
) -> SagaView:
    view = await container.saga_views.get(saga_id)
    if view is None:
        raise ApiError(404, "saga_not_found", f"No saga {saga_id}.")
    return view
