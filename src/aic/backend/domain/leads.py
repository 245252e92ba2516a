"""The Lead aggregate: a prospect from the form it submitted to a won or lost deal."""

from __future__ import annotations

from typing import Self

from aic.backend.domain import enrichment, values
from aic.backend.domain.accounts import Account
from aic.backend.domain.errors import InvalidValue, InvariantViolated, NotFound
from aic.backend.domain.lead_commands import (
    ENGAGEMENT_SIGNALS,
    AssignLead,
    CaptureLead,
    ConvertLead,
    DisqualifyLead,
    EnrichLead,
    LeadCommand,
    LoseLead,
    RecordLeadEngagement,
    RouteLead,
    ScoreLead,
)
from aic.backend.domain.lead_events import (
    LeadAssigned,
    LeadCaptured,
    LeadConverted,
    LeadDisqualified,
    LeadEngagementChanged,
    LeadEnriched,
    LeadLost,
    LeadMovedToNurturing,
    LeadQualified,
    LeadScored,
)
from aic.backend.domain.lead_state import STATUSES, LeadState
from aic.backend.domain.messages import DomainEvent

__all__ = [
    "ASSIGNABLE_ROLES",
    "SCORE_BELOW_THRESHOLD",
    "STATUSES",
    "Lead",
    "handle",
    "require_assignable",
]

SCORE_BELOW_THRESHOLD = "score_below_threshold"  # the reason routing gives when it disqualifies
ASSIGNABLE_ROLES = ("sales", "admin")  # who may own a lead
MAX_REASONS = 10


class Lead(LeadState):
    """A lead; each domain method is named after its command and takes it plus ``now``.

    Rules:

    - converted and lost are terminal: every later command raises ``lead_closed``;
    - an explicit disqualification (``DisqualifyLead``) is final: scoring, routing and
      engagement then raise ``lead_disqualified``; a disqualification by routing (score below
      the nurture threshold) is not: a new score may route the lead again;
    - a disqualified lead (either kind) cannot be assigned, converted or lost;
    - rescoring is allowed while the lead is open; routing needs a score, is a no-op when
      the outcome does not change, and stops once a salesperson owns the lead
      (``lead_assigned``): automation never takes a lead away from sales;
    - converting requires an assignee (``lead_not_assigned``): every deal has an owner;
    - the assignee is an active account with the sales or admin role (``require_assignable``,
      checked by the application, which loads that account);
    - enrichment and assignment to the current assignee record nothing when nothing changes.
    """

    @classmethod
    def capture(cls, command: CaptureLead, now: str) -> Self:
        lead = cls(values.identifier(command.lead_id, "lead_id"))
        event = LeadCaptured(
            lead_id=lead.id,
            email=values.email(command.email),
            name=values.text(command.name, "name", max_length=200),
            company=values.optional_text(command.company, "company", max_length=200),
            job_title=values.optional_text(command.job_title, "job_title", max_length=200),
            company_size=_company_size(command.company_size),
            phone=values.phone(command.phone),
            message=values.text(command.message, "message", max_length=5000, required=False),
            source_portal=values.choice(command.source_portal, "source_portal", values.PORTALS),
            utm_source=values.optional_text(command.utm_source, "utm_source", max_length=200),
            utm_medium=values.optional_text(command.utm_medium, "utm_medium", max_length=200),
            utm_campaign=values.optional_text(command.utm_campaign, "utm_campaign", max_length=200),
            visitor_id=values.optional_identifier(command.visitor_id, "visitor_id"),
            consent=values.flag(command.consent, "consent"),
            occurred_at=values.timestamp(now),
        )
        lead._record(event)
        return lead

    def enrich(self, command: EnrichLead, now: str) -> None:
        at = values.timestamp(now)
        self._require_open()
        result = enrichment.enrich(self.email, self.company_size)
        if result == self.enrichment:
            return
        self._record(
            LeadEnriched(
                lead_id=self.id,
                company_domain=result.company_domain,
                free_mail=result.free_mail,
                disposable=result.disposable,
                segment=result.segment,
                occurred_at=at,
            )
        )

    def score(self, command: ScoreLead, now: str) -> None:
        at = values.timestamp(now)
        score = values.number(command.score, "score", minimum=0, maximum=100)
        model = values.text(command.model, "model", max_length=100)
        model_version = values.text(command.model_version, "model_version", max_length=100)
        reasons = values.texts(command.reasons, "reasons", max_items=MAX_REASONS, max_length=200)
        self._require_open()
        self._require_not_disqualified(finally_only=True)
        self._record(
            LeadScored(
                lead_id=self.id,
                score=score,
                model=model,
                model_version=model_version,
                reasons=reasons,
                previous_score=self.current_score,
                occurred_at=at,
            )
        )

    def route(self, command: RouteLead, now: str) -> None:
        at = values.timestamp(now)
        qualify = values.number(
            command.qualify_threshold, "qualify_threshold", minimum=0, maximum=100
        )
        nurture = values.number(
            command.nurture_threshold, "nurture_threshold", minimum=0, maximum=qualify
        )
        self._require_open()
        self._require_not_disqualified(finally_only=True)
        if self.assignee is not None:
            raise InvariantViolated(
                "lead_assigned", f"lead {self.id} is owned by {self.assignee}; routing stopped"
            )
        score = self.current_score
        if score is None:
            raise InvariantViolated("lead_not_scored", f"lead {self.id} has no score to route by")
        event: DomainEvent
        if score >= qualify:
            routing = "qualified"
            event = LeadQualified(
                lead_id=self.id, score=score, qualify_threshold=qualify, occurred_at=at
            )
        elif score >= nurture:
            routing = "nurturing"
            event = LeadMovedToNurturing(
                lead_id=self.id,
                score=score,
                qualify_threshold=qualify,
                nurture_threshold=nurture,
                occurred_at=at,
            )
        else:
            routing = "disqualified"
            event = LeadDisqualified(
                lead_id=self.id,
                reason=SCORE_BELOW_THRESHOLD,
                final=False,
                score=score,
                occurred_at=at,
            )
        if routing != self.routing:
            self._record(event)

    def disqualify(self, command: DisqualifyLead, now: str) -> None:
        at = values.timestamp(now)
        reason = values.text(command.reason, "reason", max_length=500)
        self._require_open()
        self._require_not_disqualified(finally_only=True)
        self._record(
            LeadDisqualified(
                lead_id=self.id, reason=reason, final=True, score=self.current_score, occurred_at=at
            )
        )

    def assign(self, command: AssignLead, now: str) -> None:
        at = values.timestamp(now)
        account_id = values.identifier(command.account_id, "account_id")
        self._require_open()
        self._require_not_disqualified()
        if account_id != self.assignee:
            self._record(
                LeadAssigned(
                    lead_id=self.id,
                    account_id=account_id,
                    previous_account_id=self.assignee,
                    occurred_at=at,
                )
            )

    def convert(self, command: ConvertLead, now: str) -> None:
        at = values.timestamp(now)
        deal_value = command.deal_value
        if deal_value is not None:
            deal_value = values.number(deal_value, "deal_value", minimum=0)
        self._require_open()
        self._require_not_disqualified()
        if self.assignee is None:
            raise InvariantViolated(
                "lead_not_assigned", f"lead {self.id} must be assigned before it converts"
            )
        self._record(
            LeadConverted(
                lead_id=self.id, account_id=self.assignee, deal_value=deal_value, occurred_at=at
            )
        )

    def lose(self, command: LoseLead, now: str) -> None:
        at = values.timestamp(now)
        reason = values.text(command.reason, "reason", max_length=500)
        self._require_open()
        self._require_not_disqualified()
        self._record(LeadLost(lead_id=self.id, reason=reason, occurred_at=at))

    def record_engagement(self, command: RecordLeadEngagement, now: str) -> None:
        at = values.timestamp(now)
        signal = values.choice(command.signal, "signal", ENGAGEMENT_SIGNALS)
        detail = values.optional_text(command.detail, "detail", max_length=500)
        tracking_event_id = values.optional_identifier(
            command.tracking_event_id, "tracking_event_id"
        )
        self._require_open()
        self._require_not_disqualified(finally_only=True)
        self._record(
            LeadEngagementChanged(
                lead_id=self.id,
                signal=signal,
                detail=detail,
                tracking_event_id=tracking_event_id,
                occurred_at=at,
            )
        )

    def _require_open(self) -> None:
        if not self.exists:
            raise NotFound("lead_not_found", f"no lead {self.id}")
        if self.outcome is not None:
            raise InvariantViolated("lead_closed", f"lead {self.id} is {self.outcome}")

    def _require_not_disqualified(self, *, finally_only: bool = False) -> None:
        if self.routing == "disqualified" and (self.disqualified_finally or not finally_only):
            raise InvariantViolated(
                "lead_disqualified",
                f"lead {self.id} is disqualified: {self.disqualification_reason}",
            )


