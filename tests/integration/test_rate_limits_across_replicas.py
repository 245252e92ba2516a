"""Two backend processes on one PostgreSQL and one Redis enforce one rate limit between them."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from pathlib import Path

import httpx2
import psycopg
import pytest
from psycopg import sql

from tests.support.services import ServiceProcess, free_ports

pytestmark = [pytest.mark.slow, pytest.mark.postgres, pytest.mark.redis]

EVENTS = {"events": [{"kind": "page_view", "visitor_id": "v-ratelimit", "path": "/pricing"}]}


@pytest.fixture
def database(postgres_url: str) -> Iterator[str]:
    name = f"replicas_{uuid.uuid4().hex[:8]}"
    with psycopg.connect(postgres_url, autocommit=True) as admin:
        admin.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    try:
        yield postgres_url.rsplit("/", 1)[0] + f"/{name}"
    finally:
        with psycopg.connect(postgres_url, autocommit=True) as admin:
            admin.execute(
                sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name))
            )


def test_the_sixth_public_request_is_refused_whichever_replica_gets_it(
    tmp_path: Path, database: str, redis_url: str, redis_prefix: str
) -> None:
    ports = free_ports(3)  # two backends, and an ai that is not there
    env = {
        "AIC_DATA_DIR": str(tmp_path / "data"),
        "AIC_DATABASE_URL": database,
        "AIC_REDIS_URL": redis_url,
        "AIC_REDIS_PREFIX": f"{redis_prefix}{uuid.uuid4().hex[:8]}:",
        "AIC_AI_URL": f"http://127.0.0.1:{ports[2]}",
        "AIC_RATE_LIMITS_ENABLED": "true",
        "AIC_RATE_LIMIT_PUBLIC": "5/minute",
        "AIC_HEALTH_TIMEOUT_SECONDS": "1",
    }
    replicas = [
        ServiceProcess(["backend", "--port", str(port)], env, tmp_path / f"backend-{port}.log")
        for port in ports[:2]
    ]
    urls = [f"http://127.0.0.1:{port}" for port in ports[:2]]
    try:
        for replica, url in zip(replicas, urls, strict=True):
            replica.wait_until(f"{url}/api/health/live", timeout=60)
        answers = [httpx2.post(f"{urls[i % 2]}/api/track", json=EVENTS) for i in range(6)]
        assert [a.status_code for a in answers[:5]] == [200] * 5, answers[-1].text
        assert [a.headers["x-ratelimit-remaining"] for a in answers[:5]] == list("43210")
        refused = answers[5]
        assert refused.status_code == 429
        assert refused.json()["error"]["code"] == "rate_limited"
        assert 1 <= int(refused.headers["retry-after"]) <= 60
        assert refused.headers["x-ratelimit-limit"] == "5"
        metrics = httpx2.get(f"{urls[1]}/metrics").text
        assert 'aic_rate_limited_total{category="public",service="backend"} 1.0' in metrics
        # The health probes are no API route: never limited, so Kubernetes keeps its view.
        assert httpx2.get(f"{urls[0]}/api/health/live").status_code == 200
    finally:
        for replica in replicas:
            replica.stop()
