"""Every domain event is its own JSON payload: it round-trips through to_data and from_data."""

from __future__ import annotations

import dataclasses
import json

import pytest

from aic.backend.domain import accounts, content, content_events, lead_events, leads
from aic.backend.domain import content_commands as cc
from aic.backend.domain import lead_commands as lc
from aic.backend.domain.messages import DomainEvent, event_class

from .examples import (
    ACCOUNT_ID,
    CONTENT_ID,
    LATER,
    LEAD_ID,
    approved_content,
    assigned_lead,
    registered_account,
    route_command,
    score_command,
    scored_lead,
)

DOMAIN_EVENTS: set[type[DomainEvent]] = {
    *(getattr(lead_events, name) for name in lead_events.__all__),
    *(getattr(content_events, name) for name in content_events.__all__),
    accounts.AccountRegistered,
    accounts.AccountRoleGranted,
    accounts.AccountRoleRevoked,
    accounts.AccountDeactivated,
    accounts.AccountReactivated,
}


def every_kind_of_event() -> list[DomainEvent]:
    lead = assigned_lead()
    for command in [
        lc.RecordLeadEngagement(lead_id=LEAD_ID, signal="demo_request", detail="/demo"),
        lc.ConvertLead(lead_id=LEAD_ID, deal_value=12_500.5),
    ]:
        leads.handle(lead, command, LATER)
    other = scored_lead(50)
    for lead_command in [
        route_command(),
        score_command(10),
        route_command(),
        lc.DisqualifyLead(lead_id=LEAD_ID, reason="competitor"),
    ]:
        leads.handle(other, lead_command, LATER)
    lost = scored_lead(60)
    leads.handle(lost, lc.LoseLead(lead_id=LEAD_ID, reason="no budget"), LATER)

    item = approved_content()
    ids = {"content_id": CONTENT_ID, "actor": "admin-1"}
    for content_command in [
        cc.ScheduleContentPublication(**ids, publish_at="2025-03-09T09:00:00Z"),
        cc.ReviseContent(**ids, title="Revised"),
        cc.RecordAIDraft(
            **ids,
            provider="local",
            model="m",
            prompt_parameters={"n": [1, 2.5, None]},
            title="AI",
            body_markdown="B",
        ),
        cc.RestoreContentRevision(**ids, revision=1),
        cc.SubmitContentForReview(**ids),
        cc.RejectContent(**ids, reason="Too vague"),
        cc.SubmitContentForReview(**ids),
        cc.ApproveContent(**ids),
        cc.PublishContent(**ids),
        cc.UnpublishContent(**ids),
        cc.ArchiveContent(**ids),
    ]:
        content.handle(item, content_command, LATER)

    account = registered_account()
    account_id = {"account_id": ACCOUNT_ID}
    for account_command in [
        accounts.GrantRole(**account_id, role="sales"),
        accounts.RevokeRole(**account_id, role="editor"),
        accounts.DeactivateAccount(**account_id, reason="left"),
        accounts.ReactivateAccount(**account_id),
    ]:
        accounts.handle(account, account_command, LATER)
    return [*lead.pending, *other.pending, *lost.pending, *item.pending, *account.pending]


EVENTS = every_kind_of_event()


def test_the_examples_cover_every_event_of_the_domain() -> None:
    assert {type(event) for event in EVENTS} == DOMAIN_EVENTS


@pytest.mark.parametrize("event", EVENTS, ids=lambda e: e.type)
def test_an_event_round_trips_through_json_by_its_type_name(event: DomainEvent) -> None:
    payload = json.loads(json.dumps(event.to_data(), allow_nan=False))
    assert event_class(event.type).from_data(payload) == event


EVENT_CLASSES = sorted(DOMAIN_EVENTS, key=lambda cls: cls.__name__)


@pytest.mark.parametrize("cls", EVENT_CLASSES, ids=[cls.__name__ for cls in EVENT_CLASSES])
def test_every_event_is_frozen_names_its_aggregate_and_says_when_it_happened(
    cls: type[DomainEvent],
) -> None:
    assert vars(cls)["__dataclass_params__"].frozen
    names = [field.name for field in dataclasses.fields(cls)]
    assert names[0] in {"lead_id", "content_id", "account_id"}
    assert "occurred_at" in names
    assert cls.schema_version == 1
