"""A running backend app (lifespan, loops) on SQLite, or on PostgreSQL with Redis Streams.

``api`` is signed in as the first administrator (who may call every route); tests of what
other callers may do build their own clients (``tests.support.identity``).
"""

from __future__ import annotations

import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from aic.backend.entrypoints.app import create_app
from aic.backend.settings import BackendSettings
from tests.support.identity import (
    ADMIN_EMAIL,
    bearer,
    cheap_password_hashing,
    create_admin,
    sign_in,
)
from tests.support.services import free_ports

# The backends every API test runs on; a fixture parametrized with these gets ``request.param``.
BACKENDS = [
    "sqlite",
    pytest.param("postgres+redis", marks=[pytest.mark.postgres, pytest.mark.redis]),
]


def backend_settings(
    request: pytest.FixtureRequest, folder: Path, **overrides: Any
) -> BackendSettings:
    """Settings of a backend on SQLite, or on a new PostgreSQL database with Redis Streams."""
    options: dict[str, Any] = {}
    if request.param != "sqlite":
        base: str = request.getfixturevalue("postgres_url")
        database = f"api_{uuid.uuid4().hex[:8]}"
        import psycopg

        with psycopg.connect(base, autocommit=True) as admin:
            admin.execute(f'CREATE DATABASE "{database}"')
        options["database_url"] = base.rsplit("/", 1)[0] + f"/{database}"
        options["redis_url"] = request.getfixturevalue("redis_url")
        options["redis_prefix"] = request.getfixturevalue("redis_prefix") + f"{database}:"
    return BackendSettings(
        data_dir=folder,
        ai_url=f"http://127.0.0.1:{free_ports(1)[0]}",
        health_timeout_seconds=1.0,
        jwt_ttl_seconds=86_400,  # a module's tests outlive the default 15 minutes
        **options,
        **overrides,
    )


@contextmanager
def signed_in(app: FastAPI) -> Iterator[TestClient]:
    """``app`` running, its client signed in as the first administrator."""
    with TestClient(app, raise_server_exceptions=False) as client:
        cheap_password_hashing(client)
        create_admin(client)
        client.headers.update(bearer(sign_in(client, ADMIN_EMAIL)["access_token"]))
        yield client


@pytest.fixture(scope="module", params=BACKENDS)
def api(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[TestClient]:
    settings = backend_settings(request, tmp_path_factory.mktemp("backend"))
    with signed_in(create_app(settings)) as client:
        yield client


def eventually(check: Callable[[], Any], timeout: float = 10.0) -> Any:
    """Poll ``check`` until it returns something truthy (read models follow commands)."""
    deadline = time.monotonic() + timeout
    while True:
        result = check()
        if result:
            return result
        if time.monotonic() > deadline:
            raise AssertionError(f"not true after {timeout} s: {check}")
        time.sleep(0.05)
