"""Fan-out across replicas: 500 subscribers on two backend processes sharing PostgreSQL and
Redis each receive every event once, in the store's order, whichever process stored it."""

from __future__ import annotations

import asyncio
import statistics
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import orjson
import pytest
from websockets.asyncio.client import ClientConnection

from aic.backend.settings import BackendSettings
from tests.integration.realtime.clients import SseStream, open_socket, receive_json
from tests.integration.realtime.conftest import Backend, database_options, launch
from tests.integration.realtime.staff import JWT_SECRET, create_staff
from tests.support.services import free_ports

pytestmark = [pytest.mark.slow, pytest.mark.postgres, pytest.mark.redis]

PER_PROCESS = 250  # half over SSE, half over WebSocket
LEADS = 20


@dataclass
class Received:
    """What one subscriber got: event ids in order; arrival times of the captured leads."""

    where: str
    ids: list[str] = field(default_factory=list)
    latencies: list[float] = field(default_factory=list)
    leads: int = 0


@pytest.fixture(scope="module")
def replicas(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[tuple[Backend, Backend]]:
    folder = tmp_path_factory.mktemp("fanout")
    settings = BackendSettings(
        data_dir=folder / "data",
        ai_url=f"http://127.0.0.1:{free_ports(1)[0]}",
        jwt_secret=JWT_SECRET,
        **database_options(request, "postgres+redis"),
    )
    staff = create_staff(settings)
    first = launch(settings, staff, folder / "a.log")
    try:
        second = launch(settings, staff, folder / "b.log")
        try:
            yield first, second
        finally:
            second.process.stop()
    finally:
        first.process.stop()


def _latency(event: dict[str, Any]) -> float:
    return time.time() - datetime.fromisoformat(event["recorded_at"]).timestamp()


def _note(received: Received, event: dict[str, Any], marker: str) -> None:
    received.ids.append(event["id"])
    if event["type"] == "LeadCaptured" and marker in event["data"]["company"]:
        received.leads += 1
        received.latencies.append(_latency(event))


async def _sse(backend: Backend, after: int, marker: str, ready: asyncio.Event) -> Received:
    received = Received(f"sse@{backend.port}")
    query = f"/api/events/stream?topics=leads&after={after}"
    stream = await SseStream.open(backend.port, query, backend.bearer("sales"))
    assert stream.status == 200
    await stream.message()  # the greeting: subscribed
    ready.set()
    try:
        while received.leads < LEADS:
            _note(received, (await stream.event()).json(), marker)
    finally:
        await stream.close()
    return received


async def _ws(backend: Backend, after: int, marker: str, ready: asyncio.Event) -> Received:
    received = Received(f"ws@{backend.port}")
    async with open_socket(backend.port, "/api/ws", backend.token("sales")) as socket:
        await socket.send(orjson.dumps({"type": "subscribe", "topics": ["leads"], "after": after}))
        assert (await receive_json(socket))["type"] == "subscribed"
        ready.set()
        while received.leads < LEADS:
            message = await _next(socket)
            if message["type"] == "event":
                _note(received, message["event"], marker)
    return received


async def _next(socket: ClientConnection) -> dict[str, Any]:
    message: dict[str, Any] = orjson.loads(await socket.recv())
    return message


def test_every_subscriber_on_either_replica_receives_every_event_once_in_order(
    replicas: tuple[Backend, Backend],
) -> None:
    first, second = replicas
    marker = uuid.uuid4().hex[:10]
    head = first.head()

    async def scenario() -> list[Received]:
        readies: list[asyncio.Event] = []
        subscribers: list[asyncio.Task[Received]] = []
        for backend in (first, second):
            for index in range(PER_PROCESS):
                ready = asyncio.Event()
                readies.append(ready)
                kind = _sse if index % 2 else _ws
                subscribers.append(asyncio.create_task(kind(backend, head, marker, ready)))
                if index % 25 == 24:
                    await asyncio.sleep(0.05)  # connect in waves, as browsers would
        await asyncio.gather(*(ready.wait() for ready in readies))
        for index in range(LEADS):  # every lead through the first process
            await asyncio.to_thread(first.capture_lead, marker, index)
        return await asyncio.gather(*subscribers)

    started = time.monotonic()
    everyone = asyncio.run(asyncio.wait_for(scenario(), 120))
    elapsed = time.monotonic() - started

    expected = [e["event_id"] for e in first.feed(head) if e["stream_id"].startswith("lead-")]
    assert len(everyone) == 2 * PER_PROCESS
    for received in everyone:
        assert received.leads == LEADS, received.where
        assert received.ids == expected[: len(received.ids)], received.where  # once, in order
    latencies = sorted(latency for received in everyone for latency in received.latencies)
    by_replica = {
        name: sorted(x for r in everyone if r.where.endswith(str(b.port)) for x in r.latencies)
        for name, b in (("storing", first), ("other", second))
    }

    def quantiles(values: list[float]) -> str:
        cuts = statistics.quantiles(values, n=100)
        return f"p50 {cuts[49] * 1000:.1f} ms, p99 {cuts[98] * 1000:.1f} ms"

    print(
        f"\nrealtime fan-out: {len(everyone)} subscribers x {LEADS} leads "
        f"({len(latencies)} deliveries) in {elapsed:.1f} s; commit -> subscriber "
        f"{quantiles(latencies)}, max {latencies[-1] * 1000:.1f} ms; on the storing replica "
        f"{quantiles(by_replica['storing'])}; on the other {quantiles(by_replica['other'])}"
    )
