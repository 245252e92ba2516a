"""A consumer killed mid-batch: its pending events go on at once, not after claim_idle_ms."""

from __future__ import annotations

import asyncio
import subprocess
import sys
import time
import uuid
from pathlib import Path

import pytest
import redis

from aic.backend.adapters.transport import RedisStreamsEventTransport
from aic.backend.application.consumers import ConsumerGroupWorker
from aic.backend.application.ports import StoredEvent
from tests.support.ledger import Ledger
from tests.support.memory_event_store import stored_events

pytestmark = pytest.mark.redis

GROUP = "projection:ledger"
EVENTS = 10
CLAIM_IDLE_S = 30  # the default claim timeout, left as it is: takeover must not wait for it


@pytest.fixture
def prefix(redis_prefix: str) -> str:
    return f"{redis_prefix}{uuid.uuid4().hex[:8]}:"


def kill_mid_batch(redis_url: str, prefix: str, consumer: str, ledger: Ledger) -> None:
    """A consumer process reads a batch of ten, applies three, and dies without an ack."""
    events = stored_events(EVENTS)

    async def publish() -> None:
        transport = RedisStreamsEventTransport.from_url(redis_url, prefix=prefix)
        try:
            await transport.publish(events)
        finally:
            await transport.close()

    asyncio.run(publish())
    argv = [sys.executable, "-m", "tests.support.consumer_proc", redis_url, prefix, GROUP]
    argv += [consumer, str(ledger.path), "3"]
    done = subprocess.run(argv, capture_output=True, timeout=60, check=False)  # reaped
    assert done.returncode == 3, done.stderr.decode()
    assert len(ledger.applied()) == 3


async def consume_until_applied(
    redis_url: str, prefix: str, consumer: str, ledger: Ledger, count: int = 10, **options: int
) -> float:
    """Run a consumer reading ``count`` at a time until every event is applied; seconds."""
    transport = RedisStreamsEventTransport.from_url(redis_url, prefix=prefix, **options)

    async def handle(event: StoredEvent) -> None:
        ledger.apply(event, consumer)

    worker = ConsumerGroupWorker(transport, GROUP, consumer, handle, count=count, block_ms=100)
    started = time.monotonic()
    try:
        for _ in range(int(CLAIM_IDLE_S / 0.1)):  # bounded below the claim timeout
            await worker.run_once()
            if len(ledger.applied()) == EVENTS:
                return time.monotonic() - started
        raise AssertionError(f"only {len(ledger.applied())} of {EVENTS} applied")
    finally:
        await transport.close()


def consumers(redis_url: str, prefix: str) -> list[str]:
    with redis.Redis.from_url(redis_url, decode_responses=True) as client:
        return [c["name"] for c in client.xinfo_consumers(f"{prefix}events", GROUP)]


def test_a_consumer_killed_mid_batch_has_its_events_taken_over_at_once_on_this_machine(
    redis_url: str, prefix: str, tmp_path: Path
) -> None:
    ledger = Ledger(tmp_path / "ledger.db")
    kill_mid_batch(redis_url, prefix, "host-a:4242", ledger)
    took = asyncio.run(consume_until_applied(redis_url, prefix, "host-a:5151", ledger))
    assert took < 5, f"took {took:.1f}s"
    assert ledger.total() == sum(range(1, EVENTS + 1))  # each effect once
    handled = [consumer for _, consumer in ledger.handled()]
    assert handled.count("host-a:4242") == 3
    assert handled.count("host-a:5151") == EVENTS  # the three applied ones came again
    assert consumers(redis_url, prefix) == ["host-a:5151"]  # the dead one is forgotten


def test_a_process_restarted_under_the_same_name_first_takes_back_its_own_events(
    redis_url: str, prefix: str, tmp_path: Path
) -> None:
    ledger = Ledger(tmp_path / "ledger.db")
    kill_mid_batch(redis_url, prefix, "pod-7:1", ledger)  # a container: same hostname, pid 1
    # Four at a time: what it had pending takes several reads, all before claim_idle_ms.
    took = asyncio.run(consume_until_applied(redis_url, prefix, "pod-7:1", ledger, count=4))
    assert took < 5, f"took {took:.1f}s"
    assert ledger.total() == sum(range(1, EVENTS + 1))
    assert consumers(redis_url, prefix) == ["pod-7:1"]


def test_a_consumer_elsewhere_keeps_its_events_until_its_liveness_expires(
    redis_url: str, prefix: str, tmp_path: Path
) -> None:
    ledger = Ledger(tmp_path / "ledger.db")
    kill_mid_batch(redis_url, prefix, "host-b:77", ledger)
    # As if that process ran on another machine: no pid to look at, only its key's expiry.
    with redis.Redis.from_url(redis_url) as client:
        client.set(f"{prefix}events:consumer:host-b:77", "another-machine/pid:[1] 77", px=1500)
    expires_at = time.monotonic() + 1.5
    took = asyncio.run(
        consume_until_applied(redis_url, prefix, "host-a:9", ledger, consumer_ttl_ms=1000)
    )
    finished_at = time.monotonic()
    assert finished_at >= expires_at  # not taken while its owner counted as alive
    assert took < 1.5 + 2, f"took {took:.1f}s"
    assert ledger.total() == sum(range(1, EVENTS + 1))
    assert consumers(redis_url, prefix) == ["host-a:9"]
