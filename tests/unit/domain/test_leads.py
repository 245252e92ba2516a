"""A lead moves from capture to a won or lost deal, and refuses what its rules forbid."""

from __future__ import annotations

import dataclasses
from typing import Any

import pytest

from aic.backend.domain import leads
from aic.backend.domain.errors import DomainError, InvalidValue, InvariantViolated, NotFound
from aic.backend.domain.lead_commands import (
    AssignLead,
    ConvertLead,
    DisqualifyLead,
    EnrichLead,
    LeadCommand,
    LoseLead,
    RecordLeadEngagement,
)
from aic.backend.domain.lead_events import (
    LeadAssigned,
    LeadCaptured,
    LeadConverted,
    LeadDisqualified,
    LeadEnriched,
    LeadScored,
)
from aic.backend.domain.leads import Lead

from .examples import (
    LATER,
    LEAD_ID,
    NOW,
    assigned_lead,
    capture,
    captured_lead,
    replayed,
    route_command,
    score_command,
    scored_lead,
    state,
    types,
)


def run(lead: Lead, command: LeadCommand, now: str = LATER) -> Lead:
    return leads.handle(lead, command, now)


def refused(lead: Lead | None, command: LeadCommand, code: str, now: str = LATER) -> DomainError:
    before = None if lead is None else (state(lead), list(lead.pending))
    with pytest.raises(DomainError) as caught:
        leads.handle(lead, command, now)
    assert caught.value.code == code
    if lead is not None:  # nothing is half-written
        assert (state(lead), lead.pending) == before
    return caught.value


def test_a_lead_goes_from_capture_through_scoring_and_assignment_to_a_converted_deal() -> None:
    lead = captured_lead()
    assert lead.status == "captured"
    statuses = []
    for command in [
        EnrichLead(lead_id=LEAD_ID),
        score_command(85),
        route_command(qualify=70, nurture=40),
        AssignLead(lead_id=LEAD_ID, account_id="sales-1"),
        ConvertLead(lead_id=LEAD_ID, deal_value=48_000.0),
    ]:
        run(lead, command)
        statuses.append(lead.status)
    assert statuses == ["enriched", "scored", "qualified", "assigned", "converted"]
    assert types(lead) == [
        "LeadCaptured",
        "LeadEnriched",
        "LeadScored",
        "LeadQualified",
        "LeadAssigned",
        "LeadConverted",
    ]
    converted = lead.pending[-1]
    assert isinstance(converted, LeadConverted)
    assert (converted.account_id, converted.deal_value) == ("sales-1", 48_000.0)
    assert lead.version == 6
    assert lead.loaded_version == 0


def test_capture_records_the_whole_form_normalized() -> None:
    lead = leads.handle(
        None, capture(email=" Ana.Lima@ACME-industrial.com ", company="  ", utm_medium=""), NOW
    )
    event = lead.pending[0]
    assert isinstance(event, LeadCaptured)
    assert event.email == "ana.lima@acme-industrial.com"
    assert (event.company, event.utm_medium) == (None, None)
    assert (event.source_portal, event.visitor_id, event.consent) == ("enterprise", "v-42", True)
    assert event.occurred_at == "2025-03-01T09:00:00+00:00"
    assert lead.stream_id == f"lead-{LEAD_ID}"


@pytest.mark.parametrize(
    ("changes", "code"),
    [
        ({"email": "not-an-email"}, "invalid_email"),
        ({"name": "  "}, "invalid_name"),
        ({"source_portal": "admin"}, "invalid_source_portal"),
        ({"company_size": 0}, "invalid_company_size"),
        ({"company_size": 12.5}, "invalid_company_size"),
        ({"phone": "call me"}, "invalid_phone"),
        ({"consent": "yes"}, "invalid_consent"),
        ({"message": "x" * 5001}, "invalid_message"),
        ({"lead_id": ""}, "invalid_lead_id"),
        ({"visitor_id": "has space"}, "invalid_visitor_id"),
    ],
)
def test_a_form_with_an_invalid_value_is_refused(changes: dict[str, Any], code: str) -> None:
    error = refused(None, capture(**changes), code, NOW)
    assert isinstance(error, InvalidValue)


def test_an_invalid_now_is_refused() -> None:
    refused(None, capture(), "invalid_now", "2025-03-01 10:00")


def test_a_lead_cannot_be_captured_twice() -> None:
    refused(captured_lead(), capture(), "lead_already_exists")


