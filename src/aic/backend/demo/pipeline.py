"""Sixty days of demand: when each lead arrives, who it is, how far it gets; anonymous traffic."""

from __future__ import annotations

import random
from collections.abc import Sequence
from datetime import datetime, timedelta

from aic.backend.application.tracking import significant_signal
from aic.backend.demo.leads import LeadPlan, LeadStory, Visit
from aic.backend.demo.prospects import PERSONAS, Prospect, make_prospect
from aic.backend.demo.steps import MarkSignal, Step, Track
from aic.backend.demo.visits import SEARCHES, Site, Visitor

__all__ = ["DAYS", "IN_FLIGHT", "LEADS", "plan_leads", "plan_traffic"]

LEADS, DAYS = 150, 60
# The newest leads are still moving through the pipeline: (where the seed stops, minutes ago).
IN_FLIGHT = (
    ("qualified", 110), ("captured", 95), ("scored", 70), ("qualified", 45), ("enriched", 25),
    ("captured", 12),
)  # fmt: skip
_DAY, _HOUR = timedelta(days=1), timedelta(hours=1)


def _daytime(day: datetime, rng: random.Random, start: float = 8.0, end: float = 18.5) -> datetime:
    """A moment between ``start`` and ``end`` o'clock (UTC) on ``day``'s date."""
    midnight = day.replace(hour=0, minute=0, second=0, microsecond=0)
    return midnight + timedelta(hours=rng.uniform(start, end))


def _later(moment: datetime, rng: random.Random, low: int, high: int) -> datetime:
    """Working hours on a day ``low``..``high`` (at least 1) days after ``moment``."""
    return _daytime(moment + rng.randint(max(1, low), high) * _DAY, rng)


def _earlier(rng: random.Random, capture: datetime, count: int, within: int) -> list[datetime]:
    days = sorted((rng.randint(1, within) for _ in range(count)), reverse=True)
    return [_daytime(capture - d * _DAY, rng, 7.0, 22.0) for d in days]


def _visits(rng: random.Random, p: Prospect, capture: datetime) -> tuple[str, list[Visit]]:
    """The form the prospect submits and the visits that led to it, oldest first."""
    if p.kind == "enterprise_buyer":
        visits = [
            Visit(
                start,
                pages=rng.randint(2, 5),
                pricing=rng.choice((0, 1, 1)),
                search=rng.choice(SEARCHES["enterprise"]) if rng.random() < 0.4 else None,
                download=rng.random() < 0.5,
            )
            for start in _earlier(rng, capture, rng.randint(1, 3), 21)
        ]
        form = rng.choice(("demo", "demo", "contact_sales"))
        return form, [*visits, Visit(capture, 2, pricing=1)]
    if p.kind == "smb_buyer":
        visits = [
            Visit(
                start,
                pages=rng.randint(2, 5),
                pricing=rng.choice((0, 1)),
                search=rng.choice(SEARCHES["smb"]) if rng.random() < 0.4 else None,
                download=rng.random() < 0.2,
            )
            for start in _earlier(rng, capture, rng.randint(0, 2), 10)
        ]
        return "trial", [*visits, Visit(capture, 2, pricing=int(rng.random() < 0.7))]
    if p.kind in ("researcher", "student"):
        visits = [
            Visit(
                start,
                pages=rng.randint(2, 6),
                search=rng.choice(SEARCHES["research"]) if rng.random() < 0.7 else None,
                download=rng.random() < 0.4,
            )
            for start in _earlier(rng, capture, rng.randint(0, 2), 30)
        ]
        if p.kind == "student":
            return "trial", [*visits, Visit(capture, 1)]
        form = rng.choice(("newsletter", "whitepaper"))
        return form, [*visits, Visit(capture, 1, download=form == "whitepaper")]
    if p.kind == "competitor":
        (start,) = _earlier(rng, capture, 1, 5)
        return "demo", [Visit(start, 3, pricing=2), Visit(capture, 1, pricing=1)]
    if p.kind == "disposable":
        return "trial", [Visit(capture, rng.randint(1, 2))]
    visits = [
        Visit(start, rng.randint(1, 3)) for start in _earlier(rng, capture, rng.randint(0, 1), 14)
    ]
    return "newsletter", [*visits, Visit(capture, rng.randint(1, 2))]


async def _sell(story: LeadStory, rng: random.Random) -> None:
    """An assigned lead: maybe a return visit to pricing, then won or lost when the cycle ends."""
    enterprise = (story.prospect.firm_size or 0) >= 250
    end = _later(story.at, rng, 14, 45) if enterprise else _later(story.at, rng, 3, 21)
    revisit = _later(story.at, rng, 1, 6)
    if rng.random() < 0.5 and revisit + _DAY < end and story.before(revisit + _HOUR):
        p = story.prospect
        events = story.visitor.session(revisit, p.portal, pages=rng.randint(1, 3), pricing=1)
        if story.engage("return", events):
            await story.rescore("rescore-return", route=False)
    if story.before(end):
        story.close(end - story.at, won=rng.random() < 0.55)


