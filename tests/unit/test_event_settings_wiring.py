"""The event transport, consumer, relay and lease settings reach the adapters they tune."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest
import redis.asyncio as redis_async
from pydantic import ValidationError

from aic.backend.adapters.leases import FileLease, RedisLease
from aic.backend.adapters.transport import InProcessEventTransport, RedisStreamsEventTransport
from aic.backend.application.ports import StoredEvent
from aic.backend.bootstrap import bootstrap
from aic.backend.settings import BackendSettings
from aic.backend.wiring import build_transport, consumer_worker, lease_for, projections_busy

TUNED = {
    "AIC_EVENT_BATCH_SIZE": "17",
    "AIC_EVENT_BLOCK_MS": "250",
    "AIC_EVENT_CLAIM_IDLE_MS": "4500",
    "AIC_EVENT_MAX_DELIVERIES": "9",
    "AIC_EVENT_DEAD_LETTERS_KEPT": "321",
    "AIC_EVENT_STREAM_MAXLEN": "50000",
    "AIC_EVENT_STREAM_TRIM_EVERY": "77",
    "AIC_EVENT_BUFFER_SIZE": "2000",
    "AIC_EVENT_CONSUMER_TTL_MS": "6000",
    "AIC_RELAY_BATCH_SIZE": "42",
    "AIC_LEASE_TTL_SECONDS": "12.5",
    "AIC_LEASE_RENEW_SECONDS": "2.5",
}


@pytest.fixture
def settings(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> BackendSettings:
    for name, value in TUNED.items():
        monkeypatch.setenv(name, value)
    monkeypatch.setenv("AIC_DATA_DIR", str(tmp_path))
    monkeypatch.delenv("AIC_REDIS_URL", raising=False)
    monkeypatch.delenv("AIC_DATABASE_URL", raising=False)
    return BackendSettings()


def test_the_in_process_transport_takes_its_buffer_claim_and_delivery_limits_from_settings(
    settings: BackendSettings,
) -> None:
    transport = build_transport(settings, None)
    assert isinstance(transport, InProcessEventTransport)
    assert transport._max_buffered == 2000
    assert transport._visibility == 4.5
    assert transport._max_deliveries == 9
    assert transport._max_dead == 321


def test_the_redis_transport_takes_its_stream_claim_and_liveness_limits_from_settings(
    settings: BackendSettings,
) -> None:
    redis_settings = settings.model_copy(update={"redis_url": "redis://127.0.0.1:1/0"})
    client = redis_async.Redis.from_url("redis://127.0.0.1:1/0")  # never connected here
    transport = build_transport(redis_settings, client)
    assert isinstance(transport, RedisStreamsEventTransport)
    assert transport._maxlen == 50_000
    assert transport._trim_every == 77
    assert transport._claim_idle_ms == 4500
    assert transport._max_deliveries == 9
    assert transport._dead_maxlen == 321
    assert transport._liveness.ttl_ms == 6000


def test_a_redis_lease_lives_for_the_configured_ttl(settings: BackendSettings) -> None:
    client = redis_async.Redis.from_url("redis://127.0.0.1:1/0")
    lease = lease_for("outbox-relay", settings, client)
    assert isinstance(lease, RedisLease)
    assert lease.ttl_ms == 12_500
    assert isinstance(lease_for("outbox-relay", settings, None), FileLease)


def test_consumers_read_batches_of_the_configured_size_and_wait(
    settings: BackendSettings,
) -> None:
    async def handle(event: StoredEvent) -> None:
        return None

    worker = consumer_worker(settings, build_transport(settings, None), "sagas", "c1", handle)
    assert (worker._count, worker._block_ms) == (17, 250)


def test_the_relay_publishes_batches_of_the_configured_size_and_renews_its_lease_in_time(
    settings: BackendSettings,
) -> None:
    async def scenario() -> None:
        async with bootstrap(settings, run_loops=False) as container:
            assert container.relay._batch_size == 42
            assert container.relay._renew_every == 2.5
            assert isinstance(container.transport, InProcessEventTransport)
            assert container.transport._max_deliveries == 9

    asyncio.run(scenario())


def test_a_lease_renewed_less_often_than_half_its_ttl_is_refused(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("AIC_LEASE_TTL_SECONDS", "5")
    monkeypatch.setenv("AIC_LEASE_RENEW_SECONDS", "3")
    with pytest.raises(ValidationError, match="at most half"):
        BackendSettings()


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("AIC_EVENT_MAX_DELIVERIES", "0"),
        ("AIC_EVENT_CLAIM_IDLE_MS", "10"),
        ("AIC_EVENT_STREAM_MAXLEN", "10"),
        ("AIC_EVENT_BATCH_SIZE", "0"),
        ("AIC_EVENT_CONSUMER_TTL_MS", "100"),
    ],
)
def test_transport_settings_out_of_range_are_refused(
    monkeypatch: pytest.MonkeyPatch, name: str, value: str
) -> None:
    monkeypatch.setenv(name, value)
    with pytest.raises(ValidationError):
        BackendSettings()


def test_sagas_wait_only_when_more_events_than_the_threshold_wait_for_the_projections() -> None:
    class Backlogged(InProcessEventTransport):
        def __init__(self) -> None:
            super().__init__()
            self.waiting, self.looks = 0, 0

        async def backlog(self, group: str) -> int:
            assert group == "projections"
            self.looks += 1
            if self.waiting < 0:
                raise ConnectionError("redis is away")
            return self.waiting

    async def scenario() -> None:
        transport = Backlogged()
        assert projections_busy(InProcessEventTransport(), 20) is None  # nobody can tell
        assert projections_busy(transport, 0) is None  # turned off
        busy = projections_busy(transport, 20)
        assert busy is not None
        transport.waiting = 20
        assert not await busy()
        assert not await busy()  # within 10 ms: the last answer, no second look
        assert transport.looks == 1
        await asyncio.sleep(0.02)
        transport.waiting = 21
        assert await busy()
        await asyncio.sleep(0.02)
        transport.waiting = -1
        assert not await busy()  # Redis away: sagas need not wait for it

    asyncio.run(scenario())