def test_commands_for_a_lead_that_was_never_captured_are_not_found() -> None:
    error = refused(None, EnrichLead(lead_id=LEAD_ID), "lead_not_found")
    assert isinstance(error, NotFound)
    assert error.status_code == 404
    refused(Lead(LEAD_ID), score_command(), "lead_not_found")


def test_a_command_sent_to_another_lead_is_a_programming_error() -> None:
    with pytest.raises(ValueError, match="sent to lead"):
        leads.handle(captured_lead(), EnrichLead(lead_id="someone-else"), LATER)


def test_enriching_again_with_the_same_result_records_nothing() -> None:
    lead = captured_lead()
    run(lead, EnrichLead(lead_id=LEAD_ID))
    run(lead, EnrichLead(lead_id=LEAD_ID))
    assert types(lead) == ["LeadCaptured", "LeadEnriched"]
    enriched = lead.pending[1]
    assert isinstance(enriched, LeadEnriched)
    assert (enriched.company_domain, enriched.segment) == ("acme-industrial.com", "enterprise")


@pytest.mark.parametrize(
    ("changes", "code"),
    [
        ({"score": 100.5}, "invalid_score"),
        ({"score": -1}, "invalid_score"),
        ({"model": ""}, "invalid_model"),
        ({"reasons": [f"reason {i}" for i in range(11)]}, "invalid_reasons"),
        ({"reasons": "one long reason"}, "invalid_reasons"),
    ],
)
def test_a_score_out_of_range_or_with_bad_metadata_is_refused(
    changes: dict[str, Any], code: str
) -> None:
    refused(captured_lead(), dataclasses.replace(score_command(), **changes), code)


def test_rescoring_is_allowed_while_open_and_remembers_the_previous_score() -> None:
    lead = scored_lead(55)
    run(lead, score_command(72))
    rescored = lead.pending[-1]
    assert isinstance(rescored, LeadScored)
    assert (rescored.score, rescored.previous_score) == (72, 55)


@pytest.mark.parametrize(
    ("score", "status"), [(70, "qualified"), (69.9, "nurturing"), (39, "disqualified")]
)
def test_routing_compares_the_score_with_the_given_thresholds(score: float, status: str) -> None:
    lead = scored_lead(score)
    run(lead, route_command(qualify=70, nurture=40))
    assert lead.status == status


def test_routing_below_the_nurture_threshold_disqualifies_with_a_reason_that_is_not_final() -> None:
    lead = scored_lead(12)
    run(lead, route_command())
    event = lead.pending[-1]
    assert isinstance(event, LeadDisqualified)
    assert (event.reason, event.final, event.score) == (leads.SCORE_BELOW_THRESHOLD, False, 12)


def test_a_lead_disqualified_by_its_score_comes_back_after_engagement_and_a_better_score() -> None:
    lead = scored_lead(20)
    run(lead, route_command())
    run(lead, RecordLeadEngagement(lead_id=LEAD_ID, signal="demo_request", detail="/demo"))
    assert lead.rescoring_due
    run(lead, score_command(90))
    run(lead, route_command())
    assert not lead.rescoring_due
    assert lead.status == "qualified"
    assert types(lead)[-4:] == [
        "LeadDisqualified",
        "LeadEngagementChanged",
        "LeadScored",
        "LeadQualified",
    ]


def test_routing_to_the_same_outcome_again_records_nothing() -> None:
    lead = scored_lead(80)
    run(lead, route_command())
    run(lead, score_command(95))
    run(lead, route_command())
    assert types(lead).count("LeadQualified") == 1


def test_routing_needs_a_score() -> None:
    refused(captured_lead(), route_command(), "lead_not_scored")


def test_routing_stops_once_a_salesperson_owns_the_lead() -> None:
    lead = assigned_lead()
    run(lead, score_command(10))  # rescoring still informs sales
    refused(lead, route_command(), "lead_assigned")


def test_a_nurture_threshold_above_the_qualify_threshold_is_refused() -> None:
    refused(scored_lead(), route_command(qualify=50, nurture=60), "invalid_nurture_threshold")


def test_an_explicit_disqualification_is_final_for_scoring_routing_and_engagement() -> None:
    lead = scored_lead(90)
    run(lead, DisqualifyLead(lead_id=LEAD_ID, reason="competitor"))
    assert lead.status == "disqualified"
    for command in [
        score_command(99),
        route_command(),
        RecordLeadEngagement(lead_id=LEAD_ID, signal="pricing_page_view"),
        DisqualifyLead(lead_id=LEAD_ID, reason="again"),
    ]:
        refused(lead, command, "lead_disqualified")


