"""``GET /api/events/stream``: who may subscribe, what each role sees, heartbeats, resume."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Awaitable, Callable
from typing import Any, TypeVar

import httpx2
import orjson

from aic.backend.application.realtime.visibility import LEAD_PERSONAL_FIELDS
from tests.integration.realtime.clients import SseMessage, SseStream
from tests.integration.realtime.conftest import Backend
from tests.integration.realtime.staff import send_notification, short_lived_token

T = TypeVar("T")
STREAM = "/api/events/stream"


def run(scenario: Callable[[], Awaitable[T]]) -> T:
    return asyncio.run(asyncio.wait_for(scenario(), 30))


async def subscribe(backend: Backend, who: str, query: str = "", **headers: str) -> SseStream:
    stream = await SseStream.open(
        backend.port, f"{STREAM}{query}", {**backend.bearer(who), **headers}
    )
    assert stream.status == 200, await stream.body()
    assert stream.headers["content-type"].startswith("text/event-stream")
    greeting = await stream.message()
    assert greeting.event == "subscribed"
    assert greeting.id is None  # it must not move a browser's Last-Event-ID
    return stream


async def refused(backend: Backend, query: str = "", **headers: str) -> tuple[int, Any]:
    stream = await SseStream.open(backend.port, f"{STREAM}{query}", headers)
    try:
        return stream.status, orjson.loads(await stream.body())["error"]
    finally:
        await stream.close()


async def until(stream: SseStream, wanted: Callable[[SseMessage], bool]) -> SseMessage:
    while True:
        message = await stream.event()
        if wanted(message):
            return message


def lead_of(marker: str) -> Callable[[SseMessage], bool]:
    return lambda m: m.event == "LeadCaptured" and marker in m.json()["data"]["company"]


def titled(title: str) -> Callable[[SseMessage], bool]:
    return lambda m: m.event == "NotificationSent" and m.json()["data"]["title"] == title


def test_a_stream_without_credentials_is_refused_with_401(backend: Backend) -> None:
    status, error = run(lambda: refused(backend))
    assert status == 401
    assert error["code"] == "unauthenticated"


def test_a_stream_with_a_forged_token_is_refused_with_401(backend: Backend) -> None:
    forged = backend.token("sales")[:-4] + "AAAA"
    status, _ = run(lambda: refused(backend, Authorization=f"Bearer {forged}"))
    assert status == 401


def test_the_access_token_may_come_as_a_query_parameter(backend: Backend) -> None:
    async def scenario() -> int:
        stream = await SseStream.open(
            backend.port, f"{STREAM}?access_token={backend.token('viewer')}"
        )
        await stream.close()
        return stream.status

    assert run(scenario) == 200


def test_sales_receive_a_captured_lead_whose_event_id_is_its_position(backend: Backend) -> None:
    marker = uuid.uuid4().hex[:10]

    async def scenario() -> tuple[SseMessage, str]:
        stream = await subscribe(backend, "sales", "?topics=leads")
        await asyncio.to_thread(backend.capture_lead, marker, 1)
        try:
            message = await until(stream, lead_of(marker))
            metrics = await asyncio.to_thread(httpx2.get, f"{backend.url}/metrics")
            return message, metrics.text
        finally:
            await stream.close()

    message, metrics = run(scenario)
    assert _sample(metrics, 'aic_backend_realtime_subscribers{transport="sse"}') >= 1
    assert _sample(metrics, 'aic_backend_realtime_events_delivered_total{transport="sse"}') >= 1
    event = message.json()
    assert message.id == str(event["position"])
    assert event["type"] == "LeadCaptured"
    assert event["stream"].startswith("lead-")
    assert event["data"]["email"] == f"lead1@{marker}.example"
    assert {"id", "version", "recorded_at"} <= set(event)


def _sample(metrics: str, name: str) -> float:
    return next(float(line.split()[-1]) for line in metrics.splitlines() if line.startswith(name))


def test_each_role_sees_only_what_it_may(backend: Backend) -> None:
    marker = uuid.uuid4().hex[:10]
    personal, for_viewers = f"for the viewer {marker}", f"for all viewers {marker}"

    async def scenario() -> dict[str, SseMessage]:
        names = ("sales", "analyst", "viewer", "other_viewer")
        streams = {name: await subscribe(backend, name) for name in names}
        await asyncio.to_thread(backend.capture_lead, marker, 1)
        viewer_id = backend.staff.account_ids["viewer"]
        await asyncio.to_thread(send_notification, backend.settings, viewer_id, personal)
        await asyncio.to_thread(send_notification, backend.settings, "role:viewer", for_viewers)
        try:
            return {
                "sales": await until(streams["sales"], lead_of(marker)),
                "analyst": await until(streams["analyst"], lead_of(marker)),
                # Everyone gets events in the same order: a viewer's first event after the
                # lead is a notification, so it was not sent the lead (or the other's note).
                "viewer": await streams["viewer"].event(),
                "other_viewer": await streams["other_viewer"].event(),
            }
        finally:
            for stream in streams.values():
                await stream.close()

    seen = run(scenario)
    assert seen["sales"].json()["data"]["email"] == f"lead1@{marker}.example"
    analyst_data = seen["analyst"].json()["data"]
    assert not set(LEAD_PERSONAL_FIELDS) & set(analyst_data)
    assert analyst_data["company"] == f"Company {marker}"
    assert seen["viewer"].json()["data"]["title"] == personal
    assert seen["other_viewer"].json()["data"]["title"] == for_viewers


def test_a_topic_filter_keeps_out_the_other_topics(backend: Backend) -> None:
    marker = uuid.uuid4().hex[:10]
    title = f"for sales {marker}"

    async def scenario() -> tuple[SseMessage, SseMessage]:
        stream = await subscribe(backend, "sales", "?topics=notifications")
        greeting_topics = await subscribe(backend, "sales", "?topics=notifications,sagas")
        await asyncio.to_thread(backend.capture_lead, marker, 1)
        await asyncio.to_thread(send_notification, backend.settings, "role:sales", title)
        try:
            return await stream.event(), await greeting_topics.event()
        finally:
            await stream.close()
            await greeting_topics.close()

    first, also_first = run(scenario)
    assert first.json()["data"]["title"] == title  # not the lead that came before it
    assert also_first.json()["data"]["title"] == title


def test_the_greeting_names_the_topics_granted_and_denied(backend: Backend) -> None:
    async def scenario() -> Any:
        stream = await SseStream.open(
            backend.port, f"{STREAM}?topics=leads,content", backend.bearer("viewer")
        )
        try:
            return (await stream.message()).json()
        finally:
            await stream.close()

    assert run(scenario) == {"topics": ["content"], "denied": ["leads"]}


def test_an_unknown_topic_is_refused_with_422(backend: Backend) -> None:
    status, error = run(lambda: refused(backend, "?topics=leads,gossip", **backend.bearer("sales")))
    assert status == 422
    assert error["code"] == "unknown_topic"
    assert error["details"]["unknown"] == ["gossip"]


def test_asking_only_for_topics_the_role_may_not_see_is_refused_with_403(
    backend: Backend,
) -> None:
    status, error = run(lambda: refused(backend, "?topics=leads", **backend.bearer("viewer")))
    assert status == 403
    assert error["code"] == "topic_forbidden"


def test_an_idle_stream_gets_heartbeats(backend: Backend) -> None:
    async def idle() -> list[str]:
        stream = await subscribe(backend, "viewer", "?topics=notifications")
        try:
            return (await stream.message()).comments
        finally:
            await stream.close()

    assert run(idle) == ["heartbeat"]


def _lead_events(backend: Backend, after: int) -> list[str]:
    return [e["event_id"] for e in backend.feed(after) if e["stream_id"].startswith("lead-")]


def test_a_resumed_stream_gets_what_was_committed_while_away_exactly_once(
    backend: Backend,
) -> None:
    marker = uuid.uuid4().hex[:10]

    async def scenario() -> tuple[list[SseMessage], list[SseMessage]]:
        stream = await subscribe(backend, "sales", "?topics=leads")
        for index in (1, 2):
            await asyncio.to_thread(backend.capture_lead, marker, index)
        before = [await until(stream, lead_of(marker)), await until(stream, lead_of(marker))]
        await stream.close()
        for index in (3, 4):  # while disconnected
            await asyncio.to_thread(backend.capture_lead, marker, index)
        resumed = await subscribe(
            backend, "sales", "?topics=leads", **{"Last-Event-ID": str(before[-1].id)}
        )
        await asyncio.to_thread(backend.capture_lead, marker, 5)
        after: list[SseMessage] = []
        try:
            while sum(lead_of(marker)(m) for m in after) < 3:
                after.append(await resumed.event())
        finally:
            await resumed.close()
        return before, after

    before, after = run(scenario)
    ids = [m.json()["id"] for m in after]
    assert len(ids) == len(set(ids))
    # Exactly the lead events stored after the resume point, in the store's order.
    assert ids == _lead_events(backend, int(str(before[-1].id)))[: len(ids)]
    emails = [m.json()["data"]["email"] for m in [*before, *after] if lead_of(marker)(m)]
    assert emails == [f"lead{i}@{marker}.example" for i in range(1, 6)]


def test_after_replays_the_events_after_a_position(backend: Backend) -> None:
    marker = uuid.uuid4().hex[:10]
    head = backend.head()
    backend.capture_lead(marker, 1)

    async def scenario() -> SseMessage:
        stream = await subscribe(backend, "sales", f"?topics=leads&after={head}")
        try:
            return await until(stream, lead_of(marker))
        finally:
            await stream.close()

    assert run(scenario).json()["data"]["email"] == f"lead1@{marker}.example"


def test_resuming_from_a_position_no_event_has_is_refused_with_422(backend: Backend) -> None:
    headers = {**backend.bearer("sales"), "Last-Event-ID": str(2**62)}
    status, error = run(lambda: refused(backend, "", **headers))
    assert status == 422
    assert error["code"] == "unknown_position"


def test_a_last_event_id_that_is_no_position_is_refused_with_422(backend: Backend) -> None:
    headers = {**backend.bearer("sales"), "Last-Event-ID": "yesterday"}
    status, error = run(lambda: refused(backend, "", **headers))
    assert status == 422
    assert error["code"] == "invalid_last_event_id"


def test_a_stream_ends_when_its_access_token_expires(backend: Backend) -> None:
    token = short_lived_token(backend.settings, backend.staff, "viewer", 2)

    async def scenario() -> list[SseMessage]:
        stream = await SseStream.open(
            backend.port, f"{STREAM}?topics=content", {"Authorization": f"Bearer {token}"}
        )
        assert stream.status == 200
        return await stream.until_end()

    messages = run(scenario)
    assert messages[-1].comments == [
        "closed: the access token expired; reconnect with a new one and `after`"
    ]
