"""Metrics carry the seed's names and label routes by template, never by raw path."""

from __future__ import annotations

from fastapi import FastAPI
from fastapi.testclient import TestClient
from prometheus_client import CollectorRegistry

from aic.asgi import add_metrics_route, install_http_stack
from aic.observability.metrics import AIHttpMetrics, BackendHttpMetrics
from aic.settings import CommonSettings


def _app(
    metrics_class: type[BackendHttpMetrics] | type[AIHttpMetrics],
) -> tuple[FastAPI, CollectorRegistry]:
    registry = CollectorRegistry()
    app = FastAPI()
    install_http_stack(app, CommonSettings(), metrics=metrics_class(registry))
    add_metrics_route(app, registry)

    @app.get("/api/leads/{lead_id}")
    async def lead(lead_id: str) -> dict[str, str]:
        return {"id": lead_id}

    return app, registry


def test_backend_durations_are_labelled_by_route_template_and_status() -> None:
    app, registry = _app(BackendHttpMetrics)
    with TestClient(app) as client:
        for lead_id in ("a1", "b2", "c3"):
            client.get(f"/api/leads/{lead_id}")
        client.get("/secret/path/123")
        text = client.get("/metrics").text
    labels = {"method": "GET", "route": "/api/leads/{lead_id}", "status_code": "200"}
    count = registry.get_sample_value("aic_backend_http_request_duration_seconds_count", labels)
    assert count == 3
    unmatched = {"method": "GET", "route": "<unmatched>", "status_code": "404"}
    assert (
        registry.get_sample_value("aic_backend_http_request_duration_seconds_count", unmatched) == 1
    )
    assert "a1" not in text
    assert "/secret/path" not in text


def test_ai_counts_requests_and_tracks_active_connections() -> None:
    app, registry = _app(AIHttpMetrics)
    with TestClient(app) as client:
        client.get("/api/leads/x")
        client.get("/api/leads/y")
        text = client.get("/metrics").text
    labels = {"method": "GET", "route": "/api/leads/{lead_id}", "status_code": "200"}
    assert registry.get_sample_value("aic_ai_requests_total", labels) == 2
    duration = {"method": "GET", "route": "/api/leads/{lead_id}"}
    assert registry.get_sample_value("aic_ai_request_duration_seconds_count", duration) == 2
    # The scrape itself is the one request in flight while the text is rendered.
    assert "aic_ai_active_connections 1.0" in text
    assert registry.get_sample_value("aic_ai_active_connections") == 0
