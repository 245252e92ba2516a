"""Random command sequences never leave an aggregate in a state its rules forbid.

A bounded, seeded loop stands in for property-based testing: each seed drives one aggregate
through random (often invalid) commands. After every command a refused command must have
changed nothing, and the recorded history is re-checked against the rules, written again
here independently of the aggregate's code. Replay and snapshots must rebuild the same state.
"""

from __future__ import annotations

import json
import random
from collections.abc import Callable, Sequence
from datetime import UTC, datetime, timedelta
from typing import TypeVar

from aic.backend.domain import accounts, content, leads
from aic.backend.domain import content_commands as cc
from aic.backend.domain import content_events as ce
from aic.backend.domain import lead_commands as lc
from aic.backend.domain import lead_events as le
from aic.backend.domain.aggregate import Aggregate
from aic.backend.domain.content_state import STATUSES as CONTENT_STATUSES
from aic.backend.domain.errors import DomainError
from aic.backend.domain.lead_state import STATUSES as LEAD_STATUSES
from aic.backend.domain.messages import Command, DomainEvent

from .examples import ACCOUNT_ID, CONTENT_ID, LEAD_ID, capture, create_draft, state

SEEDS = range(150)
STEPS = 40
START = datetime(2025, 3, 1, 9, tzinfo=UTC)
A = TypeVar("A", bound=Aggregate)
C = TypeVar("C", bound=Command)
T = TypeVar("T")


def drive(
    seed: int,
    handle: Callable[[A | None, C, str], A],
    commands: Callable[[random.Random, datetime], C],
    check: Callable[[A], None],
    reached: set[str] | None = None,
) -> A | None:
    rng = random.Random(seed)
    aggregate: A | None = None
    for step in range(STEPS):
        now = START + timedelta(minutes=step)
        command = commands(rng, now)
        before = None if aggregate is None else (state(aggregate), list(aggregate.pending))
        try:
            aggregate = handle(aggregate, command, now.isoformat())
        except DomainError:
            if aggregate is not None:
                assert (state(aggregate), aggregate.pending) == before, f"seed {seed}: {command}"
        if aggregate is not None:
            if reached is not None:
                reached.add(getattr(aggregate, "status", ""))
            try:
                check(aggregate)
            except AssertionError as error:
                raise AssertionError(f"seed {seed}, step {step}, after {command}") from error
    return aggregate


def pick(rng: random.Random, weighted: Sequence[tuple[int, Callable[[], T]]]) -> T:
    factory = rng.choices([f for _, f in weighted], weights=[w for w, _ in weighted])[0]
    return factory()


def lead_command(rng: random.Random, now: datetime) -> lc.LeadCommand:
    lead = {"lead_id": LEAD_ID}
    return pick(
        rng,
        [
            (3, lambda: capture(email=rng.choice(["ana@acme.com", "ana@gmail.com", "not-mail"]))),
            (2, lambda: lc.EnrichLead(**lead)),
            (
                5,
                lambda: lc.ScoreLead(
                    **lead,
                    score=rng.choice([-5, 0, 15, 39.5, 40, 55, 69, 70, 88, 100, 101]),
                    model="rules",
                    model_version="1",
                    reasons=rng.choice([[], ["size"], ["r"] * 11]),
                ),
            ),
            (
                5,
                lambda: lc.RouteLead(
                    **lead,
                    qualify_threshold=rng.choice([60, 70, 80]),
                    nurture_threshold=rng.choice([20, 40, 90]),
                ),
            ),
            (1, lambda: lc.DisqualifyLead(**lead, reason=rng.choice(["spam", " "]))),
            (3, lambda: lc.AssignLead(**lead, account_id=rng.choice(["sales-1", "sales-2", ""]))),
            (1, lambda: lc.ConvertLead(**lead, deal_value=rng.choice([None, 0, 1500.5, -1]))),
            (1, lambda: lc.LoseLead(**lead, reason=rng.choice(["budget", ""]))),
            (
                3,
                lambda: lc.RecordLeadEngagement(
                    **lead, signal=rng.choice(["demo_request", "pricing_page_view", "scroll"])
                ),
            ),
        ],
    )


