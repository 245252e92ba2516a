"""``seed_demo``: the Brindlewood demo company, loaded through the command bus, idempotently."""

from __future__ import annotations

import random
import time
from collections import Counter
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from aic.backend.application.bus import CommandBus, CommandContext
from aic.backend.application.execution import request_hash
from aic.backend.application.ports import EventMetadata
from aic.backend.application.tracking import TrackingStore
from aic.backend.demo.articles import load_articles
from aic.backend.demo.clock import happening_at, iso
from aic.backend.demo.editorial import plan_articles
from aic.backend.demo.people import STAFF, StaffMember
from aic.backend.demo.pipeline import plan_leads, plan_traffic
from aic.backend.demo.steps import Dispatch, LinkVisitor, MarkSignal, Step, Track, demo_id
from aic.backend.demo.visits import Site
from aic.backend.domain.accounts import RegisterAccount
from aic.backend.domain.errors import DomainError

__all__ = ["ACTOR", "DATASET", "Progress", "SeedReport", "account_id", "seed_demo"]

ACTOR = "system:seed"
# Part of every request hash: a later dataset that changes a step is refused, not mixed in.
DATASET = "brindlewood-1"

Progress = Callable[[str, int, int], None]


@dataclass
class SeedReport:
    """What the demo contains, and what this run had to write of it."""

    articles: dict[str, int] = field(default_factory=dict)  # by the status they are left in
    accounts: dict[str, int] = field(default_factory=dict)  # by role
    leads: dict[str, int] = field(default_factory=dict)  # by status
    notifications: int = 0
    tracking_events: int = 0
    converted_value: float = 0.0  # first-year value of the won deals
    commands: int = 0  # sent in this run
    commands_applied: int = 0  # that wrote events
    commands_repeated: int = 0  # already done by an earlier run: nothing written
    events_written: int = 0
    tracking_events_stored: int = 0  # new in this run
    unchanged: list[str] = field(default_factory=list)  # accepted but wrote nothing
    refused: list[str] = field(default_factory=list)  # "key: code" of steps the domain refused
    seconds: float = 0.0

    @property
    def wrote_nothing(self) -> bool:
        return self.events_written == 0 and self.tracking_events_stored == 0

    def summary(self) -> str:
        """A few lines for a terminal: the demo's contents, then what this run wrote."""

        def counts(found: dict[str, int]) -> str:
            return ", ".join(f"{n} {name.replace('_', ' ')}" for name, n in found.items())

        lines = [
            f"articles: {sum(self.articles.values())} ({counts(self.articles)})",
            f"accounts: {sum(self.accounts.values())} ({counts(self.accounts)})",
            f"leads: {sum(self.leads.values())} ({counts(self.leads)}),"
            f" ${self.converted_value:,.0f} won",
            f"tracking: {self.tracking_events:,} visitor events;"
            f" notifications: {self.notifications}",
            f"this run: {self.events_written:,} events and {self.tracking_events_stored:,}"
            f" tracking events written, {self.commands_repeated:,} of {self.commands:,}"
            f" commands already done, in {self.seconds:.1f} s",
        ]
        if self.refused:
            lines.append(f"refused: {len(self.refused)}, first: {self.refused[0]}")
        return "\n".join(lines)


def account_id(member: StaffMember) -> str:
    return demo_id("account", member.key)


def _accounts(anchor: datetime) -> list[Step]:
    founded = anchor.replace(hour=9, minute=0) - timedelta(days=200)
    return [
        Dispatch(
            founded + timedelta(hours=n),
            f"seed:account:{member.key}",
            RegisterAccount(
                account_id=account_id(member),
                email=member.email,
                display_name=member.display_name,
                roles=list(member.roles),
            ),
        )
        for n, member in enumerate(STAFF)
    ]


