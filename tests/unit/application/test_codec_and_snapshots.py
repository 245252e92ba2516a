"""Upcasting old event payloads, and loading long streams from snapshots."""

from __future__ import annotations

import asyncio
import dataclasses
from typing import Any, ClassVar

import pytest

from aic.backend.application.ports import EventMetadata, NewEvent
from aic.backend.application.repository import AggregateRepository
from aic.backend.application.serialization import EventCodec, UnknownEventType
from aic.backend.domain.content import Content, handle
from aic.backend.domain.content_commands import CreateContentDraft, ReviseContent
from aic.backend.domain.messages import DomainEvent
from tests.support.memory_event_store import MemoryEventStore


@dataclasses.dataclass(frozen=True, kw_only=True)
class NewsletterSubscribed(DomainEvent):
    """Version 3: ``email`` (v1 had ``mail``), ``topics`` (added in v3)."""

    schema_version: ClassVar[int] = 3
    email: str
    topics: list[str]


def _stored(codec: EventCodec, version: int, data: dict[str, Any]) -> Any:
    async def scenario() -> Any:
        store = MemoryEventStore()
        await store.append(
            "newsletter-1",
            [NewEvent(type="NewsletterSubscribed", data=data, schema_version=version)],
            None,
        )
        (stored,) = await store.load("newsletter-1")
        return codec.decode(stored)

    return asyncio.run(scenario())


def test_old_payloads_are_upcast_step_by_step_when_read() -> None:
    codec = EventCodec()
    codec.register_upcaster("NewsletterSubscribed", 1, lambda d: {"email": d["mail"]})
    codec.register_upcaster("NewsletterSubscribed", 2, lambda d: {**d, "topics": []})
    assert _stored(codec, 1, {"mail": "a@b.example"}) == NewsletterSubscribed(
        email="a@b.example", topics=[]
    )
    assert _stored(codec, 3, {"email": "c@d.example", "topics": ["ai"]}).topics == ["ai"]


def test_a_missing_upcaster_or_type_is_an_error_not_a_silent_default() -> None:
    with pytest.raises(LookupError, match="no upcaster"):
        _stored(EventCodec(), 1, {"mail": "a@b.example"})
    with pytest.raises(UnknownEventType):
        EventCodec().upcast("NoSuchEvent", 1, {})


def test_a_long_stream_loads_from_its_snapshot_plus_the_tail() -> None:
    async def scenario() -> None:
        store = MemoryEventStore()
        repository = AggregateRepository(store, EventCodec(), snapshot_every=10)
        now = "2026-11-26T10:00:00+00:00"
        create = CreateContentDraft(
            content_id="c1", actor="ed", title="T0", slug="t-0", content_type="article",
            portals=["main"],
        )  # fmt: skip
        await repository.save(handle(None, create, now), EventMetadata())
        for n in range(1, 25):
            loaded = (await repository.load(Content, "c1")).aggregate
            revise = ReviseContent(content_id="c1", actor="ed", title=f"T{n}")
            await repository.save(handle(loaded, revise, now), EventMetadata())
        snapshot = await store.load_snapshot("content-c1")
        assert snapshot is not None
        assert snapshot.version == 20
        loaded = await repository.load(Content, "c1")
        assert len(loaded.events) == 5  # only the tail after the snapshot was read
        replayed = Content.from_history(
            "c1", (EventCodec().decode(e) for e in await store.load("content-c1"))
        )
        assert loaded.aggregate.version == replayed.version == 25
        assert loaded.aggregate.snapshot_state() == replayed.snapshot_state()

    asyncio.run(scenario())
