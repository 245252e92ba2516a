"""A subscriber that stops reading is dropped; the hub and the other subscribers go on."""

from __future__ import annotations

import asyncio
import re
import uuid
from collections.abc import Iterator
from typing import Any

import httpx2
import pytest
from websockets.frames import Close

from tests.integration.realtime.clients import SseMessage, SseStream, StalledSocket
from tests.integration.realtime.conftest import Backend, start_backend

QUEUE = 8  # events a subscriber may have waiting (AIC_REALTIME_QUEUE_SIZE)
# Drafts of 150 kB: the kernel's buffers on loopback take megabytes before a send blocks.
BODY = "Lorem ipsum dolor sit amet. " * 5500
MAX_DRAFTS = 200  # bound: the slow readers are dropped long before


@pytest.fixture(scope="module")
def backend(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Backend]:
    started = start_backend(tmp_path_factory.mktemp("backpressure"), {}, realtime_queue_size=QUEUE)
    try:
        yield started
    finally:
        started.process.stop()


def dropped(backend: Backend) -> dict[str, float]:
    """``aic_backend_realtime_dropped_total`` by transport, from /metrics."""
    text = httpx2.get(f"{backend.url}/metrics", timeout=10).text
    found = re.findall(
        r'aic_backend_realtime_dropped_total\{reason="slow",transport="(\w+)"\} ([\d.e+]+)', text
    )
    return {transport: float(value) for transport, value in found}


def create_draft(backend: Backend, marker: str, index: int) -> None:
    draft = {
        "title": f"Draft {index} {marker}",
        "slug": f"draft-{index}-{marker}",
        "content_type": "article",
        "portals": ["main"],
        "body_markdown": BODY,
    }
    response = httpx2.post(
        f"{backend.url}/api/content", json=draft, headers=backend.bearer("editor"), timeout=10
    )
    assert response.status_code == 202, response.text


def test_slow_readers_are_dropped_while_a_fast_one_receives_everything(
    backend: Backend,
) -> None:
    marker = uuid.uuid4().hex[:10]

    async def scenario() -> dict[str, Any]:
        query = "/api/events/stream?topics=content"
        fast = await SseStream.open(backend.port, query, backend.bearer("editor"))
        slow_sse = await SseStream.open(
            backend.port, query, backend.bearer("editor"), receive_buffer=4096
        )
        subscribe = '{"type": "subscribe", "topics": ["content"]}'
        slow_ws = await StalledSocket.open(
            backend.port, "/api/ws", backend.token("editor"), subscribe
        )
        fast_drafts: list[str] = []
        wanted, enough = [MAX_DRAFTS], asyncio.Event()

        async def read_fast() -> None:
            while True:
                message = await fast.event()
                if message.event == "ContentDraftCreated" and marker in message.data_text():
                    fast_drafts.append(message.json()["data"]["title"])
                    if len(fast_drafts) >= wanted[0]:
                        enough.set()

        reader = asyncio.create_task(read_fast())
        endings: dict[str, asyncio.Task[Any]] = {}
        created = 0
        while created < MAX_DRAFTS and len(endings) < 2:  # until both slow ones are dropped
            await asyncio.to_thread(create_draft, backend, marker, created)
            created += 1
            counts = await asyncio.to_thread(dropped, backend)
            # A dropped reader reads again at once: what was sent, then why it ended.
            if counts.get("sse") and "sse" not in endings:
                endings["sse"] = asyncio.create_task(slow_sse.until_end())
            if counts.get("ws") and "ws" not in endings:
                endings["ws"] = asyncio.create_task(slow_ws.close_frame())
        for index in range(created, created + 3):  # the fast one goes on receiving
            await asyncio.to_thread(create_draft, backend, marker, index)
        wanted[0] = created + 3
        if len(fast_drafts) >= wanted[0]:
            enough.set()
        await enough.wait()
        reader.cancel()
        await fast.close()
        return {
            "created": created + 3,
            "fast": fast_drafts,
            "slow_sse": await endings["sse"],
            "slow_ws": await endings["ws"],
            "dropped": dropped(backend),
        }

    result = asyncio.run(asyncio.wait_for(scenario(), 120))
    assert result["created"] < MAX_DRAFTS
    assert result["fast"] == [f"Draft {i} {marker}" for i in range(result["created"])]
    last: SseMessage = result["slow_sse"][-1]
    assert last.comments == ["closed: too slow; reconnect with Last-Event-ID to continue"]
    close: Close = result["slow_ws"]
    assert close.code == 4008
    assert close.reason.startswith("too slow: reconnect and subscribe with after=")
    assert result["dropped"] == {"sse": 1.0, "ws": 1.0}  # the fast one was never dropped
