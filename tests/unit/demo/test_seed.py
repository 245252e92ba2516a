"""Seeding the demo through the real command handlers, with in-memory stores."""

from __future__ import annotations

import asyncio
import random
from collections import Counter, defaultdict
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import pytest

from aic.backend.application.bus import CommandBus, retry_on_conflict
from aic.backend.application.handlers import register_aggregate_handlers
from aic.backend.application.ports import StoredEvent
from aic.backend.application.repository import AggregateRepository
from aic.backend.application.serialization import EventCodec
from aic.backend.demo import product
from aic.backend.demo.articles import load_articles
from aic.backend.demo.clock import seed_aware_clock
from aic.backend.demo.editorial import AI_PROVIDER, plan_articles
from aic.backend.demo.pipeline import IN_FLIGHT, LEADS, plan_leads
from aic.backend.demo.seed import SeedReport, seed_demo
from aic.backend.demo.steps import Dispatch, Track
from aic.backend.demo.visits import Site
from aic.backend.domain import content_state, lead_state
from aic.backend.domain.content import Content
from aic.backend.domain.leads import Lead
from tests.support.memory_event_store import MemoryEventStore
from tests.unit.demo.memory_tracking import MemoryTrackingStore

NOW = datetime(2026, 11, 26, 15, 42, tzinfo=UTC)


@dataclass
class Seeded:
    store: MemoryEventStore
    tracking: MemoryTrackingStore
    first: SeedReport
    second: SeedReport
    head_after_first: int
    tracked_after_first: int
    progress: list[tuple[str, int, int]]
    streams: dict[str, list[StoredEvent]]
    contents: list[Content]
    leads: list[Lead]


def _bus(store: MemoryEventStore, *, historic: bool = True) -> CommandBus:
    bus = CommandBus([retry_on_conflict()])
    clock = seed_aware_clock() if historic else None
    repository = AggregateRepository(store, EventCodec())
    if clock is None:
        register_aggregate_handlers(bus, repository)
    else:
        register_aggregate_handlers(bus, repository, clock=clock)
    return bus


@pytest.fixture(scope="module")
def seeded() -> Seeded:
    async def scenario() -> Seeded:
        store, tracking = MemoryEventStore(), MemoryTrackingStore()
        bus = _bus(store)
        calls: list[tuple[str, int, int]] = []
        first = await seed_demo(bus, tracking, progress=lambda *call: calls.append(call))
        head, tracked = await store.head_position(), len(tracking.events)
        second = await seed_demo(bus, tracking)
        streams: dict[str, list[StoredEvent]] = defaultdict(list)
        for event in await store.read_all(0, 1_000_000):
            streams[event.stream_id].append(event)
        repository = AggregateRepository(store, EventCodec())
        contents = [
            (await repository.load(Content, s.removeprefix("content-"))).aggregate
            for s in streams
            if s.startswith("content-")
        ]
        leads = [
            (await repository.load(Lead, s.removeprefix("lead-"))).aggregate
            for s in streams
            if s.startswith("lead-")
        ]
        return Seeded(
            store, tracking, first, second, head, tracked, calls, streams, contents, leads
        )

    return asyncio.run(scenario())


def _events(seeded: Seeded, event_type: str) -> list[StoredEvent]:
    return [e for events in seeded.streams.values() for e in events if e.type == event_type]


def test_the_seed_writes_every_step_once_and_the_domain_refuses_none(seeded: Seeded) -> None:
    report = seeded.first
    assert report.refused == []
    assert report.unchanged == []
    assert report.commands == report.commands_applied > 1000
    assert report.events_written == seeded.head_after_first
    assert report.tracking_events_stored == report.tracking_events == seeded.tracked_after_first


def test_running_the_seed_again_writes_nothing(seeded: Seeded) -> None:
    report = seeded.second
    assert report.wrote_nothing
    assert report.commands_repeated == report.commands
    assert report.refused == []
    assert len(seeded.tracking.events) == seeded.tracked_after_first
    assert len(_events(seeded, "AccountRegistered")) == 8  # and the store head is unchanged:
    assert sum(len(events) for events in seeded.streams.values()) == seeded.head_after_first


def test_articles_cover_the_four_portals_in_every_status(seeded: Seeded) -> None:
    assert len(seeded.contents) >= 60
    assert {c.status for c in seeded.contents} == set(content_state.STATUSES)
    assert Counter(c.status for c in seeded.contents) == Counter(seeded.first.articles)
    live = [c for c in seeded.contents if c.live_revision is not None]
    assert {p for c in live for p in c.latest.fields.portals} == {
        "main",
        "smb",
        "enterprise",
        "nexus",
    }
    by_slug = {a.slug: a for a in load_articles()}
    for content in seeded.contents:
        article = by_slug[content.latest.fields.slug]
        assert content.latest.fields.body_markdown == article.body_markdown
        assert len(content.revisions) == article.revisions


def test_some_articles_were_drafted_by_the_local_composer(seeded: Seeded) -> None:
    drafted = [r for c in seeded.contents for r in c.revisions if r.source == "ai"]
    assert len(drafted) >= 3
    assert {r.ai_provider for r in drafted} == {AI_PROVIDER}
    assert len(_events(seeded, "ContentRejected")) >= 2


def test_the_staff_accounts_have_the_right_roles(seeded: Seeded) -> None:
    registered = _events(seeded, "AccountRegistered")
    roles = Counter(role for e in registered for role in e.data["roles"])
    assert roles == {"admin": 1, "editor": 2, "sales": 3, "analyst": 1, "viewer": 1}
    assert all(e.data["email"].endswith("@brindlewood.example") for e in registered)
    assert seeded.first.accounts == dict(roles)


