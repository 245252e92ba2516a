"""With backend and ai as separate processes, stopping ai degrades the backend, never fails it."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.support.services import ServiceProcess, free_ports

pytestmark = pytest.mark.slow


def test_readiness_turns_degraded_when_ai_stops_and_ok_when_it_returns(tmp_path: Path) -> None:
    backend_port, ai_port = free_ports(2)
    env = {
        "AIC_DATA_DIR": str(tmp_path / "data"),
        "AIC_AI_URL": f"http://127.0.0.1:{ai_port}",
        "AIC_HEALTH_TIMEOUT_SECONDS": "1",
    }
    ready = f"http://127.0.0.1:{backend_port}/api/health"
    ai = ServiceProcess(["ai", "--port", str(ai_port)], env, tmp_path / "ai.log")
    backend = ServiceProcess(["backend", "--port", str(backend_port)], env, tmp_path / "b.log")
    try:
        ai.wait_until(f"http://127.0.0.1:{ai_port}/health")
        assert backend.wait_until(ready).json()["status"] == "ok"
        assert ai.stop() == 0
        degraded = backend.wait_until(ready).json()
        assert degraded["status"] == "degraded"
        assert degraded["checks"]["ai"]["status"] == "down"
        assert degraded["checks"]["event_store"]["status"] == "up"
        ai = ServiceProcess(["ai", "--port", str(ai_port)], env, tmp_path / "ai2.log")
        ai.wait_until(f"http://127.0.0.1:{ai_port}/health")
        assert backend.wait_until(ready).json()["status"] == "ok"
    finally:
        ai.stop()
        backend.stop()
