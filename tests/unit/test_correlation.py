"""Correlation ids: validated or generated, echoed, logged, and forwarded from backend to ai."""

from __future__ import annotations

import asyncio
import io
import json
import logging

import httpx2
import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from aic.asgi import install_http_stack
from aic.backend.adapters.gateway import AIServiceClient
from aic.observability.correlation import (
    current_correlation_id,
    set_correlation_id,
    valid_correlation_id,
)
from aic.observability.logging import configure_logging, get_logger
from aic.settings import CommonSettings


@pytest.mark.parametrize(
    "value", ["abc", "9f1c0b6e-5c1a-4c35-9d0e-1f2a3b4c5d6e", "00-4bf92f3577b34da6-01", "a" * 128]
)
def test_well_formed_ids_are_accepted(value: str) -> None:
    assert valid_correlation_id(value) == value


@pytest.mark.parametrize(
    "value", [None, "", "a" * 129, "has space", "new\nline", "<script>", "é", "id;drop"]
)
def test_malformed_ids_are_refused(value: str | None) -> None:
    assert valid_correlation_id(value) is None


def _echo_app() -> FastAPI:
    app = FastAPI()
    install_http_stack(app, CommonSettings())

    @app.get("/echo")
    async def echo() -> dict[str, str | None]:
        return {"seen": current_correlation_id()}

    return app


def test_a_valid_id_is_echoed_and_visible_to_the_handler() -> None:
    with TestClient(_echo_app()) as client:
        response = client.get("/echo", headers={"X-Correlation-ID": "req-42"})
    assert response.headers["x-correlation-id"] == "req-42"
    assert response.json() == {"seen": "req-42"}


@pytest.mark.parametrize("header", [{}, {"X-Correlation-ID": "bad id with spaces"}])
def test_a_missing_or_invalid_id_is_replaced_by_a_generated_one(header: dict[str, str]) -> None:
    with TestClient(_echo_app()) as client:
        response = client.get("/echo", headers=header)
    generated = response.headers["x-correlation-id"]
    assert len(generated) == 32
    assert generated != "bad id with spaces"
    assert response.json() == {"seen": generated}


def test_every_call_to_ai_carries_the_current_id_and_the_service_key() -> None:
    seen: list[httpx2.Request] = []

    def handler(request: httpx2.Request) -> httpx2.Response:
        seen.append(request)
        return httpx2.Response(200, json={"status": "ok"})

    async def scenario() -> None:
        client = AIServiceClient(
            "http://ai.test", "sk-test", transport=httpx2.MockTransport(handler)
        )
        set_correlation_id("lead-capture-7")
        await client.health()
        set_correlation_id(None)
        await client.health()
        await client.aclose()

    asyncio.run(scenario())
    assert seen[0].headers["x-correlation-id"] == "lead-capture-7"
    assert "x-correlation-id" not in seen[1].headers
    assert seen[0].headers["authorization"] == "Bearer sk-test"


def test_log_lines_are_json_with_service_level_event_and_correlation_id(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    stream = io.StringIO()
    monkeypatch.setattr("sys.stdout", stream)
    configure_logging("backend", "info", "json")
    try:
        with TestClient(_echo_app()) as client:
            client.get("/echo", headers={"X-Correlation-ID": "log-1"})
    finally:
        logging.getLogger().handlers.clear()
    lines = [json.loads(line) for line in stream.getvalue().splitlines()]
    access = [line for line in lines if line["event"] == "request"]
    assert len(access) == 1
    assert access[0] | {"timestamp": None, "pid": None, "duration_ms": None} == {
        "event": "request",
        "level": "info",
        "logger": "aic.access",
        "service": "backend",
        "correlation_id": "log-1",
        "method": "GET",
        "route": "/echo",
        "path": "/echo",
        "status": 200,
        "timestamp": None,
        "pid": None,
        "duration_ms": None,
    }


def test_a_logger_made_before_logging_is_configured_follows_the_configuration(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    early = get_logger("aic.early", part="relay")  # as module-level loggers are, at import
    stream = io.StringIO()
    monkeypatch.setattr("sys.stdout", stream)
    configure_logging("backend", "info", "json")
    try:
        early.info("published", count=3)
        early.bind(batch=7).warning("slow")
        early.debug("hidden below the level")
    finally:
        logging.getLogger().handlers.clear()
    lines = [json.loads(line) for line in stream.getvalue().splitlines()]
    assert [(line["event"], line["level"]) for line in lines] == [
        ("published", "info"),
        ("slow", "warning"),
    ]
    first, second = lines
    assert (first["logger"], first["part"], first["count"]) == ("aic.early", "relay", 3)
    assert first["service"] == "backend"
    assert second["batch"] == 7