def test_leads_reach_every_status_and_match_the_report(seeded: Seeded) -> None:
    assert len(seeded.leads) == LEADS
    statuses = Counter(lead.status for lead in seeded.leads)
    assert set(statuses) == set(lead_state.STATUSES)
    assert statuses == Counter(seeded.first.leads)
    assert statuses["converted"] >= 10
    assert statuses["lost"] >= 10
    assert statuses["nurturing"] >= 20
    assert 20 <= statuses["disqualified"] <= 60


def test_every_lead_is_linked_to_a_tracked_history_with_its_form(seeded: Seeded) -> None:
    async def check() -> None:
        for lead in seeded.leads:
            assert lead.visitor_id is not None
            assert lead.id in seeded.tracking.links[lead.visitor_id]
            engagement = await seeded.tracking.engagement(lead.id)
            assert engagement.form_submits >= 1
            assert engagement.page_views >= 1

    asyncio.run(check())


def test_no_buying_signal_is_left_pending_for_the_engagement_loop(seeded: Seeded) -> None:
    assert asyncio.run(seeded.tracking.pending_signals(10_000)) == []
    states = Counter(seeded.tracking.signal_state.values())
    assert states["handled"] == len(_events(seeded, "LeadEngagementChanged")) > 10


def test_scores_come_from_the_rules_model_and_routing_follows_them(seeded: Seeded) -> None:
    scored = _events(seeded, "LeadScored")
    assert {(e.data["model"], e.data["model_version"]) for e in scored} == {("rules", "1")}
    assert all(e.data["reasons"] for e in scored)
    qualified = _events(seeded, "LeadQualified")
    assert qualified
    assert all(e.data["score"] >= 70 for e in qualified)
    nurtured = _events(seeded, "LeadMovedToNurturing")
    assert nurtured
    assert all(40 <= e.data["score"] < 70 for e in nurtured)


def test_won_deals_are_priced_from_the_plans(seeded: Seeded) -> None:
    annual = {plan.annual_seat_price * 12 for plan in product.PLANS if plan.annual_seat_price}
    converted = _events(seeded, "LeadConverted")
    assert converted
    for event in converted:
        value = event.data["deal_value"]
        assert value > 0
        assert any(value % price == 0 for price in annual)
    total = sum(e.data["deal_value"] for e in converted)
    assert total == pytest.approx(seeded.first.converted_value)


def test_assigned_leads_notify_their_salesperson(seeded: Seeded) -> None:
    sent = _events(seeded, "NotificationSent")
    assert len(sent) == seeded.first.notifications == len(_events(seeded, "LeadAssigned")) + 2
    assert {e.data["kind"] for e in sent} == {"lead_assigned", "lead_qualified"}
    assert _events(seeded, "NotificationRead")


def test_with_the_seed_aware_clock_history_spreads_over_sixty_days(seeded: Seeded) -> None:
    now = datetime.now(UTC)
    captured = sorted(
        datetime.fromisoformat(e.data["occurred_at"]) for e in _events(seeded, "LeadCaptured")
    )
    assert captured[-1] <= now
    assert now - captured[0] > timedelta(days=50)
    published = [
        datetime.fromisoformat(e.data["occurred_at"]) for e in _events(seeded, "ContentPublished")
    ]
    assert max(published) <= now
    assert now - min(published) > timedelta(days=120)
    times = [e.occurred_at for e in seeded.tracking.events.values()]
    assert max(times) <= now.isoformat().replace("+00:00", "Z")


def test_progress_reports_three_stages_to_completion(seeded: Seeded) -> None:
    stages = [stage for stage, _, _ in seeded.progress]
    assert list(dict.fromkeys(stages)) == ["accounts", "articles", "leads"]
    last = {stage: (done, total) for stage, done, total in seeded.progress}
    assert all(done == total for done, total in last.values())


def test_the_seed_also_runs_on_the_plain_clock() -> None:
    async def scenario() -> SeedReport:
        return await seed_demo(_bus(MemoryEventStore(), historic=False), MemoryTrackingStore())

    report = asyncio.run(scenario())
    assert report.refused == []
    assert report.commands_applied == report.commands


@pytest.mark.parametrize("later", [timedelta(hours=5), timedelta(days=3, hours=-7)])
def test_the_same_seed_plans_the_same_steps_whenever_it_runs(later: timedelta) -> None:
    def identity(now: datetime) -> tuple[list[str], list[str], list[str]]:
        articles = load_articles()
        plans = asyncio.run(
            plan_leads(random.Random(7), Site.of(articles), ["s1", "s2", "s3"], now, seed=7)
        )
        steps = [step for plan in plans for step in plan.steps]
        keys = [s.key for s in steps if isinstance(s, Dispatch)]
        tracked = [e.event_id for s in steps if isinstance(s, Track) for e in s.events]
        editorial = [s.key for p in plan_articles(articles, ("e1", "e2"), now) for s in p.steps]
        return keys, tracked, editorial

    assert identity(NOW) == identity(NOW + later)


def test_only_the_newest_leads_arrive_as_public_submissions(seeded: Seeded) -> None:
    actors = Counter(e.metadata.actor for events in seeded.streams.values() for e in events)
    assert set(actors) == {"system:seed", "public"}
    public = [e for e in _events(seeded, "LeadCaptured") if e.metadata.actor == "public"]
    assert len(public) == len(IN_FLIGHT) == actors["public"]


def test_the_summary_says_what_the_demo_holds_and_what_a_run_wrote(seeded: Seeded) -> None:
    assert f"articles: {len(load_articles())} (" in seeded.first.summary()
    assert f"leads: {LEADS} (" in seeded.first.summary()
    assert "this run: 0 events and 0 tracking events written" in seeded.second.summary()