def handle(lead: Lead | None, command: LeadCommand, now: str) -> Lead:
    """Run ``command`` on ``lead`` and return the lead holding the new pending events.

    ``lead`` is ``None`` (or an empty, never captured lead) when the stream is empty; only
    ``CaptureLead`` may then run. The caller appends ``take_pending()`` at ``loaded_version``.
    """
    if lead is not None and lead.id != command.lead_id:
        raise ValueError(f"command for lead {command.lead_id} sent to lead {lead.id}")
    if isinstance(command, CaptureLead):
        if lead is not None and lead.exists:
            raise InvariantViolated("lead_already_exists", f"lead {lead.id} was already captured")
        return Lead.capture(command, now)
    if lead is None:
        raise NotFound("lead_not_found", f"no lead {command.lead_id}")
    match command:
        case EnrichLead():
            lead.enrich(command, now)
        case ScoreLead():
            lead.score(command, now)
        case RouteLead():
            lead.route(command, now)
        case DisqualifyLead():
            lead.disqualify(command, now)
        case AssignLead():
            lead.assign(command, now)
        case ConvertLead():
            lead.convert(command, now)
        case LoseLead():
            lead.lose(command, now)
        case RecordLeadEngagement():
            lead.record_engagement(command, now)
        case _:
            raise TypeError(f"no lead handler for {type(command).__name__}")
    return lead


def require_assignable(account: Account) -> None:
    """Refuse an owner that is not an active account holding a role in ASSIGNABLE_ROLES."""
    if not account.exists:
        raise InvalidValue(
            "assignee_unknown", f"No account {account.id} to assign the lead to.",
            {"account_id": account.id},
        )  # fmt: skip
    if not account.active:
        raise InvalidValue(
            "assignee_inactive",
            f"Account {account.id} is deactivated: assign the lead to an active account.",
            {"account_id": account.id},
        )
    if not account.roles & set(ASSIGNABLE_ROLES):
        raise InvalidValue(
            "assignee_not_sales",
            f"Account {account.id} has neither the sales nor the admin role, so it cannot own "
            "a lead.",
            {"account_id": account.id, "roles": sorted(account.roles)},
        )


def _company_size(value: object) -> int | None:
    if value is None:
        return None
    return values.whole_number(value, "company_size", minimum=1, maximum=10_000_000)
