"""CORS for the portals' origins only, with credentials; rate-limit headers on every response."""

from __future__ import annotations

from typing import Any

import pytest
from fastapi import FastAPI, Request
from fastapi.responses import StreamingResponse
from fastapi.testclient import TestClient

from aic.asgi import ApiError, install_http_stack
from aic.asgi.deferredheaders import defer_headers
from aic.backend.settings import BackendSettings
from aic.settings import CommonSettings

PORTAL = "http://127.0.0.1:3005"


def app_with(cors_origins: list[str]) -> FastAPI:
    app = FastAPI()
    install_http_stack(app, CommonSettings(), cors_origins=cors_origins)

    @app.post("/api/things")
    async def things(request: Request) -> dict[str, Any]:
        defer_headers(request, {"X-RateLimit-Remaining": "41"})
        return {"ok": True}

    @app.get("/api/missing")
    async def missing(request: Request) -> None:
        defer_headers(request, {"X-RateLimit-Remaining": "40"})
        raise ApiError(404, "not_found", "No such thing.")

    @app.get("/api/stream")
    async def stream(request: Request) -> StreamingResponse:
        defer_headers(request, {"X-RateLimit-Remaining": "39", "Content-Type": "text/x-mine"})

        async def chunks() -> Any:
            yield b"data: 1\n\n"

        return StreamingResponse(chunks(), media_type="text/event-stream")

    return app


@pytest.fixture
def client() -> TestClient:
    return TestClient(app_with(BackendSettings().cors_origin_list))


def test_a_preflight_from_a_portal_is_allowed_with_credentials(client: TestClient) -> None:
    response = client.options(
        "/api/things",
        headers={
            "Origin": PORTAL,
            "Access-Control-Request-Method": "POST",
            "Access-Control-Request-Headers": "content-type, x-csrf-token",
        },
    )
    assert response.status_code == 200
    assert response.headers["access-control-allow-origin"] == PORTAL
    assert response.headers["access-control-allow-credentials"] == "true"
    assert "POST" in response.headers["access-control-allow-methods"]
    allowed = response.headers["access-control-allow-headers"].lower()
    assert "x-csrf-token" in allowed
    assert "content-type" in allowed
    assert "Origin" in response.headers["vary"]


def test_a_preflight_from_an_unlisted_origin_gets_no_allow_origin(client: TestClient) -> None:
    response = client.options(
        "/api/things",
        headers={"Origin": "https://evil.example", "Access-Control-Request-Method": "POST"},
    )
    assert response.status_code == 400
    assert "access-control-allow-origin" not in response.headers


def test_a_simple_request_from_a_portal_may_read_the_answer_and_its_limits(
    client: TestClient,
) -> None:
    response = client.post("/api/things", headers={"Origin": "http://localhost:3000"})
    assert response.headers["access-control-allow-origin"] == "http://localhost:3000"
    exposed = response.headers["access-control-expose-headers"].lower()
    assert "retry-after" in exposed
    assert "x-ratelimit-remaining" in exposed
    unlisted = client.post("/api/things", headers={"Origin": "http://127.0.0.1:9999"})
    assert unlisted.status_code == 200  # CORS is the browser's to enforce: it reads nothing
    assert "access-control-allow-origin" not in unlisted.headers


def test_a_service_without_origins_answers_no_browser_origin(tmp_path: Any) -> None:
    client = TestClient(app_with([]))
    response = client.options(
        "/api/things", headers={"Origin": PORTAL, "Access-Control-Request-Method": "POST"}
    )
    assert "access-control-allow-origin" not in response.headers


def test_deferred_headers_reach_plain_error_and_streamed_responses(client: TestClient) -> None:
    assert client.post("/api/things").headers["x-ratelimit-remaining"] == "41"
    missing = client.get("/api/missing")
    assert missing.status_code == 404
    assert missing.headers["x-ratelimit-remaining"] == "40"
    stream = client.get("/api/stream")
    assert stream.headers["x-ratelimit-remaining"] == "39"
    assert stream.headers["content-type"].startswith("text/event-stream")  # the handler's wins


@pytest.mark.parametrize(
    "origins", ["*", "http://portal.example/path", "portal.example", "ftp://portal.example"]
)
def test_cors_origins_must_be_plain_origins_never_a_wildcard(origins: str) -> None:
    with pytest.raises(ValueError, match="is not an origin"):
        BackendSettings(cors_origins=origins)


def test_the_default_origins_are_the_five_portals_by_address_and_by_name() -> None:
    origins = BackendSettings().cors_origin_list
    assert len(origins) == 10
    assert {"http://127.0.0.1:3000", "http://localhost:3005"} <= set(origins)


def test_aic_up_allows_the_portals_where_it_starts_them(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from aic.cli.settings import PlatformSettings
    from aic.cli.up import _environment

    monkeypatch.delenv("AIC_CORS_ORIGINS", raising=False)
    env = _environment(PlatformSettings(web_main_port=4100))
    origins = env["AIC_CORS_ORIGINS"].split(",")
    assert {"http://127.0.0.1:4100", "http://localhost:4100", "http://127.0.0.1:3005"} <= set(
        origins
    )
    assert BackendSettings(cors_origins=env["AIC_CORS_ORIGINS"]).cors_origin_list == origins
    monkeypatch.setenv("AIC_CORS_ORIGINS", "https://www.example.com")
    assert _environment(PlatformSettings())["AIC_CORS_ORIGINS"] == "https://www.example.com"
