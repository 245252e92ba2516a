"""The tracking store contract, on SQLite and PostgreSQL."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable

from aic.backend.adapters.tracking.store import SqlTrackingStore, tracking_schema
from aic.backend.application.tracking import TrackedEvent
from aic.storage import SqlDatabase, open_database

Scenario = Callable[[SqlTrackingStore], Awaitable[None]]


def _run(database_url: str, scenario: Scenario) -> None:
    async def main() -> None:
        database: SqlDatabase = await open_database(database_url, max_size=2)
        try:
            await database.execute_script(tracking_schema(database.dialect))
            await scenario(SqlTrackingStore(database))
        finally:
            await database.close()

    asyncio.run(main())


def _event(n: int, visitor: str = "v1", **fields: object) -> TrackedEvent:
    values: dict[str, object] = {
        "event_id": f"e{n}",
        "kind": "page_view",
        "visitor_id": visitor,
        "occurred_at": f"2026-11-0{1 + n % 9}T10:00:00Z",
        "session_id": f"s{n % 2}",
        "portal": "smb",
        "path": "/blog/post",
    }
    values.update(fields)
    return TrackedEvent(**values)  # type: ignore[arg-type]


def test_a_repeated_event_id_is_stored_once(database_url: str) -> None:
    async def scenario(store: SqlTrackingStore) -> None:
        assert await store.append([_event(1), _event(2)], "2026-11-10T00:00:00Z") == 2
        assert await store.append([_event(2), _event(3)], "2026-11-10T00:00:01Z") == 1
        history = await store.visitor_history("v1")
        assert [e.event_id for e in history] == ["e3", "e2", "e1"]

    _run(database_url, scenario)


def test_a_linked_visitors_history_becomes_the_leads_engagement(database_url: str) -> None:
    async def scenario(store: SqlTrackingStore) -> None:
        await store.append(
            [
                _event(1),
                _event(2, path="/pricing"),
                _event(3, kind="form_submit", form="demo", path="/demo"),
                _event(4, kind="download", path="/whitepaper.pdf"),
                _event(5, kind="search", query="crm integration"),
                _event(6, visitor="someone-else"),
            ],
            "2026-11-10T00:00:00Z",
        )
        empty = await store.engagement("lead-1")
        assert empty.page_views == 0
        assert empty.last_seen_at is None
        await store.link_visitor("v1", "lead-1", "2026-11-10T00:00:05Z")
        await store.link_visitor("v1", "lead-1", "2026-11-10T00:00:06Z")  # idempotent
        features = await store.engagement("lead-1")
        assert (features.page_views, features.pricing_page_views) == (2, 1)
        assert (features.demo_requests, features.downloads, features.searches) == (1, 1, 1)
        assert features.sessions == 2
        assert features.first_seen_at is not None
        assert features.first_seen_at.startswith("2026-11-02")
        assert features.last_seen_at is not None
        assert features.last_seen_at.startswith("2026-11-06")

    _run(database_url, scenario)


def test_signals_before_the_link_are_history_and_after_it_are_pending(database_url: str) -> None:
    async def scenario(store: SqlTrackingStore) -> None:
        await store.append([_event(1, path="/pricing")], "2026-11-10T00:00:00Z")
        await store.link_visitor("v1", "lead-1", "2026-11-10T00:00:05Z")
        assert await store.pending_signals() == []
        await store.append(
            [_event(2, kind="form_submit", form="demo"), _event(3)], "2026-11-10T00:01:00Z"
        )
        pending = await store.pending_signals()
        assert [(p.event_id, p.signal, p.lead_ids) for p in pending] == [
            ("e2", "demo_request", ("lead-1",))
        ]
        await store.mark_signal("e2", "handled")
        assert await store.pending_signals() == []

    _run(database_url, scenario)


def test_properties_round_trip_as_json(database_url: str) -> None:
    async def scenario(store: SqlTrackingStore) -> None:
        await store.append(
            [_event(1, properties={"button": "cta", "n": 3})], "2026-11-10T00:00:00Z"
        )
        (event,) = await store.visitor_history("v1")
        assert dict(event.properties) == {"button": "cta", "n": 3}

    _run(database_url, scenario)


def test_anonymous_signals_neither_crowd_out_a_leads_nor_linger(database_url: str) -> None:
    async def scenario(store: SqlTrackingStore) -> None:
        anonymous = [_event(100 + n, visitor=f"anon{n}", path="/pricing") for n in range(150)]
        await store.append(anonymous, "2026-11-10T00:00:00Z")
        await store.link_visitor("v1", "lead-1", "2026-11-10T00:00:00Z")
        await store.append([_event(1, path="/pricing")], "2026-11-10T00:01:00Z")
        pending = await store.pending_signals(limit=100)
        assert [(p.event_id, p.lead_ids) for p in pending] == [("e1", ("lead-1",))]
        assert await store.expire_unlinked("2026-11-10T00:00:30Z") == 150
        assert await store.expire_unlinked("2026-11-10T00:00:30Z") == 0

    _run(database_url, scenario)