def check_lead(lead: leads.Lead) -> None:
    assert lead.status in LEAD_STATUSES
    assert lead.current_score is None or 0 <= lead.current_score <= 100
    assert not lead.disqualified_finally or lead.routing == "disqualified"
    if lead.outcome == "converted":
        assert lead.assignee is not None
    events = lead.pending
    assert isinstance(events[0], le.LeadCaptured)
    routing, final, assigned, scored, closed = None, False, False, False, False
    for event in events[1:]:
        assert not closed, "nothing happens to a closed lead"
        assert not isinstance(event, le.LeadCaptured)
        disqualified = routing == "disqualified"
        match event:
            case le.LeadScored():
                assert not final
                scored = True
            case le.LeadQualified() | le.LeadMovedToNurturing():
                assert scored
                assert not assigned
                assert not final
                routing = "qualified" if isinstance(event, le.LeadQualified) else "nurturing"
            case le.LeadDisqualified(final=True):
                assert not final
                routing, final = "disqualified", True
            case le.LeadDisqualified():
                assert scored
                assert not assigned
                assert not final
                assert not disqualified
                routing = "disqualified"
            case le.LeadAssigned():
                assert not disqualified
                assigned = True
            case le.LeadConverted():
                assert assigned
                assert not disqualified
                closed = True
            case le.LeadLost():
                assert not disqualified
                closed = True
            case le.LeadEngagementChanged():
                assert not final


def content_command(rng: random.Random, now: datetime) -> cc.ContentCommand:
    actor = rng.choice(["editor-1", "admin-1"])
    item = {"content_id": CONTENT_ID, "actor": actor}
    later = (now + timedelta(minutes=rng.choice([-3, 0, 2, 5]))).isoformat()
    return pick(
        rng,
        [
            (2, lambda: create_draft(slug=rng.choice(["a-slug", "Bad Slug"]))),
            (
                2,
                lambda: cc.RecordAIDraft(
                    content_id=CONTENT_ID,
                    actor=actor,
                    provider="local",
                    model="m1",
                    title=rng.choice(["AI title", "Other title"]),
                    body_markdown=rng.choice(["", "Generated body"]),
                ),
            ),
            (
                4,
                lambda: cc.ReviseContent(
                    **item,
                    title=rng.choice([None, "Edited", "Edited again"]),
                    body_markdown=rng.choice([None, "Body", ""]),
                    slug=rng.choice([None, "edited", "-bad"]),
                ),
            ),
            (2, lambda: cc.RestoreContentRevision(**item, revision=rng.randint(0, 5))),
            (5, lambda: cc.SubmitContentForReview(**item)),
            (5, lambda: cc.ApproveContent(**item)),
            (1, lambda: cc.RejectContent(**item, reason="no")),
            (3, lambda: cc.PublishContent(**item)),
            (3, lambda: cc.ScheduleContentPublication(**item, publish_at=later)),
            (1, lambda: cc.CancelScheduledPublication(**item)),
            (3, lambda: cc.PublishScheduledContent(**item)),
            (2, lambda: cc.UnpublishContent(**item)),
            (1, lambda: cc.ArchiveContent(**item)),
        ],
    )


