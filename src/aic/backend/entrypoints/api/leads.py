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
from aic.backend.entrypoints.api.examples import (
    LEAD_DETAIL,
    LEAD_ID,
    LEAD_SUMMARY,
    Responses,
    documented,
    fails,
    not_found,
    ok,
    page,
    version_conflict,
)
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
LeadId = Annotated[
    str,
    Path(
        pattern=r"^[A-Za-z0-9][A-Za-z0-9._:@-]{0,127}$",
        description="The lead's id, as `POST /api/leads` answered it.",
        examples=[LEAD_ID],
    ),
]
Sales = Annotated[Principal, Depends(authorize("leads:write"))]
_KEY_REUSED = fails(
    422,
    "idempotency_key_reused",
    "This Idempotency-Key was already used with a different request; use a new key.",
    {"idempotency_key": "form-2f9c"},
)
_NO_LEAD = not_found("lead_not_found", f"no lead {LEAD_ID}")


@router.post(
    "",
    status_code=status.HTTP_202_ACCEPTED,
    summary="Capture a lead (public form)",
    responses=documented(_KEY_REUSED),
)
async def capture_lead(
    body: CaptureLeadRequest,
    request: Request,
    container: ContainerDep,
    principal: Annotated[Principal, Depends(authorize("leads:capture"))],
    idempotency_key: IdempotencyKey = None,
) -> AcceptedCommand:
    """Store a form submission as `LeadCaptured`; the answer's `id` is the new lead.

    The LeadQualificationSaga then enriches, scores, routes and assigns it, and the lead list
    shows it moments later. Send an `Idempotency-Key` (a portal sends one per form view) so a
    retried submission returns the same lead instead of a second one.
    """
    scope = f"{principal.actor}:{idempotency_key}"
    lead_id = str(derived_id("lead", scope) if idempotency_key else uuid.uuid4())
    command = lc.CaptureLead(lead_id=lead_id, **body.model_dump())
    return await send(container, request, command, principal, idempotency_key, body.model_dump())


@router.get(
    "",
    summary="The lead list: filters, sorting, paging",
    responses=documented(ok(page([LEAD_SUMMARY], total=37))),
)
async def list_leads(
    container: ContainerDep,
    _: Annotated[Principal, Depends(authorize("leads:read"))],
    lead_status: Annotated[
        str | None,
        Query(
            alias="status",
            max_length=40,
            description="new, qualified, nurturing, disqualified, assigned, converted or lost",
        ),
    ] = None,
    segment: Annotated[
        str | None, Query(max_length=40, description="smb, enterprise or unknown")
    ] = None,
    source_portal: Annotated[
        str | None,
        Query(max_length=40, description="The portal of the form: main, smb, enterprise, nexus"),
    ] = None,
    assigned_to: Annotated[
        str | None, Query(max_length=128, description="Only the leads of this account id")
    ] = None,
    min_score: Annotated[
        float | None, Query(ge=0, le=100, description="Only leads scored at least this")
    ] = None,
    search: Annotated[
        str | None, Query(max_length=100, description="Part of the name, e-mail or company")
    ] = None,
    sort: Annotated[
        Literal["captured_at", "-captured_at", "score", "-score", "updated_at", "-updated_at"],
        Query(description="A field, ascending; with `-`, descending"),
    ] = "-captured_at",
    limit: Annotated[int, Query(ge=1, le=200, description="Leads per page")] = 50,
    offset: Annotated[
        int, Query(ge=0, le=1_000_000, description="Leads to skip (the page's start)")
    ] = 0,
) -> Page[LeadSummary]:
    """Leads from the lead read model, which follows the event store within moments of a
    command; `total` counts every lead the filters match."""
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


@router.get(
    "/{lead_id}",
    summary="One lead with its history",
    responses=documented(ok(LEAD_DETAIL), not_found("lead_not_found", f"No lead {LEAD_ID}.")),
)
async def get_lead(
    lead_id: LeadId,
    container: ContainerDep,
    _: Annotated[Principal, Depends(authorize("leads:read"))],
) -> LeadDetail:
    """The lead's fields, every event of its stream (`history`), and what its visitors did on
    the portals (`engagement`, from tracking)."""
    detail: LeadDetail | None = await container.queries.ask(GetLead(lead_id))
    if detail is None:
        raise ApiError(404, "lead_not_found", f"No lead {lead_id}.")
    return dataclasses.replace(detail, engagement=await container.tracking.engagement(lead_id))


