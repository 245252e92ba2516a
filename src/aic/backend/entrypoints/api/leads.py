"""Lead routes: public capture, the lead list and detail, and lifecycle commands."""

# No `from __future__ import annotations`: `_lead_command_route` builds signatures from
# local types, which FastAPI must see as objects.

import dataclasses
import uuid
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, Path, Query, Request, status
from pydantic import BaseModel

from aic.asgi import ApiError
from aic.backend.application.execution import derived_id
from aic.backend.application.queries import GetLead, LeadDetail, LeadSummary, ListLeads, Page
from aic.backend.domain import lead_commands as lc
from aic.backend.entrypoints.api.auth import Principal, authorize
from aic.backend.entrypoints.api.commands import IdempotencyKey, send
from aic.backend.entrypoints.api.deps import ContainerDep
from aic.backend.entrypoints.api.lead_schemas import (
    AcceptedCommand,
    AssignRequest,
    CaptureLeadRequest,
    ConvertRequest,
    EngagementRequest,
    ReasonRequest,
    RouteRequest,
    ScoreRequest,
)

__all__ = ["router"]

router = APIRouter(prefix="/api/leads", tags=["leads"])
LeadId = Annotated[str, Path(pattern=r"^[A-Za-z0-9][A-Za-z0-9._:@-]{0,127}$")]
Sales = Annotated[Principal, Depends(authorize("leads:write"))]


@router.post("", status_code=status.HTTP_202_ACCEPTED, summary="Capture a lead (public form)")
async def capture_lead(
    body: CaptureLeadRequest,
    request: Request,
    container: ContainerDep,
    principal: Annotated[Principal, Depends(authorize("leads:capture"))],
    idempotency_key: IdempotencyKey = None,
) -> AcceptedCommand:
    scope = f"{principal.actor}:{idempotency_key}"
    lead_id = str(derived_id("lead", scope) if idempotency_key else uuid.uuid4())
    command = lc.CaptureLead(lead_id=lead_id, **body.model_dump())
    return await send(container, request, command, principal, idempotency_key, body.model_dump())


@router.get("", summary="The lead list: filters, sorting, paging")
async def list_leads(
    container: ContainerDep,
    _: Annotated[Principal, Depends(authorize("leads:read"))],
    lead_status: Annotated[str | None, Query(alias="status", max_length=40)] = None,
    segment: Annotated[str | None, Query(max_length=40)] = None,
    source_portal: Annotated[str | None, Query(max_length=40)] = None,
    assigned_to: Annotated[str | None, Query(max_length=128)] = None,
    min_score: Annotated[float | None, Query(ge=0, le=100)] = None,
    search: Annotated[str | None, Query(max_length=100)] = None,
    sort: Literal[
        "captured_at", "-captured_at", "score", "-score", "updated_at", "-updated_at"
    ] = "-captured_at",
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
    offset: Annotated[int, Query(ge=0, le=1_000_000)] = 0,
) -> Page[LeadSummary]:
    query = ListLeads(
        status=lead_status,
        segment=segment,
        source_portal=source_portal,
        assigned_to=assigned_to,
        min_score=min_score,
        search=search,
        sort=sort,
        limit=limit,
        offset=offset,
    )
    page: Page[LeadSummary] = await container.queries.ask(query)
    return page


@router.get("/{lead_id}", summary="One lead with its history")
async def get_lead(
    lead_id: LeadId,
    container: ContainerDep,
    _: Annotated[Principal, Depends(authorize("leads:read"))],
) -> LeadDetail:
    detail: LeadDetail | None = await container.queries.ask(GetLead(lead_id))
    if detail is None:
        raise ApiError(404, "lead_not_found", f"No lead {lead_id}.")
    return dataclasses.replace(detail, engagement=await container.tracking.engagement(lead_id))


_ACCEPTED: dict[str, Any] = {"status_code": status.HTTP_202_ACCEPTED}


def _lead_command_route(
    path: str, name: str, summary: str, command: type[lc.LeadCommand], body_model: type[BaseModel]
) -> None:
    """``POST /api/leads/{lead_id}/<path>``: the body's fields are the command's."""
    model: Any = body_model

    async def endpoint(
        lead_id: LeadId, body: model, request: Request, container: ContainerDep,
        principal: Sales, idempotency_key: IdempotencyKey = None,
    ) -> AcceptedCommand:  # fmt: skip
        data = body.model_dump()
        built = command(lead_id=lead_id, **data)
        return await send(container, request, built, principal, idempotency_key, data)

    endpoint.__name__ = name
    router.add_api_route(
        f"/{{lead_id}}/{path}", endpoint, methods=["POST"], summary=summary, **_ACCEPTED
    )


for _path, _name, _summary, _command, _body in (
    ("score", "score_lead", "Record a score", lc.ScoreLead, ScoreRequest),
    ("route", "route_lead", "Qualify, nurture or disqualify by score", lc.RouteLead, RouteRequest),
    ("disqualify", "disqualify_lead", "Disqualify for good", lc.DisqualifyLead, ReasonRequest),
    ("assign", "assign_lead", "Assign to a sales account", lc.AssignLead, AssignRequest),
    ("convert", "convert_lead", "Mark as converted (won)", lc.ConvertLead, ConvertRequest),
    ("lose", "lose_lead", "Mark as lost", lc.LoseLead, ReasonRequest),
    ("engagement", "record_engagement", "Record a buying signal", lc.RecordLeadEngagement,
     EngagementRequest),
):  # fmt: skip
    _lead_command_route(_path, _name, _summary, _command, _body)
