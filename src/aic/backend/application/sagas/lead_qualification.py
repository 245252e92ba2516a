"""LeadQualificationSaga (captured → enrich → score → record → route → assign → notify)
and LeadRescoringSaga (a buying signal → score → record → route, while the lead is open)."""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from aic.backend.application.execution import derived_id
from aic.backend.application.ports import StoredEvent
from aic.backend.application.queries import AccountReadModel
from aic.backend.application.repository import AggregateRepository
from aic.backend.application.sagas.engine import SagaContext, SagaDefinition, Step
from aic.backend.application.scoring import LeadFacts, LeadScorer
from aic.backend.application.tracking import TrackingStore
from aic.backend.domain import lead_commands as lc
from aic.backend.domain.errors import InvalidValue
from aic.backend.domain.leads import Lead
from aic.backend.domain.notifications import SendNotification
from aic.observability.logging import get_logger

__all__ = [
    "ASSIGNEE_REFUSALS",
    "SEED_ACTOR",
    "LeadSagaDependencies",
    "lead_qualification_saga",
    "lead_rescoring_saga",
]

SEED_ACTOR = "system:seed"  # the demo data's actor: its leads already carry their outcomes
# Why AssignLead refuses an account (domain.leads.require_assignable)
ASSIGNEE_REFUSALS = frozenset({"assignee_unknown", "assignee_inactive", "assignee_not_sales"})

_log = get_logger("aic.sagas.lead_qualification")


@dataclass(frozen=True)
class LeadSagaDependencies:
    repository: AggregateRepository
    tracking: TrackingStore
    scorer: LeadScorer
    accounts: AccountReadModel
    qualify_threshold: float = 70.0
    nurture_threshold: float = 40.0


def _lead_id(context: SagaContext) -> str:
    return str(context.data["lead_id"])


def lead_qualification_saga(deps: LeadSagaDependencies) -> SagaDefinition:
    async def enrich(context: SagaContext) -> Mapping[str, Any]:
        visitor = context.data.get("visitor_id")
        if visitor:  # the projection links it too; scoring must not wait for that
            await deps.tracking.link_visitor(
                str(visitor), _lead_id(context), str(context.data["occurred_at"])
            )
        await context.send(lc.EnrichLead(lead_id=_lead_id(context)))
        lead = (await deps.repository.load(Lead, _lead_id(context))).aggregate
        found = lead.enrichment
        return {
            "segment": found.segment if found else "unknown",
            "free_mail": found.free_mail if found else False,
            "disposable": found.disposable if found else False,
        }

    async def assign(context: SagaContext) -> Mapping[str, Any]:
        """A qualified lead goes to an active sales account, or waits unassigned for one."""
        if context.data.get("routing") != "qualified":
            return {"assignee": None}
        lead = (await deps.repository.load(Lead, _lead_id(context))).aggregate
        if lead.assignee is not None:  # assigned by hand meanwhile, or by this step before
            return {"assignee": lead.assignee}
        sales = await _active_sales(deps.accounts)
        if not sales:
            return {"assignee": None}
        # The same lead always lands with the same person, whichever replica decides; one
        # the read model still shows but who left a moment ago is passed over for the next.
        pick = int(hashlib.sha256(_lead_id(context).encode()).hexdigest(), 16) % len(sales)
        for candidate in sales[pick:] + sales[:pick]:
            try:
                await context.send(lc.AssignLead(lead_id=_lead_id(context), account_id=candidate))
            except InvalidValue as exc:
                if exc.code not in ASSIGNEE_REFUSALS:
                    raise
                _log.info("lead_assignee_passed_over", account_id=candidate, reason=exc.code)
                continue
            return {"assignee": candidate}
        return {"assignee": None}

    async def notify(context: SagaContext) -> Mapping[str, Any]:
        assignee, routing = context.data.get("assignee"), context.data.get("routing")
        if assignee is None and routing != "qualified":
            return {}
        name = context.data.get("name") or context.data.get("email")
        summary = f"Score {context.data.get('score')}: " + ", ".join(
            context.data.get("reasons", [])
        )
        if assignee:
            recipient, kind, title, body = (
                str(assignee), "lead_assigned", f"New qualified lead: {name}", summary,
            )  # fmt: skip
        else:  # nobody in sales can take it: it waits in the qualified queue for an admin
            recipient, kind = "role:admin", "lead_unassigned"
            title = f"Qualified lead waiting for an owner: {name}"
            body = f"No active sales account to assign it to. {summary}"
        await context.send(
            SendNotification(
                notification_id=str(derived_id(context.saga_id, "notify")),
                recipient=recipient,
                kind=kind,
                title=title,
                body=body,
                link=f"/leads/{_lead_id(context)}",
                subject_id=_lead_id(context),
            )
        )
        return {"notified": recipient}

    def starts(event: StoredEvent) -> tuple[str, dict[str, Any]] | None:
        if event.metadata.actor == SEED_ACTOR:  # demo leads come with their outcome
            return None
        data = dict(event.data)
        return f"lead-qualification-{data['lead_id']}", data

    return SagaDefinition(
        "lead_qualification",
        (
            Step("enrich", enrich),
            *_scoring_steps(deps),
            Step("assign", assign),
            Step("notify", notify),
        ),
        {"LeadCaptured": starts},
    )