async def _nurture(story: LeadStory, rng: random.Random, captured: datetime) -> None:
    """Nurture e-mails for four weeks; some leads come back ready to talk, some go quiet."""
    chance = {"researcher": 0.4, "smb_buyer": 0.5, "enterprise_buyer": 0.5, "casual": 0.15}
    comeback = _later(captured, rng, 4, 30) if rng.random() < chance[story.prospect.kind] else None
    for week in range(1, 5):  # the last is opened well before a lead counts as gone quiet
        sent = _daytime(captured + week * 7 * _DAY, rng, 8.0, 11.0)
        if (comeback and sent + _DAY >= comeback) or not story.before(sent + _DAY):
            break
        if rng.random() < 0.6:
            story.track(story.visitor.email(sent, f"nurture-{week}", click=rng.random() < 0.35))
    if comeback is not None and story.before(comeback + _HOUR):
        portal = rng.choice((story.prospect.portal, "main"))
        form = "demo" if rng.random() < 0.6 else None
        events = story.visitor.session(
            comeback, portal, pages=rng.randint(1, 4), pricing=rng.randint(1, 2), form=form
        )
        story.engage("comeback", events)
        await story.rescore("rescore-comeback", route=True)
        if story.status == "qualified":
            story.assign()
            await _sell(story, rng)
        return
    quiet = _later(captured, rng, 35, 40)
    if story.before(quiet) and rng.random() < 0.35:
        story.close(quiet - story.at, won=False, reason="No reply to the nurture sequence")


async def _live(story: LeadStory, rng: random.Random, captured: datetime, stop: str) -> None:
    form, visits = _visits(rng, story.prospect, captured)
    story.capture(form, visits, captured)
    if stop == "captured":
        return
    story.enrich()
    if stop == "enriched":
        return
    await story.rescore("score", route=stop != "scored")
    if stop == "qualified" and story.status == "qualified":
        story.notify("role:sales", "lead_qualified")
    if stop:
        return
    if story.prospect.persona == "junk":
        later = story.at + rng.uniform(2, 20) * _HOUR
        if story.before(later):
            story.disqualify(later - story.at)
    elif story.status == "qualified":
        story.assign()
        await _sell(story, rng)
    elif story.status == "nurturing":
        await _nurture(story, rng, captured)


async def plan_leads(
    rng: random.Random, site: Site, sales: Sequence[str], anchor: datetime, seed: int
) -> list[LeadPlan]:
    """``LEADS`` leads over the last ``DAYS`` days, numbered in the order they arrived.

    Settled leads live in working hours up to the start of ``anchor``'s day and the newest
    few (``IN_FLIGHT``) in the last two hours: every choice comes from ``rng`` and every
    decision is relative to a day boundary, so the same seed plans the same steps whenever
    it runs, only shifted in time.
    """
    horizon = anchor.replace(hour=0, minute=0, second=0, microsecond=0)
    used: set[str] = set()
    days = sorted(int(DAYS * rng.random() ** 1.2) + 1 for _ in range(LEADS - len(IN_FLIGHT)))
    arrivals = [
        (_daytime(horizon - d * _DAY, rng, 7.5, 19.0), "", "", horizon) for d in reversed(days)
    ]
    arrivals.sort(key=lambda arrival: arrival[0])
    arrivals += [
        (
            anchor - timedelta(minutes=m),
            "enterprise_buyer" if stop == "qualified" else "",
            stop,
            anchor,
        )
        for stop, m in IN_FLIGHT
    ]
    plans: list[LeadPlan] = []
    for index, (captured, chosen, stop, until) in enumerate(arrivals, start=1):
        persona = chosen or rng.choices(list(PERSONAS), list(PERSONAS.values()))[0]
        prospect = make_prospect(rng, persona, used)
        visitor = Visitor.new(rng, site, "lead", str(seed), str(index))
        story = LeadStory(index, seed, prospect, visitor, rng, until, sales, arriving=bool(stop))
        await _live(story, rng, captured, stop)
        plans.append(story.plan())
    return plans


def plan_traffic(
    rng: random.Random, site: Site, anchor: datetime, seed: int, visitors: int = 200
) -> list[Step]:
    """Visitors who never filled in a form: their buying signals are ignored at once."""
    steps: list[Step] = []
    portals, weights = ("main", "nexus", "smb", "enterprise"), (35, 35, 18, 12)
    for number in range(visitors):
        visitor = Visitor.new(rng, site, "anonymous", str(seed), str(number))
        days = sorted((rng.randrange(DAYS) for _ in range(rng.randint(1, 3))), reverse=True)
        for d in days:
            start = _daytime(anchor - d * _DAY, rng, 6.0, 22.0)
            if start > anchor - _HOUR:
                start -= _DAY
            portal = rng.choices(portals, weights)[0]
            interest = {"enterprise": "enterprise", "smb": "smb"}.get(portal, "research")
            events = visitor.session(
                start,
                portal,
                pages=rng.randint(1, 5),
                pricing=int(rng.random() < 0.2),
                search=rng.choice(SEARCHES[interest]) if rng.random() < 0.3 else None,
                download=rng.random() < 0.08,
            )
            end = datetime.fromisoformat(events[-1].occurred_at.replace("Z", "+00:00"))
            steps.append(Track(end + timedelta(seconds=2), tuple(events)))
            steps += [
                MarkSignal(end + timedelta(minutes=15), e.event_id, "ignored")
                for e in events
                if significant_signal(e)
            ]
    return steps
