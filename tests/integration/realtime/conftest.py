"""A backend process under test (SQLite, or PostgreSQL with Redis), with signed-in staff."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx2
import psycopg
import pytest

from aic.backend.settings import BackendSettings
from tests.integration.realtime.staff import JWT_SECRET, Staff, create_staff
from tests.support.services import ServiceProcess, free_ports


@dataclass
class Backend:
    port: int
    settings: BackendSettings
    staff: Staff
    process: ServiceProcess
    env: dict[str, str]

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def token(self, name: str) -> str:
        return self.staff.tokens[name]

    def bearer(self, name: str) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.token(name)}"}

    def capture_lead(self, marker: str, index: int, message: str = "") -> None:
        form = {
            "email": f"lead{index}@{marker}.example",
            "name": f"Lead {index}",
            "company": f"Company {marker}",
            "message": message,
        }
        response = httpx2.post(f"{self.url}/api/leads", json=form, timeout=10)
        assert response.status_code == 202, response.text

    def feed(self, after: int = 0) -> list[dict[str, Any]]:
        """Every stored event after ``after``, in the global order (the audit feed)."""
        events: list[dict[str, Any]] = []
        while True:
            page = httpx2.get(
                f"{self.url}/api/events",
                params={"after": after, "limit": 1000},
                headers=self.bearer("admin"),
                timeout=10,
            ).json()
            events += page["events"]
            if not page["events"]:
                return events
            after = page["next_after"]

    def head(self) -> int:
        events = self.feed()
        return events[-1]["position"] if events else 0


def database_options(request: pytest.FixtureRequest, kind: str) -> dict[str, Any]:
    """Settings of a fresh PostgreSQL database and Redis prefix (nothing for SQLite)."""
    if kind == "sqlite":
        return {}
    base: str = request.getfixturevalue("postgres_url")
    name = f"realtime_{uuid.uuid4().hex[:8]}"
    with psycopg.connect(base, autocommit=True) as admin:
        admin.execute(f'CREATE DATABASE "{name}"')
    prefix: str = request.getfixturevalue("redis_prefix")
    return {
        "database_url": base.rsplit("/", 1)[0] + f"/{name}",
        "redis_url": request.getfixturevalue("redis_url"),
        "redis_prefix": f"{prefix}{name}:",
    }


def environment(settings: BackendSettings, **extra: Any) -> dict[str, str]:
    env = {
        "AIC_DATA_DIR": str(settings.data_dir),
        "AIC_JWT_SECRET": JWT_SECRET,
        "AIC_AI_URL": settings.ai_url,
        "AIC_LOG_LEVEL": "warning",
        "AIC_RATE_LIMIT_PUBLIC": "100000/minute",
        "AIC_RATE_LIMIT_AUTHENTICATED": "100000/minute",
    }
    for name in ("database_url", "redis_url", "redis_prefix"):
        value = getattr(settings, name)
        if value and name in settings.model_fields_set:
            env[f"AIC_{name.upper()}"] = str(value)
    env.update({f"AIC_{name.upper()}": str(value) for name, value in extra.items()})
    return env


def start_backend(
    folder: Path, options: dict[str, Any], name: str = "backend", **extra: Any
) -> Backend:
    """Accounts first (through the identity services), then ``aic backend`` on a free port."""
    settings = BackendSettings(
        data_dir=folder / "data",
        ai_url=f"http://127.0.0.1:{free_ports(1)[0]}",
        jwt_secret=JWT_SECRET,
        **options,
    )
    staff = create_staff(settings)
    return launch(settings, staff, folder / f"{name}.log", **extra)


def launch(settings: BackendSettings, staff: Staff, log: Path, **extra: Any) -> Backend:
    port = free_ports(1)[0]
    env = environment(settings, **extra)
    process = ServiceProcess(["backend", "--port", str(port)], env, log)
    process.wait_until(f"http://127.0.0.1:{port}/api/health/live")
    return Backend(port, settings, staff, process, env)


@pytest.fixture(
    scope="module",
    params=[
        "sqlite",
        pytest.param("postgres+redis", marks=[pytest.mark.postgres, pytest.mark.redis]),
    ],
)
def backend(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Backend]:
    folder = tmp_path_factory.mktemp("realtime")
    started = start_backend(
        folder, database_options(request, request.param), realtime_heartbeat_seconds=0.5
    )
    try:
        yield started
    finally:
        started.process.stop()