async def _active_sales(accounts: AccountReadModel) -> list[str]:
    """Every active account with the sales role, in a stable order."""
    sales: list[str] = []
    offset = 0
    for _ in range(100):  # bounded: 50,000 accounts
        page = await accounts.list_accounts(limit=500, offset=offset)
        sales += [a.account_id for a in page.items if a.active and "sales" in a.roles]
        offset += len(page.items)
        if len(page.items) < 500:
            break
    return sorted(sales)


def lead_rescoring_saga(deps: LeadSagaDependencies) -> SagaDefinition:
    def starts(event: StoredEvent) -> tuple[str, dict[str, Any]] | None:
        if event.metadata.actor == SEED_ACTOR:
            return None
        lead_id = str(event.data["lead_id"])
        return f"lead-rescoring-{lead_id}-{event.event_id.hex[:12]}", {"lead_id": lead_id}

    return SagaDefinition(
        "lead_rescoring", tuple(_scoring_steps(deps)), {"LeadEngagementChanged": starts}
    )


def _scoring_steps(deps: LeadSagaDependencies) -> list[Step]:
    async def score(context: SagaContext) -> Mapping[str, Any]:
        lead = (await deps.repository.load(Lead, _lead_id(context))).aggregate
        if lead.outcome is not None or lead.disqualified_finally:
            return {"score": None, "skipped": "lead closed"}
        found = lead.enrichment
        data = context.data
        facts = LeadFacts(
            lead_id=lead.id,
            email=lead.email,
            company_size=lead.company_size,
            job_title=data.get("job_title"),
            source_portal=lead.source_portal,
            has_phone=bool(data.get("phone")),
            message_length=len(data.get("message") or ""),
            consent=bool(data.get("consent")),
            free_mail=found.free_mail if found else False,
            disposable=found.disposable if found else False,
            segment=found.segment if found else "unknown",
            engagement=await deps.tracking.engagement(lead.id),
        )
        result = await deps.scorer.score(facts)
        return {
            "score": result.score,
            "model": result.model,
            "model_version": result.model_version,
            "reasons": list(result.reasons),
        }

    async def record(context: SagaContext) -> Mapping[str, Any]:
        if context.data.get("score") is None:
            return {}
        await context.send(
            lc.ScoreLead(
                lead_id=_lead_id(context),
                score=float(context.data["score"]),
                model=str(context.data["model"]),
                model_version=str(context.data["model_version"]),
                reasons=list(context.data.get("reasons", [])),
            )
        )
        return {}

    async def route(context: SagaContext) -> Mapping[str, Any]:
        lead = (await deps.repository.load(Lead, _lead_id(context))).aggregate
        if context.data.get("score") is None or lead.assignee is not None:
            return {"routing": lead.routing}
        await context.send(
            lc.RouteLead(
                lead_id=lead.id,
                qualify_threshold=deps.qualify_threshold,
                nurture_threshold=deps.nurture_threshold,
            )
        )
        lead = (await deps.repository.load(Lead, lead.id)).aggregate
        return {"routing": lead.routing}

    return [Step("score", score, timeout=20.0), Step("record_score", record), Step("route", route)]
