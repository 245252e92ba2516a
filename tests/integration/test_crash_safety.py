"""Kill -9 the backend amid 500 lead captures; keyed retries make each lead exist once."""

from __future__ import annotations

import asyncio
import signal
import time
import uuid
from pathlib import Path

import httpx2
import psycopg
import pytest

from tests.support.services import ServiceProcess, free_ports

pytestmark = pytest.mark.slow

LEADS = 500

SERVICE_KEY = "aic_sk_crash-test-service-key"
AS_SERVICE = {"X-API-Key": SERVICE_KEY}


async def _capture_all(
    base: str,
    marker: str,
    keys: list[str],
    done: set[int] | None = None,
    answers: list[int] | None = None,
    indexes: list[int] | None = None,
) -> set[int]:
    """Send every capture (50 at a time); return the indexes that got a 202 (also added to
    ``done`` as they come, so a caller can act mid-way); other statuses go to ``answers``."""
    done = set() if done is None else done
    answers = [] if answers is None else answers
    limits = httpx2.Limits(max_connections=50)
    async with httpx2.AsyncClient(base_url=base, timeout=10.0, limits=limits) as client:
        semaphore = asyncio.Semaphore(50)

        async def one(i: int) -> None:
            async with semaphore:
                form = {
                    "email": f"lead{i}@crash-{marker}.example",
                    "name": f"Lead {i}",
                    "company": f"Crash {marker}",
                }
                try:
                    response = await client.post(
                        "/api/leads", json=form, headers={"Idempotency-Key": keys[i]}
                    )
                except httpx2.HTTPError:
                    answers.append(-1)  # no answer (timeout, connection reset)
                    return
                if response.status_code == 202:
                    done.add(i)
                else:
                    answers.append(response.status_code)

        todo = range(len(keys)) if indexes is None else indexes
        await asyncio.gather(*(one(i) for i in todo))
    return done


@pytest.fixture(
    params=[
        "sqlite",
        pytest.param("postgres+redis", marks=[pytest.mark.postgres, pytest.mark.redis]),
    ]
)
def backend_env(request: pytest.FixtureRequest, tmp_path: Path) -> dict[str, str]:
    env = {
        "AIC_DATA_DIR": str(tmp_path / "data"),
        "AIC_LOG_LEVEL": "warning",
        "AIC_SERVICE_API_KEY": SERVICE_KEY,  # the checks read as the service role
    }
    if request.param == "sqlite":
        return env
    base: str = request.getfixturevalue("postgres_url")
    name = f"crash_{uuid.uuid4().hex[:8]}"
    with psycopg.connect(base, autocommit=True) as admin:
        admin.execute(f'CREATE DATABASE "{name}"')
    prefix: str = request.getfixturevalue("redis_prefix")
    return env | {
        "AIC_DATABASE_URL": base.rsplit("/", 1)[0] + f"/{name}",
        "AIC_REDIS_URL": request.getfixturevalue("redis_url"),
        "AIC_REDIS_PREFIX": f"{prefix}{name}:",
    }


def test_every_lead_exists_exactly_once_after_a_crash_and_keyed_retries(
    tmp_path: Path, backend_env: dict[str, str]
) -> None:
    port = free_ports(1)[0]
    base = f"http://127.0.0.1:{port}"
    env = backend_env
    marker = uuid.uuid4().hex[:8]
    keys = [f"{marker}-{i}" for i in range(LEADS)]
    backend = ServiceProcess(["backend", "--port", str(port)], env, tmp_path / "b1.log")
    backend.wait_until(f"{base}/api/health/live")

    async def crash_midway() -> set[int]:
        done: set[int] = set()
        capture = asyncio.create_task(_capture_all(base, marker, keys, done))
        for _ in range(3000):  # bounded: kill once a fifth is acknowledged
            if len(done) >= LEADS // 5 or capture.done():
                break
            await asyncio.sleep(0.005)
        backend.process.send_signal(signal.SIGKILL)
        return await capture

    acknowledged = asyncio.run(crash_midway())
    backend.stop()
    assert 0 < len(acknowledged) < LEADS, "the crash should interrupt the captures"

    restarted = ServiceProcess(["backend", "--port", str(port)], env, tmp_path / "b2.log")
    try:
        restarted.wait_until(f"{base}/api/health/live")
        missing = [i for i in range(LEADS) if i not in acknowledged]
        # Retry every unacknowledged capture with its key, as a client would, until each is
        # acknowledged (a restarted backend catching up may time a few out at first).
        retried: set[int] = set()
        answers: list[int] = []
        for _ in range(5):
            pending = [i for i in range(LEADS) if i not in retried]
            if not pending:
                break
            retried |= asyncio.run(_capture_all(base, marker, keys, None, answers, pending))
        missed = LEADS - len(retried)
        assert retried == set(range(LEADS)), f"{missed} never acknowledged; answers: {answers}"
        assert not [code for code in answers if code >= 500], answers
        assert missing  # some were retried for real
        # With Redis Streams, what the killed process had read but not acknowledged goes to
        # the restarted one at once (its predecessor's pid is gone), not after
        # claim_idle_ms (30 s); the bound only allows for a slow machine catching up.
        deadline = time.monotonic() + 60
        total = 0
        while time.monotonic() < deadline:
            query = {"search": marker, "limit": 1}
            page = httpx2.get(f"{base}/api/leads", params=query, headers=AS_SERVICE).json()
            total = page["total"]
            if total >= LEADS:
                break
            time.sleep(0.2)
        assert total == LEADS  # the read model caught up, with no duplicate
        captured: list[str] = []
        after = 0
        while True:
            query = {"after": after, "limit": 1000}
            feed = httpx2.get(f"{base}/api/events", params=query, headers=AS_SERVICE).json()
            if not feed["events"]:
                break
            captured += [e["data"]["email"] for e in feed["events"] if e["type"] == "LeadCaptured"]
            after = feed["next_after"]
        mine = [email for email in captured if marker in email]
        assert len(mine) == len(set(mine)) == LEADS
    finally:
        restarted.stop()
