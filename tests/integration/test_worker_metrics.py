"""``aic worker KIND --metrics-port PORT`` serves the worker's Prometheus metrics, or exits."""

from __future__ import annotations

import socket
import time
import uuid
from collections.abc import Iterator
from pathlib import Path

import httpx2
import psycopg
import pytest
from prometheus_client.parser import text_string_to_metric_families
from psycopg import sql

from tests.support.services import ServiceProcess, free_ports

pytestmark = [pytest.mark.slow, pytest.mark.postgres, pytest.mark.redis]


@pytest.fixture
def worker_env(
    tmp_path: Path, postgres_url: str, redis_url: str, redis_prefix: str
) -> Iterator[dict[str, str]]:
    """What a worker needs: a database of its own on PostgreSQL, and Redis Streams."""
    name = f"worker_{uuid.uuid4().hex[:8]}"
    with psycopg.connect(postgres_url, autocommit=True) as admin:
        admin.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    try:
        yield {
            "AIC_DATA_DIR": str(tmp_path / "data"),
            "AIC_DATABASE_URL": postgres_url.rsplit("/", 1)[0] + f"/{name}",
            "AIC_REDIS_URL": redis_url,
            "AIC_REDIS_PREFIX": f"{redis_prefix}{name}:",
            "AIC_BACKEND_HOST": "127.0.0.1",
            "AIC_AI_URL": f"http://127.0.0.1:{free_ports(1)[0]}",
        }
    finally:
        with psycopg.connect(postgres_url, autocommit=True) as admin:
            admin.execute(
                sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name))
            )


def _metric_names(text: str) -> set[str]:
    return {family.name for family in text_string_to_metric_families(text)}


def test_a_projections_worker_serves_its_projection_metrics(
    tmp_path: Path, worker_env: dict[str, str]
) -> None:
    port = free_ports(1)[0]
    args = ["worker", "projections", "--metrics-port", str(port)]
    worker = ServiceProcess(args, worker_env, tmp_path / "worker.log")
    try:
        url = f"http://127.0.0.1:{port}/metrics"
        names = _metric_names(worker.wait_until(url).text)
        deadline = time.monotonic() + 15
        while not any(n.startswith("aic_backend_projection") for n in names):
            assert time.monotonic() < deadline, f"no projection metrics in {sorted(names)}"
            time.sleep(0.2)
            names = _metric_names(httpx2.get(url).text)
    finally:
        assert worker.stop() == 0, worker.output()


def test_a_metrics_port_in_use_makes_the_worker_exit_naming_the_port(
    tmp_path: Path, worker_env: dict[str, str]
) -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        args = ["worker", "projections", "--metrics-port", str(port)]
        worker = ServiceProcess(args, worker_env, tmp_path / "worker.log")
        try:
            code = worker.process.wait(timeout=30)
        finally:
            worker.stop()
    assert code != 0
    output = worker.output()
    assert str(port) in output
    assert "metrics" in output
    assert "Traceback" not in output
