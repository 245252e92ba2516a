"""``--workers N``: metrics add up across workers; unsafe combinations are refused."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import httpx2
import pytest
from prometheus_client.parser import text_string_to_metric_families

from tests.support.services import ServiceProcess, free_ports

pytestmark = pytest.mark.slow


def _metric_sum(text: str, sample_name: str, **labels: str) -> float:
    total = 0.0
    for family in text_string_to_metric_families(text):
        for sample in family.samples:
            if sample.name == sample_name and all(
                sample.labels.get(k) == v for k, v in labels.items()
            ):
                total += sample.value
    return total


def _serve_until_both_workers_answered(
    service: ServiceProcess, url: str, route: str, limit: int = 400
) -> int:
    """Send requests (a new connection each) until two worker pids have logged one."""
    sent = 0
    pids: set[int] = set()
    while sent < limit and len(pids) < 2:
        for _ in range(20):
            assert httpx2.get(url).status_code == 200
            sent += 1
        pids = {
            line["pid"]
            for line in service.log_lines()
            if line.get("event") == "request" and line.get("route") == route
        }
    assert len(pids) == 2, f"only {pids} answered {sent} requests"
    return sent


@pytest.fixture
def workers_env(tmp_path: Path) -> Iterator[dict[str, str]]:
    return {"AIC_DATA_DIR": str(tmp_path / "data")}


def test_ai_metrics_cover_both_workers(tmp_path: Path, workers_env: dict[str, str]) -> None:
    port = free_ports(1)[0]
    ai = ServiceProcess(
        ["ai", "--workers", "2", "--port", str(port)], workers_env, tmp_path / "ai.log"
    )
    try:
        base = f"http://127.0.0.1:{port}"
        ai.wait_until(f"{base}/health")
        sent = _serve_until_both_workers_answered(ai, f"{base}/health/detailed", "/health/detailed")
        text = httpx2.get(f"{base}/metrics").text
        assert _metric_sum(text, "aic_ai_requests_total", route="/health/detailed") == sent
        assert (
            _metric_sum(text, "aic_ai_request_duration_seconds_count", route="/health/detailed")
            == sent
        )
    finally:
        assert ai.stop() == 0


@pytest.mark.redis
def test_backend_metrics_cover_both_workers_with_redis(
    tmp_path: Path, workers_env: dict[str, str], redis_url: str, redis_prefix: str
) -> None:
    port = free_ports(1)[0]
    env = {**workers_env, "AIC_REDIS_URL": redis_url, "AIC_REDIS_PREFIX": redis_prefix}
    backend = ServiceProcess(
        ["backend", "--workers", "2", "--port", str(port)], env, tmp_path / "b.log"
    )
    try:
        base = f"http://127.0.0.1:{port}"
        backend.wait_until(f"{base}/api/health")  # not the route counted below
        sent = _serve_until_both_workers_answered(
            backend, f"{base}/api/health/live", "/api/health/live"
        )
        text = httpx2.get(f"{base}/metrics").text
        count = _metric_sum(
            text, "aic_backend_http_request_duration_seconds_count", route="/api/health/live"
        )
        assert count == sent
    finally:
        assert backend.stop() == 0


def test_several_backend_workers_without_redis_are_refused(
    tmp_path: Path, workers_env: dict[str, str]
) -> None:
    port = free_ports(1)[0]
    backend = ServiceProcess(
        ["backend", "--workers", "2", "--port", str(port)], workers_env, tmp_path / "b.log"
    )
    assert backend.process.wait(timeout=30) == 2
    output = backend.output()
    assert "AIC_REDIS_URL" in output
    assert "in-process event bus" in output
    backend.stop()


def test_reload_mode_serves_and_stops_cleanly(tmp_path: Path, workers_env: dict[str, str]) -> None:
    port = free_ports(1)[0]
    ai = ServiceProcess(["ai", "--reload", "--port", str(port)], workers_env, tmp_path / "r.log")
    try:
        ai.wait_until(f"http://127.0.0.1:{port}/health")
        text = httpx2.get(f"http://127.0.0.1:{port}/metrics").text
        assert "aic_ai_requests_total" in text  # multiprocess mode: the reloader's child
    finally:
        assert ai.stop() == 0
