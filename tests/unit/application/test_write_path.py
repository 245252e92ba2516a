"""The write path: command bus → handler → aggregate → event store, with keyed retries."""

from __future__ import annotations

import asyncio
import uuid

import pytest

from aic.backend.application.bus import (
    CommandBus,
    CommandContext,
    logging_middleware,
    retry_on_conflict,
)
from aic.backend.application.execution import IdempotencyKeyReused, derived_id, request_hash
from aic.backend.application.handlers import register_aggregate_handlers
from aic.backend.application.ports import ConcurrencyError, EventMetadata
from aic.backend.application.repository import AggregateRepository
from aic.backend.application.serialization import EventCodec
from aic.backend.domain.errors import InvariantViolated, NotFound
from aic.backend.domain.lead_commands import AssignLead, CaptureLead, DisqualifyLead, ScoreLead
from tests.support.memory_event_store import MemoryEventStore


def _bus(store: MemoryEventStore) -> CommandBus:
    bus = CommandBus([logging_middleware(), retry_on_conflict(attempts=50, base_delay=0.0005)])
    register_aggregate_handlers(
        bus, AggregateRepository(store, EventCodec()), clock=lambda: "2026-11-26T10:00:00Z"
    )
    return bus


def _capture(lead_id: str) -> CaptureLead:
    return CaptureLead(lead_id=lead_id, email="ada@acme.io", name="Ada", company="Acme")


def _keyed(key: str, payload: object) -> CommandContext:
    return CommandContext(
        EventMetadata(actor="public", idempotency_key=key, request_hash=request_hash(payload))
    )


def test_a_captured_lead_is_stored_as_its_first_event() -> None:
    async def scenario() -> None:
        store = MemoryEventStore()
        result = await _bus(store).dispatch(_capture("l1"), CommandContext())
        assert (result.aggregate_id, result.version, result.duplicate) == ("l1", 1, False)
        (event,) = await store.load("lead-l1")
        assert event.type == "LeadCaptured"
        assert str(event.event_id) == result.event_ids[0]

    asyncio.run(scenario())


def test_a_retry_with_the_same_key_returns_the_first_result_and_writes_nothing() -> None:
    async def scenario() -> None:
        store = MemoryEventStore()
        bus = _bus(store)
        first = await bus.dispatch(_capture("l1"), _keyed("k-1", {"a": 1}))
        again = await bus.dispatch(_capture("l1"), _keyed("k-1", {"a": 1}))
        assert again.duplicate
        assert again.version == first.version
        assert again.event_ids == first.event_ids
        assert await store.head_position() == 1
        assert first.event_ids[0] == str(derived_id("lead-l1", "k-1", "0"))

    asyncio.run(scenario())


def test_the_same_key_with_another_request_is_refused() -> None:
    async def scenario() -> None:
        bus = _bus(MemoryEventStore())
        await bus.dispatch(_capture("l1"), _keyed("k-1", {"a": 1}))
        with pytest.raises(IdempotencyKeyReused):
            await bus.dispatch(_capture("l1"), _keyed("k-1", {"a": 2}))

    asyncio.run(scenario())


def test_domain_refusals_surface_with_their_codes() -> None:
    async def scenario() -> None:
        bus = _bus(MemoryEventStore())
        with pytest.raises(NotFound):
            await bus.dispatch(AssignLead(lead_id="nobody", account_id="sales-1"), CommandContext())
        await bus.dispatch(_capture("l1"), CommandContext())
        await bus.dispatch(DisqualifyLead(lead_id="l1", reason="spam"), CommandContext())
        with pytest.raises(InvariantViolated) as caught:
            await bus.dispatch(AssignLead(lead_id="l1", account_id="sales-1"), CommandContext())
        assert caught.value.code

    asyncio.run(scenario())


def test_concurrent_commands_on_one_lead_lose_no_update() -> None:
    async def scenario() -> None:
        store = MemoryEventStore()
        bus = _bus(store)
        await bus.dispatch(_capture("l1"), CommandContext())

        async def score(n: int) -> bool:
            command = ScoreLead(
                lead_id="l1", score=float(n % 100), model="rules", model_version="1"
            )
            try:
                await bus.dispatch(command, CommandContext())
            except ConcurrencyError:
                return False
            return True

        outcomes = await asyncio.gather(*(score(n) for n in range(100)))
        events = await store.load("lead-l1")
        assert len(events) == 1 + sum(outcomes)
        assert [e.version for e in events] == list(range(1, len(events) + 1))

    asyncio.run(scenario())


def test_a_new_lead_id_derived_from_a_key_is_stable() -> None:
    assert derived_id("lead", "key-1") == derived_id("lead", "key-1")
    assert derived_id("lead", "key-1") != derived_id("lead", "key-2")
    assert isinstance(derived_id("x"), uuid.UUID)
