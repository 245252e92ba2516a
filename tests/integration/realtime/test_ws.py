"""``/api/ws``: authentication at connect, the subscribe/ping protocol, resume, heartbeats."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Awaitable, Callable
from typing import Any, TypeVar

import httpx2
import orjson
import pytest
from websockets.asyncio.client import ClientConnection
from websockets.exceptions import ConnectionClosed

from tests.integration.realtime.clients import open_socket, receive_json
from tests.integration.realtime.conftest import Backend
from tests.integration.realtime.staff import PASSWORD, send_notification, short_lived_token

T = TypeVar("T")
WS = "/api/ws"


def run(scenario: Callable[[], Awaitable[T]]) -> T:
    return asyncio.run(asyncio.wait_for(scenario(), 30))


async def send(socket: ClientConnection, message: dict[str, Any]) -> None:
    await socket.send(orjson.dumps(message).decode())


async def subscribe(socket: ClientConnection, **message: Any) -> dict[str, Any]:
    await send(socket, {"type": "subscribe", **message})
    reply: dict[str, Any] = await receive_json(socket)
    return reply


async def next_event(
    socket: ClientConnection, wanted: Callable[[dict[str, Any]], bool] = lambda e: True
) -> dict[str, Any]:
    while True:
        message = await receive_json(socket)
        if message["type"] == "event" and wanted(message["event"]):
            event: dict[str, Any] = message["event"]
            return event


def lead_of(marker: str) -> Callable[[dict[str, Any]], bool]:
    return lambda e: e["type"] == "LeadCaptured" and marker in e["data"]["company"]


async def close_code(socket: ClientConnection) -> tuple[int | None, str | None]:
    with pytest.raises(ConnectionClosed) as closed:
        await receive_json(socket)
    received = closed.value.rcvd
    return (received.code, received.reason) if received else (None, None)


def test_a_socket_without_credentials_is_closed_with_4401(backend: Backend) -> None:
    async def scenario() -> tuple[int | None, str | None]:
        async with open_socket(backend.port, WS) as socket:
            return await close_code(socket)

    code, reason = run(scenario)
    assert code == 4401
    assert reason == "unauthenticated"


def test_a_socket_with_a_forged_token_is_closed_with_4401(backend: Backend) -> None:
    async def scenario() -> tuple[int | None, str | None]:
        forged = backend.token("sales")[:-4] + "AAAA"
        async with open_socket(backend.port, WS, forged) as socket:
            return await close_code(socket)

    assert run(scenario)[0] == 4401


def test_sales_subscribed_to_leads_receive_a_captured_lead(backend: Backend) -> None:
    marker = uuid.uuid4().hex[:10]

    async def scenario() -> tuple[dict[str, Any], dict[str, Any]]:
        async with open_socket(backend.port, WS, backend.token("sales")) as socket:
            reply = await subscribe(socket, topics=["leads"])
            await asyncio.to_thread(backend.capture_lead, marker, 1)
            return reply, await next_event(socket, lead_of(marker))

    reply, event = run(scenario)
    assert reply == {"type": "subscribed", "topics": ["leads"], "denied": [], "after": None}
    assert event["data"]["email"] == f"lead1@{marker}.example"
    assert isinstance(event["position"], int)


def test_the_bearer_header_authenticates_a_socket(backend: Backend) -> None:
    async def scenario() -> dict[str, Any]:
        headers = backend.bearer("viewer")
        async with open_socket(backend.port, WS, additional_headers=headers) as socket:
            return await subscribe(socket)

    assert run(scenario)["topics"] == ["content", "notifications"]


def test_a_portal_session_cookie_authenticates_a_socket(backend: Backend) -> None:
    login = httpx2.post(
        f"{backend.url}/api/auth/login",
        json={"email": "editor@realtime.example", "password": PASSWORD, "session": "cookie"},
        timeout=10,
    )
    assert login.status_code == 200, login.text
    cookie = f"aic_session={login.cookies['aic_session']}"

    async def scenario() -> dict[str, Any]:
        headers = {"Cookie": cookie}
        async with open_socket(backend.port, WS, additional_headers=headers) as socket:
            return await subscribe(socket)

    assert run(scenario)["topics"] == ["content", "notifications"]


def test_a_viewer_asking_only_for_leads_gets_an_error_and_stays_connected(
    backend: Backend,
) -> None:
    async def scenario() -> tuple[dict[str, Any], dict[str, Any]]:
        async with open_socket(backend.port, WS, backend.token("viewer")) as socket:
            refused = await subscribe(socket, topics=["leads"])
            await send(socket, {"type": "ping", "id": "p-1"})
            return refused, await receive_json(socket)

    refused, pong = run(scenario)
    assert refused["type"] == "error"
    assert refused["code"] == "topic_forbidden"
    assert pong == {"type": "pong", "id": "p-1"}


def test_a_viewer_gets_its_notification_and_not_the_lead_before_it(backend: Backend) -> None:
    marker = uuid.uuid4().hex[:10]
    title = f"for the viewer {marker}"

    async def scenario() -> dict[str, Any]:
        async with open_socket(backend.port, WS, backend.token("viewer")) as socket:
            await subscribe(socket)
            await asyncio.to_thread(backend.capture_lead, marker, 1)
            viewer_id = backend.staff.account_ids["viewer"]
            await asyncio.to_thread(send_notification, backend.settings, viewer_id, title)
            return await next_event(socket)

    event = run(scenario)
    assert event["type"] == "NotificationSent"
    assert event["data"]["title"] == title


@pytest.mark.parametrize(
    ("message", "code"),
    [
        ("not json", "invalid_json"),
        ("[1, 2]", "invalid_message"),
        ('{"type": "dance"}', "validation_error"),
        ('{"type": "subscribe", "topics": ["gossip"]}', "unknown_topic"),
        ('{"type": "subscribe", "after": -1}', "validation_error"),
        ('{"type": "subscribe", "after": 4611686018427387904}', "unknown_position"),
        ('{"type": "subscribe", "extra": 1}', "validation_error"),
    ],
)
def test_a_bad_message_gets_an_error_in_the_one_format(
    backend: Backend, message: str, code: str
) -> None:
    async def scenario() -> dict[str, Any]:
        async with open_socket(backend.port, WS, backend.token("admin")) as socket:
            await socket.send(message)
            reply: dict[str, Any] = await receive_json(socket)
            return reply

    reply = run(scenario)
    assert reply["type"] == "error"
    assert reply["code"] == code
    assert reply["message"]


def test_an_idle_socket_gets_heartbeats_before_and_after_subscribing(backend: Backend) -> None:
    async def scenario() -> list[dict[str, Any]]:
        async with open_socket(backend.port, WS, backend.token("viewer")) as socket:
            before = await receive_json(socket)
            await subscribe(socket, topics=["notifications"])
            return [before, await receive_json(socket)]

    assert run(scenario) == [{"type": "heartbeat"}, {"type": "heartbeat"}]


def test_a_resubscription_with_after_gets_what_was_missed_exactly_once(
    backend: Backend,
) -> None:
    marker = uuid.uuid4().hex[:10]

    async def scenario() -> list[dict[str, Any]]:
        async with open_socket(backend.port, WS, backend.token("sales")) as socket:
            await subscribe(socket, topics=["leads"])
            await asyncio.to_thread(backend.capture_lead, marker, 1)
            first = await next_event(socket, lead_of(marker))
        for index in (2, 3):  # while disconnected
            await asyncio.to_thread(backend.capture_lead, marker, index)
        async with open_socket(backend.port, WS, backend.token("sales")) as socket:
            await subscribe(socket, topics=["leads"], after=first["position"])
            await asyncio.to_thread(backend.capture_lead, marker, 4)
            received: list[dict[str, Any]] = []
            while sum(lead_of(marker)(e) for e in received) < 3:
                received.append(await next_event(socket))
        return [first, *received]

    events = run(scenario)
    ids = [e["id"] for e in events[1:]]
    assert len(ids) == len(set(ids))
    expected = [
        e["event_id"]
        for e in backend.feed(events[0]["position"])
        if e["stream_id"].startswith("lead-")
    ]
    assert ids == expected[: len(ids)]
    emails = [e["data"]["email"] for e in events if lead_of(marker)(e)]
    assert emails == [f"lead{i}@{marker}.example" for i in range(1, 5)]


def test_unsubscribing_stops_the_events(backend: Backend) -> None:
    marker = uuid.uuid4().hex[:10]
    title = f"after unsubscribing {marker}"

    async def scenario() -> list[dict[str, Any]]:
        async with open_socket(backend.port, WS, backend.token("sales")) as socket:
            await subscribe(socket, topics=["leads"])
            await send(socket, {"type": "unsubscribe"})
            unsubscribed = await receive_json(socket)
            await asyncio.to_thread(backend.capture_lead, marker, 1)
            await subscribe(socket, topics=["notifications"])
            await asyncio.to_thread(send_notification, backend.settings, "role:sales", title)
            return [unsubscribed, await next_event(socket)]

    unsubscribed, event = run(scenario)
    assert unsubscribed == {"type": "unsubscribed"}
    assert event["data"]["title"] == title  # the lead in between never came


def test_a_socket_is_closed_with_4401_when_its_access_token_expires(backend: Backend) -> None:
    token = short_lived_token(backend.settings, backend.staff, "sales", 2)

    async def scenario() -> tuple[int | None, str | None]:
        async with open_socket(backend.port, WS, token) as socket:
            await subscribe(socket, topics=["notifications"])
            while True:  # heartbeats (every 0.5 s here) until the close
                try:
                    await receive_json(socket)
                except ConnectionClosed as closed:
                    received = closed.rcvd
                    return (received.code, received.reason) if received else (None, None)

    assert run(scenario) == (4401, "token_expired")