class _Runner:
    def __init__(
        self, commands: CommandBus, tracking: TrackingStore, report: SeedReport, seed: int
    ) -> None:
        self.commands, self.tracking, self.report = commands, tracking, report
        self.correlation_id = f"seed:{DATASET}:{seed}"

    async def run(self, stage: str, steps: Sequence[Step], progress: Progress | None) -> None:
        for done, step in enumerate(steps, start=1):
            await self.step(step)
            if progress is not None:
                progress(stage, done, len(steps))

    async def step(self, step: Step) -> None:
        match step:
            case Dispatch():
                await self.dispatch(step)
            case Track():
                stored = await self.tracking.append(step.events, iso(step.at))
                self.report.tracking_events_stored += stored
            case LinkVisitor():
                await self.tracking.link_visitor(step.visitor_id, step.lead_id, iso(step.at))
            case MarkSignal():
                await self.tracking.mark_signal(step.event_id, step.state)

    async def dispatch(self, step: Dispatch) -> None:
        metadata = EventMetadata(
            correlation_id=self.correlation_id,
            actor=step.actor or ACTOR,
            idempotency_key=step.key,
            request_hash=step.request_hash or request_hash({"dataset": DATASET, "key": step.key}),
        )
        self.report.commands += 1
        try:
            with happening_at(step.at):
                result = await self.commands.dispatch(step.command, CommandContext(metadata))
        except DomainError as exc:
            # e.g. someone archived a demo article by hand before a re-run: report, go on
            self.report.refused.append(f"{step.key}: {exc.code}")
            return
        if result.duplicate:
            self.report.commands_repeated += 1
        elif result.event_ids:
            self.report.commands_applied += 1
            self.report.events_written += len(result.event_ids)
        else:
            self.report.unchanged.append(step.key)


def _chronological(*groups: Iterable[Step]) -> list[Step]:
    # A stable sort: steps of one lead at the same moment keep their planned order.
    return sorted((step for group in groups for step in group), key=lambda step: step.at)


async def seed_demo(
    commands: CommandBus,
    tracking: TrackingStore,
    *,
    progress: Progress | None = None,
    seed: int = 7,
    now: datetime | None = None,
) -> SeedReport:
    """Load the demo: staff accounts, the articles with their editorial history, ~150 leads
    with their visits and outcomes over the last 60 days, and anonymous traffic.

    Every command carries an idempotency key that is stable for its item and step, so a
    second run writes nothing; ``progress(stage, done, total)`` follows the three stages
    ``accounts``, ``articles`` and ``leads``. Times are offsets from ``now`` (default: the
    current minute); with ``seed_aware_clock`` wired into the handlers, events carry them.
    """
    begin = time.perf_counter()
    anchor = (now or datetime.now(UTC)).astimezone(UTC).replace(second=0, microsecond=0)
    report = SeedReport()
    runner = _Runner(commands, tracking, report, seed)
    articles = load_articles()
    editors = tuple(account_id(m) for m in STAFF if "editor" in m.roles)
    sales = sorted(account_id(m) for m in STAFF if "sales" in m.roles)  # as the saga orders them
    article_plans = plan_articles(articles, (editors[0], editors[1]), anchor)
    rng = random.Random(seed)  # noqa: S311 - demo data must be reproducible, not secret
    site = Site.of(articles)
    lead_plans = await plan_leads(rng, site, sales, anchor, seed)
    traffic = plan_traffic(rng, site, anchor, seed)

    report.accounts = dict(Counter(role for m in STAFF for role in m.roles))
    report.articles = dict(Counter(plan.article.status for plan in article_plans))
    report.leads = dict(Counter(plan.status for plan in lead_plans))
    report.notifications = sum(plan.notifications for plan in lead_plans)
    report.converted_value = sum(plan.deal_value or 0.0 for plan in lead_plans)
    lead_steps = _chronological(traffic, *(plan.steps for plan in lead_plans))
    report.tracking_events = sum(len(s.events) for s in lead_steps if isinstance(s, Track))

    await runner.run("accounts", _accounts(anchor), progress)
    await runner.run("articles", _chronological(*(p.steps for p in article_plans)), progress)
    await runner.run("leads", lead_steps, progress)
    report.seconds = round(time.perf_counter() - begin, 3)
    return report