_ACCEPTED: dict[str, Any] = {"status_code": status.HTTP_202_ACCEPTED}


def _lead_command_route(
    path: str,
    name: str,
    summary: str,
    description: str,
    command: type[lc.LeadCommand],
    body_model: type[BaseModel],
    *errors: Responses,
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
        f"/{{lead_id}}/{path}",
        endpoint,
        methods=["POST"],
        summary=summary,
        description=description,
        responses=documented(_NO_LEAD, version_conflict(), *errors, _KEY_REUSED),
        **_ACCEPTED,
    )


def _closed(lead_id: str = LEAD_ID) -> Responses:
    return fails(409, "lead_closed", f"lead {lead_id} is converted")


def _disqualified(lead_id: str = LEAD_ID) -> Responses:
    return fails(409, "lead_disqualified", f"lead {lead_id} is disqualified: competitor")


_COMMANDS = (
    ("score", "score_lead", "Record a score",
     "Record a score from a model (ai sends these through its saga; staff may rescore). "
     "A closed or finally disqualified lead is not scored again.",
     lc.ScoreLead, ScoreRequest, _closed(), _disqualified()),
    ("route", "route_lead", "Qualify, nurture or disqualify by score",
     "Compare the latest score with the thresholds: at or above `qualify_threshold` the lead "
     "is qualified, below `nurture_threshold` disqualified (not finally: a new score routes it "
     "again), nurtured in between. Once a salesperson owns the lead, routing stops.",
     lc.RouteLead, RouteRequest,
     fails(409, "lead_assigned", f"lead {LEAD_ID} is owned by sales-2; routing stopped"),
     fails(409, "lead_not_scored", f"lead {LEAD_ID} has no score to route by")),
    ("disqualify", "disqualify_lead", "Disqualify for good",
     "A final disqualification (spam, competitor, student): the lead is no longer scored, "
     "routed, assigned or converted.",
     lc.DisqualifyLead, ReasonRequest, _closed(), _disqualified()),
    ("assign", "assign_lead", "Assign to a sales account",
     "Give the lead an owner: an active account with the `sales` or `admin` role. Assigning it "
     "to its current owner changes nothing.",
     lc.AssignLead, AssignRequest, _closed(), _disqualified(),
     fails(422, "assignee_unknown", "No account sales-9 to assign the lead to.",
           {"account_id": "sales-9"}),
     fails(422, "assignee_inactive",
           "Account sales-1 is deactivated: assign the lead to an active account.",
           {"account_id": "sales-1"}),
     fails(422, "assignee_not_sales",
           "Account editor-1 has neither the sales nor the admin role, so it cannot own a lead.",
           {"account_id": "editor-1", "roles": ["editor"]})),
    ("convert", "convert_lead", "Mark as converted (won)",
     "Close the lead as won, with the deal's value; it needs an owner first.",
     lc.ConvertLead, ConvertRequest, _closed(), _disqualified(),
     fails(409, "lead_not_assigned", f"lead {LEAD_ID} must be assigned before it converts")),
    ("lose", "lose_lead", "Mark as lost", "Close the lead as lost, with the reason.",
     lc.LoseLead, ReasonRequest, _closed(), _disqualified()),
    ("engagement", "record_engagement", "Record a buying signal",
     "Record a significant signal (a pricing page view, a demo request ...): the "
     "LeadRescoringSaga scores the lead again.",
     lc.RecordLeadEngagement, EngagementRequest, _closed(), _disqualified(),
     fails(422, "invalid_signal",
           "signal must be one of case_study_download, contact_request, demo_request, "
           "pricing_page_view, repeat_visit, trial_signup, webinar_registration",
           {"signal": "coffee_break"})),
)  # fmt: skip
for _path, _name, _summary, _description, _command, _body, *_errors in _COMMANDS:
    _lead_command_route(_path, _name, _summary, _description, _command, _body, *_errors)
