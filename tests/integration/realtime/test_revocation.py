"""Open streams end when their credentials stop holding: signing out everywhere, a
deactivation, a role change; streams whose credentials still hold keep receiving."""

from __future__ import annotations

import asyncio
import time
import uuid
from collections.abc import Awaitable, Callable, Iterator
from typing import Any, TypeVar

import httpx2
import pytest
from websockets.asyncio.client import ClientConnection
from websockets.exceptions import ConnectionClosed
from websockets.frames import Close

from tests.integration.realtime.clients import SseMessage, SseStream, open_socket, receive_json
from tests.integration.realtime.conftest import Backend, database_options, start_backend
from tests.integration.realtime.staff import PASSWORD

T = TypeVar("T")
STREAM = "/api/events/stream"
RECHECK = 0.2  # AIC_REALTIME_RECHECK_SECONDS of the backend under test
# Within the re-check interval, plus a check's reads and a loaded test machine's slack (the
# default interval, 5 s, would fail it).
ENDS_WITHIN = 2.0
REVOKED = "closed: signed out or access revoked; sign in again"


@pytest.fixture(
    scope="module",
    params=[
        "sqlite",
        pytest.param("postgres+redis", marks=[pytest.mark.postgres, pytest.mark.redis]),
    ],
)
def backend(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Backend]:
    folder = tmp_path_factory.mktemp("revocation")
    started = start_backend(
        folder,
        database_options(request, request.param),
        realtime_heartbeat_seconds=0.5,
        realtime_recheck_seconds=RECHECK,
    )
    try:
        yield started
    finally:
        started.process.stop()


def run(scenario: Callable[[], Awaitable[T]]) -> T:
    return asyncio.run(asyncio.wait_for(scenario(), 30))


def login(backend: Backend, name: str, session: str = "token") -> httpx2.Response:
    email = f"{name.replace('_', '.')}@realtime.example"
    response = httpx2.post(
        f"{backend.url}/api/auth/login",
        json={"email": email, "password": PASSWORD, "session": session},
        timeout=10,
    )
    assert response.status_code == 200, response.text
    return response


def bearer(backend: Backend, name: str) -> dict[str, str]:
    """The header of a fresh session's access token."""
    return {"Authorization": f"Bearer {login(backend, name).json()['access_token']}"}


def cookie(backend: Backend, name: str) -> dict[str, str]:
    """The header of a fresh portal session's cookie."""
    return {"Cookie": f"aic_session={login(backend, name, 'cookie').cookies['aic_session']}"}


def admin_post(backend: Backend, path: str, body: dict[str, Any] | None = None) -> None:
    response = httpx2.post(
        f"{backend.url}{path}", json=body, headers=backend.bearer("admin"), timeout=10
    )
    assert response.status_code < 300, response.text


async def open_stream(backend: Backend, headers: dict[str, str], topics: str) -> SseStream:
    stream = await SseStream.open(backend.port, f"{STREAM}?topics={topics}", headers)
    assert stream.status == 200, await stream.body()
    assert (await stream.message()).event == "subscribed"
    return stream


async def lead(stream: SseStream, marker: str) -> SseMessage:
    while True:
        message = await stream.event()
        if message.event == "LeadCaptured" and marker in message.json()["data"]["company"]:
            return message


async def ended(stream: SseStream) -> tuple[float, list[SseMessage]]:
    """When the stream ended (``time.monotonic``), and its messages up to then."""
    messages = await stream.until_end()
    return time.monotonic(), messages


async def until_closed(socket: ClientConnection) -> tuple[list[Any], Close | None]:
    """The messages received up to the close, and the close frame."""
    received = []
    try:
        while True:
            received.append(await receive_json(socket))
    except ConnectionClosed as closed:
        return received, closed.rcvd


def events(messages: list[SseMessage]) -> list[SseMessage]:
    return [m for m in messages if m.event is not None]