def check_content(item: content.Content) -> None:
    assert item.status in CONTENT_STATUSES
    assert [r.number for r in item.revisions] == list(range(1, len(item.revisions) + 1))
    assert (item.status == "scheduled") == (item.scheduled_for is not None)
    if item.status == "published":
        assert item.live_revision == item.latest.number
    assert item.live_revision is None or 1 <= item.live_revision <= item.latest.number
    latest, in_review, approved, live, archived = 0, None, set(), None, False
    for event in item.pending:
        assert not archived, "nothing happens to archived content"
        match event:
            case (
                ce.ContentDraftCreated()
                | ce.ContentDraftedByAI()
                | ce.ContentRevised()
                | ce.ContentRevisionRestored()
            ):
                assert event.revision == latest + 1
                latest, in_review = event.revision, None
            case ce.ContentSubmittedForReview():
                assert event.revision == latest
                assert in_review is None
                in_review = latest
            case ce.ContentApproved() | ce.ContentRejected():
                assert in_review == event.revision == latest
                if isinstance(event, ce.ContentApproved):
                    approved.add(latest)
                in_review = None
            case ce.ContentPublished() | ce.ContentPublicationScheduled():
                assert event.revision == latest
                assert latest in approved, "only approved content is published or scheduled"
                if isinstance(event, ce.ContentPublished):
                    live = event.revision
            case ce.ContentUnpublished():
                assert live == event.revision
                live = None
            case ce.ContentArchived():
                archived = True
    assert live == item.live_revision


def account_command(rng: random.Random, now: datetime) -> accounts.AccountCommand:
    account = {"account_id": ACCOUNT_ID}
    role = rng.choice([*accounts.ROLES, "root"])
    return pick(
        rng,
        [
            (1, lambda: accounts.RegisterAccount(**account, email="e@x.io", display_name="E")),
            (4, lambda: accounts.GrantRole(**account, role=role)),
            (4, lambda: accounts.RevokeRole(**account, role=role)),
            (1, lambda: accounts.DeactivateAccount(**account)),
            (1, lambda: accounts.ReactivateAccount(**account)),
        ],
    )


def check_account(account: accounts.Account) -> None:
    assert account.roles <= set(accounts.ROLES)
    active = False
    for event in account.pending:
        match event:
            case accounts.AccountRegistered():
                active = True
            case accounts.AccountRoleGranted() | accounts.AccountRoleRevoked():
                assert active, "a deactivated account changes no role"
            case accounts.AccountDeactivated():
                assert active
                active = False
            case accounts.AccountReactivated():
                assert not active
                active = True
    assert active == account.active


def assert_replay_rebuilds(aggregate: Aggregate, history: list[DomainEvent]) -> None:
    again = type(aggregate).from_history(aggregate.id, history)
    assert state(again) == state(aggregate)


def test_random_lead_commands_never_break_the_lead_rules() -> None:
    reached: set[str] = set()
    for seed in SEEDS:
        lead = drive(seed, leads.handle, lead_command, check_lead, reached)
        if lead is not None:
            assert_replay_rebuilds(lead, lead.pending)
    assert reached == set(LEAD_STATUSES)  # the loop explores every status


def test_random_content_commands_never_publish_unapproved_content() -> None:
    reached: set[str] = set()
    for seed in SEEDS:
        item = drive(seed, content.handle, content_command, check_content, reached)
        if item is not None:
            assert_replay_rebuilds(item, item.pending)
    assert reached == set(CONTENT_STATUSES)


def test_random_account_commands_never_change_a_deactivated_account() -> None:
    for seed in SEEDS:
        account = drive(seed, accounts.handle, account_command, check_account)
        if account is not None:
            assert_replay_rebuilds(account, account.pending)


def test_a_content_snapshot_taken_anywhere_in_a_random_history_resumes_to_the_same_state() -> None:
    for seed in SEEDS:
        item = drive(seed, content.handle, content_command, check_content)
        if item is None:
            continue
        history = item.pending
        cut = random.Random(seed).randint(1, len(history))
        prefix = content.Content.from_history(item.id, history[:cut])
        stored = json.loads(json.dumps(prefix.snapshot_state()))  # as a store would keep it
        resumed = content.Content.from_history(
            item.id, history[cut:], start=content.Content.from_snapshot(item.id, cut, stored)
        )
        assert state(resumed) == state(item), f"seed {seed}, snapshot at {cut}"