@pytest.mark.parametrize("explicit", [True, False])
def test_a_disqualified_lead_cannot_be_assigned_converted_or_lost(explicit: bool) -> None:
    lead = scored_lead(10)
    if explicit:
        run(lead, DisqualifyLead(lead_id=LEAD_ID, reason="student project"))
    else:
        run(lead, route_command())
    for command in [
        AssignLead(lead_id=LEAD_ID, account_id="sales-1"),
        ConvertLead(lead_id=LEAD_ID),
        LoseLead(lead_id=LEAD_ID, reason="no budget"),
    ]:
        error = refused(lead, command, "lead_disqualified")
        assert isinstance(error, InvariantViolated)
        assert error.status_code == 409


def test_converting_requires_an_assigned_salesperson() -> None:
    lead = scored_lead()
    run(lead, route_command())
    refused(lead, ConvertLead(lead_id=LEAD_ID), "lead_not_assigned")


def test_a_negative_deal_value_is_refused() -> None:
    refused(assigned_lead(), ConvertLead(lead_id=LEAD_ID, deal_value=-5), "invalid_deal_value")


def test_reassigning_records_the_previous_owner_and_the_same_owner_records_nothing() -> None:
    lead = assigned_lead()
    run(lead, AssignLead(lead_id=LEAD_ID, account_id="sales-1"))
    run(lead, AssignLead(lead_id=LEAD_ID, account_id="sales-2"))
    assert types(lead).count("LeadAssigned") == 2
    event = lead.pending[-1]
    assert isinstance(event, LeadAssigned)
    assert (event.account_id, event.previous_account_id) == ("sales-2", "sales-1")


def test_an_unassigned_nurturing_lead_can_be_lost() -> None:
    lead = scored_lead(50)
    run(lead, route_command())
    run(lead, LoseLead(lead_id=LEAD_ID, reason="chose a competitor"))
    assert lead.status == "lost"


def every_command() -> list[LeadCommand]:
    return [
        EnrichLead(lead_id=LEAD_ID),
        score_command(),
        route_command(),
        DisqualifyLead(lead_id=LEAD_ID, reason="spam"),
        AssignLead(lead_id=LEAD_ID, account_id="sales-9"),
        ConvertLead(lead_id=LEAD_ID),
        LoseLead(lead_id=LEAD_ID, reason="late"),
        RecordLeadEngagement(lead_id=LEAD_ID, signal="trial_signup"),
    ]


@pytest.mark.parametrize(
    "outcome", [ConvertLead(lead_id=LEAD_ID), LoseLead(lead_id=LEAD_ID, reason="x")]
)
@pytest.mark.parametrize("command", every_command(), ids=lambda c: type(c).__name__)
def test_a_converted_or_lost_lead_is_closed_to_every_command(
    outcome: LeadCommand, command: LeadCommand
) -> None:
    lead = assigned_lead()
    run(lead, outcome)
    refused(lead, command, "lead_closed")


def test_engagement_records_the_signal_and_makes_the_lead_due_for_rescoring() -> None:
    lead = assigned_lead()
    command = RecordLeadEngagement(
        lead_id=LEAD_ID, signal="pricing_page_view", detail="/pricing", tracking_event_id="t-1"
    )
    run(lead, command)
    assert lead.rescoring_due
    assert lead.status == "assigned"
    assert types(lead)[-1] == "LeadEngagementChanged"


def test_an_unknown_engagement_signal_is_refused() -> None:
    refused(
        captured_lead(), RecordLeadEngagement(lead_id=LEAD_ID, signal="scroll"), "invalid_signal"
    )


def test_replaying_the_events_rebuilds_the_same_lead() -> None:
    lead = assigned_lead()
    run(lead, RecordLeadEngagement(lead_id=LEAD_ID, signal="demo_request"))
    run(lead, ConvertLead(lead_id=LEAD_ID, deal_value=1))
    again = replayed(lead)
    assert state(again) == state(lead)
    assert again.pending == []
    assert again.loaded_version == again.version == 7


def test_a_lead_loaded_from_history_records_only_new_events_at_its_loaded_version() -> None:
    lead = Lead.from_history(LEAD_ID, scored_lead().take_pending())
    run(lead, route_command())
    assert lead.loaded_version == 3
    assert types(lead) == ["LeadQualified"]


def test_an_unknown_command_type_is_a_programming_error() -> None:
    with pytest.raises(TypeError, match="no lead handler"):
        leads.handle(captured_lead(), LeadCommand(lead_id=LEAD_ID), LATER)