def test_signing_out_everywhere_ends_open_streams_of_cookie_and_token(backend: Backend) -> None:
    before, after = uuid.uuid4().hex[:10], uuid.uuid4().hex[:10]

    async def scenario() -> None:
        by_cookie = await open_stream(backend, cookie(backend, "sales"), "leads")
        by_token = await open_stream(backend, bearer(backend, "sales"), "leads")
        bystander = await open_stream(backend, backend.bearer("admin"), "leads")
        await asyncio.sleep(3 * RECHECK)  # rechecks pass while the credentials hold
        await asyncio.to_thread(backend.capture_lead, before, 1)
        for stream in (by_cookie, by_token, bystander):
            captured = (await lead(stream, before)).json()
            assert captured["data"]["email"] == f"lead1@{before}.example"

        endings = [asyncio.ensure_future(ended(s)) for s in (by_cookie, by_token)]
        other_session = bearer(backend, "sales")
        signed_out = time.monotonic()
        response = await asyncio.to_thread(
            httpx2.post, f"{backend.url}/api/auth/logout-all", headers=other_session, timeout=10
        )
        assert response.status_code == 204, response.text
        for at, messages in await asyncio.gather(*endings):
            assert at - signed_out < ENDS_WITHIN
            assert messages[-1].comments == [REVOKED]
            # At most the rest of the lead before (enriched, scored): no other lead.
            assert {m.json()["stream"] for m in events(messages)} <= {captured["stream"]}

        await asyncio.to_thread(backend.capture_lead, after, 2)
        # A stream whose credentials still hold keeps receiving.
        assert (await lead(bystander, after)).json()["data"]["email"] == f"lead2@{after}.example"
        await bystander.close()

    run(scenario)


def test_signing_out_everywhere_closes_an_open_socket_with_4401(backend: Backend) -> None:
    marker = uuid.uuid4().hex[:10]

    async def scenario() -> None:
        headers = bearer(backend, "analyst")
        async with open_socket(backend.port, "/api/ws", additional_headers=headers) as socket:
            await socket.send('{"type": "subscribe", "topics": ["leads"]}')
            assert (await receive_json(socket))["type"] == "subscribed"
            await asyncio.sleep(3 * RECHECK)
            await asyncio.to_thread(backend.capture_lead, marker, 1)
            while (first := await receive_json(socket))["type"] != "event":
                pass  # heartbeats

            signed_out = time.monotonic()
            response = await asyncio.to_thread(
                httpx2.post, f"{backend.url}/api/auth/logout-all", headers=headers, timeout=10
            )
            assert response.status_code == 204, response.text
            received, close = await until_closed(socket)
            assert time.monotonic() - signed_out < ENDS_WITHIN
            # At most the rest of the lead before (enriched, scored): no other lead.
            streams = {m["event"]["stream"] for m in received if m["type"] == "event"}
            assert streams <= {first["event"]["stream"]}
            assert close is not None
            assert (close.code, close.reason) == (4401, "credentials_revoked")

    run(scenario)


def test_a_deactivation_ends_the_accounts_open_stream_and_socket(backend: Backend) -> None:
    account_id = backend.staff.account_ids["editor"]

    async def scenario() -> None:
        stream = await open_stream(backend, cookie(backend, "editor"), "content")
        socket_headers = bearer(backend, "editor")
        async with open_socket(backend.port, "/api/ws", additional_headers=socket_headers) as ws:
            await ws.send('{"type": "subscribe"}')
            assert (await receive_json(ws))["type"] == "subscribed"
            ending = asyncio.ensure_future(ended(stream))

            deactivated = time.monotonic()
            await asyncio.to_thread(admin_post, backend, f"/api/accounts/{account_id}/deactivate")
            at, messages = await ending
            assert at - deactivated < ENDS_WITHIN
            assert messages[-1].comments == [REVOKED]
            assert events(messages) == []
            received, close = await until_closed(ws)
            assert time.monotonic() - deactivated < ENDS_WITHIN
            assert [m for m in received if m["type"] != "heartbeat"] == []
            assert close is not None
            assert (close.code, close.reason) == (4401, "credentials_revoked")

    try:
        run(scenario)
    finally:
        admin_post(backend, f"/api/accounts/{account_id}/reactivate")


def test_a_role_change_ends_a_cookie_stream_to_reconnect_with_the_new_roles(
    backend: Backend,
) -> None:
    account_id = backend.staff.account_ids["other_viewer"]

    async def scenario() -> list[SseMessage]:
        stream = await open_stream(backend, cookie(backend, "other_viewer"), "content")
        ending = asyncio.ensure_future(ended(stream))
        await asyncio.to_thread(
            admin_post, backend, f"/api/accounts/{account_id}/roles", {"role": "analyst"}
        )
        _, messages = await ending
        return messages

    messages = run(scenario)
    assert messages[-1].comments == ["closed: your roles changed; reconnect with Last-Event-ID"]
