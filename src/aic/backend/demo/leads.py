"""Each demo lead's life: visits, the form, enrichment, scores, routing, sales and the outcome."""

from __future__ import annotations

import hashlib
import random
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from aic.backend.adapters.rules import RuleBasedLeadScorer
from aic.backend.application.execution import request_hash
from aic.backend.application.scoring import LeadFacts, LeadScore
from aic.backend.application.tracking import EngagementFeatures, TrackedEvent, significant_signal
from aic.backend.demo.clock import iso
from aic.backend.demo.product import annual_deal_value, plan_for
from aic.backend.demo.prospects import Prospect
from aic.backend.demo.steps import Dispatch, LinkVisitor, MarkSignal, Step, Track, demo_id
from aic.backend.demo.visits import Visitor
from aic.backend.domain import enrichment
from aic.backend.domain import lead_commands as lc
from aic.backend.domain.messages import Command
from aic.backend.domain.notifications import MarkNotificationRead, SendNotification

__all__ = ["NURTURE_THRESHOLD", "QUALIFY_THRESHOLD", "LeadPlan", "LeadStory", "Visit"]

QUALIFY_THRESHOLD, NURTURE_THRESHOLD = 70.0, 40.0
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_SCORER = RuleBasedLeadScorer()
_LOST = (
    "Chose another vendor after the evaluation",
    "No budget until the next financial year",
    "Decided to extend their internal tool instead",
    "Project postponed after a reorganisation",
    "No response after the demo and three follow-ups",
)
_DISQUALIFIED = {
    "disposable": "Disposable e-mail address",
    "student": "Student research project, not a buyer",
    "competitor": "Works for a competitor",
}


@dataclass(frozen=True, slots=True)
class Visit:
    """A session before the form: when, and what the visitor did."""

    start: datetime  # ignored for the last visit, which ends with the form
    pages: int
    pricing: int = 0
    search: str | None = None
    download: bool = False


@dataclass(frozen=True, slots=True)
class LeadPlan:
    lead_id: str
    persona: str
    status: str  # the lead_state status the seed leaves the lead in
    steps: tuple[Step, ...]
    tracked_events: int
    notifications: int
    deal_value: float | None


def _band(score: float) -> str:
    if score >= QUALIFY_THRESHOLD:
        return "qualified"
    return "nurturing" if score >= NURTURE_THRESHOLD else "disqualified"


def _features(lead_id: str, events: Sequence[TrackedEvent], at: datetime) -> EngagementFeatures:
    """What the tracking store would have answered at ``at``.

    The rule scorer measures recency against the wall clock, so ``last_seen_at`` is moved
    forward by the time since ``at``: the lead is scored as it looked then.
    """
    seen = [e for e in events if e.occurred_at <= iso(at)]
    if not seen:
        return EngagementFeatures(lead_id=lead_id)
    signals = [significant_signal(e) for e in seen]
    last = datetime.fromisoformat(max(e.occurred_at for e in seen).replace("Z", "+00:00"))
    return EngagementFeatures(
        lead_id=lead_id,
        page_views=sum(e.kind == "page_view" for e in seen),
        pricing_page_views=signals.count("pricing_page_view"),
        demo_requests=signals.count("demo_request"),
        downloads=sum(e.kind == "download" for e in seen),
        form_submits=sum(e.kind == "form_submit" for e in seen),
        searches=sum(e.kind == "search" for e in seen),
        email_opens=sum(e.kind == "email_open" for e in seen),
        email_clicks=sum(e.kind == "email_click" for e in seen),
        sessions=len({e.session_id for e in seen if e.session_id}),
        first_seen_at=min(e.occurred_at for e in seen),
        last_seen_at=iso(last + (datetime.now(UTC) - at)),
    )


