"""Backend readiness against real dependencies: ok, degraded without ai, 503 without a store."""

from __future__ import annotations

import uuid
from pathlib import Path
from typing import Any

import psycopg
import pytest
from fastapi.testclient import TestClient

from aic.backend.entrypoints.app import create_app
from aic.backend.settings import BackendSettings
from tests.support.services import free_ports


def _readiness(tmp_path: Path, **settings: Any) -> tuple[int, dict[str, Any]]:
    closed_port = free_ports(1)[0]
    settings.setdefault("ai_url", f"http://127.0.0.1:{closed_port}")
    app = create_app(BackendSettings(data_dir=tmp_path, health_timeout_seconds=1.0, **settings))
    with TestClient(app) as client:
        assert client.get("/api/health/live").json()["status"] == "ok"
        response = client.get("/api/health")
    return response.status_code, response.json()


def test_with_ai_stopped_the_backend_is_degraded_but_ready(tmp_path: Path) -> None:
    status, body = _readiness(tmp_path)
    assert status == 200
    assert body["status"] == "degraded"
    checks = body["checks"]
    assert checks["ai"]["status"] == "down"
    assert checks["ai"]["required"] is False
    assert checks["event_store"] == checks["event_store"] | {"status": "up", "adapter": "sqlite"}
    assert {checks["event_bus"]["adapter"], checks["cache"]["adapter"]} == {"inprocess", "memory"}
    assert (tmp_path / "backend.db").exists()


@pytest.mark.postgres
def test_an_event_store_that_goes_away_makes_the_backend_unavailable(
    tmp_path: Path, postgres_url: str
) -> None:
    name = f"gone_{uuid.uuid4().hex[:8]}"
    with psycopg.connect(postgres_url, autocommit=True) as admin:
        admin.execute(f'CREATE DATABASE "{name}"')
    url = postgres_url.rsplit("/", 1)[0] + f"/{name}"
    settings = BackendSettings(
        data_dir=tmp_path,
        database_url=url,
        ai_url=f"http://127.0.0.1:{free_ports(1)[0]}",
        health_timeout_seconds=1.0,
    )
    with TestClient(create_app(settings)) as client:
        assert client.get("/api/health").status_code == 200
        with psycopg.connect(postgres_url, autocommit=True) as admin:
            admin.execute(f'DROP DATABASE "{name}" WITH (FORCE)')
        response = client.get("/api/health")
        assert response.status_code == 503
        body = response.json()
        assert body["status"] == "unavailable"
        assert body["checks"]["event_store"]["status"] == "down"
        assert body["checks"]["event_store"]["error"]
        assert client.get("/api/health/live").status_code == 200  # alive: no restart loop


def test_a_backend_whose_database_cannot_be_opened_does_not_start(tmp_path: Path) -> None:
    (tmp_path / "not-a-folder").write_text("a file where a folder should be")
    url = f"sqlite:///{tmp_path}/not-a-folder/backend.db"
    app = create_app(BackendSettings(data_dir=tmp_path, database_url=url))
    with pytest.raises(Exception, match="unable to open database"), TestClient(app):
        pass


@pytest.mark.postgres
def test_the_event_store_on_postgresql_is_probed(tmp_path: Path, postgres_url: str) -> None:
    status, body = _readiness(tmp_path, database_url=postgres_url)
    assert status == 200
    assert body["checks"]["event_store"] | {"latency_ms": 0} == {
        "status": "up",
        "required": True,
        "adapter": "postgresql",
        "latency_ms": 0,
        "error": None,
    }


@pytest.mark.redis
def test_with_redis_the_bus_and_cache_are_probed_there(tmp_path: Path, redis_url: str) -> None:
    status, body = _readiness(tmp_path, redis_url=redis_url)
    assert status == 200
    assert body["checks"]["event_bus"]["adapter"] == "redis-streams"
    assert body["checks"]["event_bus"]["status"] == "up"
    assert body["checks"]["cache"]["status"] == "up"


def test_an_unreachable_redis_makes_the_backend_unavailable(tmp_path: Path) -> None:
    closed = free_ports(1)[0]
    status, body = _readiness(tmp_path, redis_url=f"redis://127.0.0.1:{closed}/0")
    assert status == 503
    assert body["checks"]["event_bus"]["status"] == "down"
    assert body["checks"]["cache"]["status"] == "down"
