"""``aic up`` as a user runs it: every service ready, logs linked, metrics valid, clean stop."""

from __future__ import annotations

import signal
import subprocess
import time
import uuid
from collections.abc import Iterator
from pathlib import Path

import httpx2
import psutil
import pytest

from aic.web.portals import PORTALS
from tests.integration.platform import RunningPlatform, start_platform
from tests.support.services import require_tool

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def platform(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningPlatform]:
    running = start_platform(tmp_path_factory.mktemp("platform"))
    yield running
    running.process.stop()


def test_readiness_is_green_with_every_dependency_up(platform: RunningPlatform) -> None:
    body = httpx2.get(f"{platform.backend}/api/health").json()
    assert body["status"] == "ok"
    assert {name: c["status"] for name, c in body["checks"].items()} == {
        "event_store": "up",
        "event_bus": "up",
        "cache": "up",
        "ai": "up",
    }
    detailed = httpx2.get(f"{platform.ai}/health/detailed").json()
    assert detailed["service"] == "ai"
    assert {p["name"] for p in detailed["providers"]} >= {"openai", "anthropic", "ollama"}


def test_one_correlation_id_links_the_log_lines_of_both_services(platform: RunningPlatform) -> None:
    correlation_id = f"it-{uuid.uuid4().hex}"
    response = httpx2.get(
        f"{platform.backend}/api/health", headers={"X-Correlation-ID": correlation_id}
    )
    assert response.headers["x-correlation-id"] == correlation_id
    deadline = time.monotonic() + 5
    services: set[str] = set()
    while time.monotonic() < deadline and services != {"backend", "ai"}:
        lines = [
            line
            for line in platform.process.log_lines()
            if line.get("correlation_id") == correlation_id
        ]
        services = {line["service"] for line in lines}
        time.sleep(0.1)
    assert services == {"backend", "ai"}
    for line in lines:
        assert {"timestamp", "level", "service", "event", "correlation_id"} <= set(line)
    backend_access = next(line for line in lines if line["service"] == "backend")
    assert backend_access | {"duration_ms": 0} == backend_access | {
        "event": "request",
        "method": "GET",
        "route": "/api/health",
        "status": 200,
        "duration_ms": 0,
    }


@pytest.mark.promtool
@pytest.mark.parametrize("service", ["backend", "ai"])
def test_metrics_pass_promtool(platform: RunningPlatform, service: str) -> None:
    promtool = require_tool("promtool")
    base = platform.backend if service == "backend" else platform.ai
    httpx2.get(f"{base}/no/such/route")
    text = httpx2.get(f"{base}/metrics").text
    expected = (
        ["aic_backend_http_request_duration_seconds_bucket"]
        if service == "backend"
        else [
            "aic_ai_requests_total",
            "aic_ai_request_duration_seconds",
            "aic_ai_active_connections",
        ]
    )
    for name in expected:
        assert name in text
    assert 'route="<unmatched>"' in text
    assert "/no/such/route" not in text
    check = subprocess.run(
        [promtool, "check", "metrics"], input=text, capture_output=True, text=True, check=False
    )
    assert check.returncode == 0, check.stdout + check.stderr


def test_every_portal_serves_its_page_with_external_css_only(platform: RunningPlatform) -> None:
    for portal in PORTALS:
        base = platform.portals[portal.key]
        page = httpx2.get(f"{base}/")
        assert page.status_code == 200
        assert portal.name in page.text
        assert "<script" not in page.text
        assert "style=" not in page.text
        assert "script-src 'self'" in page.headers["content-security-policy"]
        assert httpx2.get(f"{base}/static/portal.css").status_code == 200


def test_bad_input_never_reaches_a_handler_nor_makes_a_5xx(platform: RunningPlatform) -> None:
    for base in (platform.backend, platform.ai):
        missing = httpx2.get(f"{base}/nope")
        assert missing.status_code == 404
        assert missing.json()["error"]["code"] == "not_found"
        huge = httpx2.post(f"{base}/health", content=b"x" * 2_000_000)
        assert huge.status_code == 413
        assert huge.json()["error"]["code"] == "payload_too_large"


def test_sigterm_stops_every_child_and_leaves_no_orphan(tmp_path: Path) -> None:
    running = start_platform(tmp_path)
    parent = psutil.Process(running.process.process.pid)
    descendants = parent.children(recursive=True)
    commands = {" ".join(p.cmdline()[-1:]) for p in descendants}
    assert {"backend", "ai", "web"} <= commands
    code = running.process.stop(signal.SIGTERM)
    assert code == 0
    _gone, alive = psutil.wait_procs(descendants, timeout=10)
    assert alive == [], f"left running: {[p.cmdline() for p in alive]}"
    assert "stopped." in running.process.output()