@dataclass
class LeadStory:
    """Plans one lead step by step; every step happens after the previous one."""

    index: int
    seed: int
    prospect: Prospect
    visitor: Visitor
    rng: random.Random
    anchor: datetime  # the demo's horizon: nothing of this lead happens after it
    sales: Sequence[str]  # account ids of the sales team
    # The newest leads come in as public form submissions, so the live sagas take them on.
    arriving: bool = False
    steps: list[Step] = field(default_factory=list)
    at: datetime = _EPOCH
    status: str = "captured"
    score: LeadScore | None = None
    assignee: str | None = None
    notifications: int = 0
    deal_value: float | None = None

    @property
    def lead_id(self) -> str:
        return demo_id("lead", str(self.seed), str(self.index))

    def plan(self) -> LeadPlan:
        return LeadPlan(
            lead_id=self.lead_id,
            persona=self.prospect.persona,
            status=self.status,
            steps=tuple(self.steps),
            tracked_events=len(self.visitor.events),
            notifications=self.notifications,
            deal_value=self.deal_value,
        )

    def _step(self, step: Step) -> None:
        if step.at < self.at:
            raise ValueError(f"lead {self.index}: a step goes back in time")
        self.at = step.at
        self.steps.append(step)

    def dispatch(
        self, name: str, after: timedelta, command: Command, actor: str | None = None
    ) -> None:
        key = f"seed:lead:{self.seed}:{self.index}:{name}"
        self._step(Dispatch(self.at + after, key, command, actor=actor))

    def track(self, events: list[TrackedEvent]) -> None:
        end = datetime.fromisoformat(events[-1].occurred_at.replace("Z", "+00:00"))
        self._step(Track(max(self.at, end + timedelta(seconds=2)), tuple(events)))

    def before(self, moment: datetime) -> bool:
        return moment < self.anchor - timedelta(minutes=5)

    # -- the lifecycle ----------------------------------------------------------------------

    def capture(self, form: str, visits: Sequence[Visit], capture_at: datetime) -> None:
        """The visits before the form, oldest first; the last one ends with ``form``."""
        p = self.prospect
        for number, visit in enumerate(visits):
            last = number == len(visits) - 1
            events = self.visitor.session(
                capture_at - timedelta(minutes=8) if last else visit.start,
                p.portal,
                pages=visit.pages,
                pricing=visit.pricing,
                search=visit.search,
                download=visit.download,
                form=form if last else None,
                campaign=p.campaign if number == 0 else None,
            )
            self.track(events)
        command = lc.CaptureLead(
            lead_id=self.lead_id,
            email=p.email,
            name=p.name,
            company=p.company,
            job_title=p.job_title,
            company_size=p.company_size,
            phone=p.phone,
            message=p.message,
            source_portal=p.portal,
            utm_source=p.campaign.source,
            utm_medium=p.campaign.medium,
            utm_campaign=p.campaign.name,
            visitor_id=self.visitor.visitor_id,
            consent=p.consent,
        )
        actor = "public" if self.arriving else None
        self.dispatch("capture", timedelta(seconds=1), command, actor)
        link = LinkVisitor(self.at + timedelta(seconds=1), self.visitor.visitor_id, self.lead_id)
        self._step(link)

    def enrich(self) -> None:
        self.dispatch("enrich", timedelta(seconds=4), lc.EnrichLead(lead_id=self.lead_id))
        self.status = "enriched"

    async def rescore(self, name: str, *, route: bool) -> None:
        p = self.prospect
        found = enrichment.enrich(p.email, p.company_size)
        at = self.at + timedelta(seconds=20)
        facts = LeadFacts(
            lead_id=self.lead_id,
            email=p.email,
            company_size=p.company_size,
            job_title=p.job_title,
            source_portal=p.portal,
            has_phone=p.phone is not None,
            message_length=len(p.message),
            consent=p.consent,
            free_mail=found.free_mail,
            disposable=found.disposable,
            segment=found.segment,
            engagement=_features(self.lead_id, self.visitor.events, at),
        )
        self.score = await _SCORER.score(facts)
        command = lc.ScoreLead(
            lead_id=self.lead_id,
            score=self.score.score,
            model=self.score.model,
            model_version=self.score.model_version,
            reasons=list(self.score.reasons),
        )
        self.dispatch(name, timedelta(seconds=20), command)
        if self.status in ("captured", "enriched"):
            self.status = "scored"
        routing = _band(self.score.score)
        if route and self.assignee is None and routing != self.status:
            command_route = lc.RouteLead(
                lead_id=self.lead_id,
                qualify_threshold=QUALIFY_THRESHOLD,
                nurture_threshold=NURTURE_THRESHOLD,
            )
            self.dispatch(f"route-{name}", timedelta(seconds=1), command_route)
            self.status = routing

    def engage(self, name: str, events: list[TrackedEvent]) -> bool:
        """Track a later visit; its buying signals become lead facts, as the loop would do."""
        self.track(events)
        signals = [(e, significant_signal(e)) for e in events]
        for event, signal in signals:
            if signal is None:
                continue
            command = lc.RecordLeadEngagement(
                lead_id=self.lead_id, signal=signal, tracking_event_id=event.event_id
            )
            self._step(
                Dispatch(
                    self.at + timedelta(seconds=10),
                    f"tracking:{event.event_id}",
                    command,
                    request_hash(command.__dict__),
                )
            )
            self._step(MarkSignal(self.at, event.event_id, "handled"))
        return any(signal for _, signal in signals)

    def assign(self) -> None:
        # As the qualification saga picks: the same lead always lands with the same person.
        digest = int(hashlib.sha256(self.lead_id.encode()).hexdigest(), 16)
        self.assignee = self.sales[digest % len(self.sales)]
        command = lc.AssignLead(lead_id=self.lead_id, account_id=self.assignee)
        self.dispatch("assign", timedelta(seconds=30), command)
        self.status = "assigned"
        self.notify(self.assignee, "lead_assigned")

    def notify(self, recipient: str, kind: str) -> None:
        if self.score is None:
            raise ValueError(f"lead {self.index}: a lead is scored before sales hear of it")
        notification_id = demo_id("notification", self.lead_id, kind)
        command = SendNotification(
            notification_id=notification_id,
            recipient=recipient,
            kind=kind,
            title=f"New qualified lead: {self.prospect.name}",
            body=f"Score {self.score.score:g}: " + ", ".join(self.score.reasons),
            link=f"/leads/{self.lead_id}",
            subject_id=self.lead_id,
        )
        self.dispatch(f"notify-{kind}", timedelta(seconds=1), command)
        self.notifications += 1
        read_at = self.at + timedelta(minutes=self.rng.randint(4, 240))
        if recipient != "role:sales" and read_at < self.anchor - timedelta(days=1):
            read = MarkNotificationRead(notification_id=notification_id, reader=recipient)
            self.dispatch(f"read-{kind}", read_at - self.at, read)

    def disqualify(self, after: timedelta) -> None:
        reason = _DISQUALIFIED[self.prospect.kind]
        self.dispatch("disqualify", after, lc.DisqualifyLead(lead_id=self.lead_id, reason=reason))
        self.status = "disqualified"

    def close(self, after: timedelta, *, won: bool, reason: str | None = None) -> None:
        if won:
            p = self.prospect
            plan = plan_for(p.company_size or p.firm_size)
            size = p.firm_size or self.rng.randint(3, 12)
            share = {"Starter": (0.3, 0.8), "Growth": (0.25, 0.6)}.get(plan.name, (0.05, 0.2))
            self.deal_value = annual_deal_value(plan, round(size * self.rng.uniform(*share)))
            command: lc.LeadCommand = lc.ConvertLead(
                lead_id=self.lead_id, deal_value=self.deal_value
            )
            self.status = "converted"
        else:
            reason = reason or self.rng.choice(_LOST)
            command = lc.LoseLead(lead_id=self.lead_id, reason=reason)
            self.status = "lost"
        self.dispatch("close", after, command)
