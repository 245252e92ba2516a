"""The shared HTTP stack: one JSON error format, body limit, security headers, gzip."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi import APIRouter, FastAPI, Request
from fastapi.testclient import TestClient
from pydantic import BaseModel, Field

from aic.asgi import ApiError, install_http_stack
from aic.asgi.observe import route_template
from aic.settings import CommonSettings


class Signup(BaseModel):
    email: str = Field(min_length=3)
    company: str
    seats: int = Field(ge=1)


def _app(**settings: object) -> FastAPI:
    app = FastAPI()
    install_http_stack(app, CommonSettings(**settings))  # type: ignore[arg-type]

    @app.post("/signups")
    async def signup(body: Signup) -> dict[str, str]:
        return {"email": body.email}

    @app.get("/conflict")
    async def conflict() -> None:
        raise ApiError(409, "version_conflict", "Someone else changed it.", {"current": 7})

    @app.get("/crash")
    async def crash() -> None:
        raise RuntimeError("boom")

    @app.get("/big")
    async def big() -> dict[str, str]:
        return {"text": "lead " * 2000}

    return app


@pytest.fixture(scope="module")
def client() -> Iterator[TestClient]:
    with TestClient(_app(max_body_bytes=2048), raise_server_exceptions=False) as client:
        yield client


def _assert_error_shape(body: dict[str, object], code: str) -> dict[str, object]:
    assert set(body) == {"error"}
    error = body["error"]
    assert isinstance(error, dict)
    assert set(error) == {"code", "message", "details"}
    assert error["code"] == code
    assert isinstance(error["message"], str)
    assert error["message"]
    return error


def test_an_unknown_route_is_a_json_404(client: TestClient) -> None:
    response = client.get("/no/such/thing")
    assert response.status_code == 404
    _assert_error_shape(response.json(), "not_found")


def test_a_wrong_method_is_a_json_405(client: TestClient) -> None:
    response = client.delete("/signups")
    assert response.status_code == 405
    _assert_error_shape(response.json(), "method_not_allowed")


def test_invalid_fields_are_a_422_with_field_paths(client: TestClient) -> None:
    response = client.post("/signups", json={"email": "x", "seats": 0})
    assert response.status_code == 422
    error = _assert_error_shape(response.json(), "validation_error")
    fields = {d["field"]: d["type"] for d in error["details"]}  # type: ignore[attr-defined]
    assert fields == {
        "body.email": "string_too_short",
        "body.company": "missing",
        "body.seats": "greater_than_equal",
    }


def test_invalid_json_is_a_422_not_a_500(client: TestClient) -> None:
    response = client.post(
        "/signups", content=b'{"email": ', headers={"content-type": "application/json"}
    )
    assert response.status_code == 422
    error = _assert_error_shape(response.json(), "validation_error")
    assert error["details"][0]["type"] == "json_invalid"  # type: ignore[index]


def test_a_body_over_the_limit_is_refused_with_413(client: TestClient) -> None:
    response = client.post("/signups", json={"email": "a" * 4000, "company": "x", "seats": 1})
    assert response.status_code == 413
    error = _assert_error_shape(response.json(), "payload_too_large")
    assert error["details"] == {"limit_bytes": 2048}


def test_a_streamed_body_without_length_is_cut_off_at_the_limit(client: TestClient) -> None:
    def chunks() -> Iterator[bytes]:
        yield b'{"email": "'
        for _ in range(10):
            yield b"a" * 500
        yield b'", "company": "x", "seats": 1}'

    response = client.post(
        "/signups", content=chunks(), headers={"content-type": "application/json"}
    )
    assert response.status_code == 413
    _assert_error_shape(response.json(), "payload_too_large")


def test_a_bad_content_length_is_a_400(client: TestClient) -> None:
    response = client.post("/signups", content=b"{}", headers={"content-length": "abc"})
    assert response.status_code == 400
    _assert_error_shape(response.json(), "bad_request")


def test_an_api_error_keeps_its_status_code_and_details(client: TestClient) -> None:
    response = client.get("/conflict")
    assert response.status_code == 409
    error = _assert_error_shape(response.json(), "version_conflict")
    assert error["details"] == {"current": 7}


def test_a_crash_is_a_json_500_with_the_correlation_id(client: TestClient) -> None:
    response = client.get("/crash", headers={"X-Correlation-ID": "crash-1"})
    assert response.status_code == 500
    _assert_error_shape(response.json(), "internal_error")
    assert response.headers["x-correlation-id"] == "crash-1"
    assert response.headers["x-content-type-options"] == "nosniff"


def test_every_response_has_the_security_headers(client: TestClient) -> None:
    for response in (client.post("/signups", json={}), client.get("/big")):
        csp = response.headers["content-security-policy"]
        assert "script-src 'self'" in csp
        assert "unsafe-inline" not in csp
        assert "frame-ancestors 'none'" in csp
        assert response.headers["x-content-type-options"] == "nosniff"
        assert response.headers["referrer-policy"] == "strict-origin-when-cross-origin"
        assert "strict-transport-security" not in response.headers


def test_hsts_is_sent_when_tls_is_on(tmp_path: Path) -> None:
    app = _app(tls_certfile=tmp_path / "cert.pem", tls_keyfile=tmp_path / "key.pem")
    with TestClient(app) as client:
        response = client.get("/big")
    assert response.headers["strict-transport-security"].startswith("max-age=")


def test_large_responses_are_gzipped(client: TestClient) -> None:
    response = client.get("/big", headers={"accept-encoding": "gzip"})
    assert response.headers["content-encoding"] == "gzip"
    assert response.json()["text"].startswith("lead ")


def test_error_responses_from_elsewhere_are_rewritten_as_json(tmp_path: Path) -> None:
    from fastapi.staticfiles import StaticFiles

    (tmp_path / "site.css").write_text("body { color: black; }")
    app = FastAPI()
    install_http_stack(app, CommonSettings())
    app.mount("/static", StaticFiles(directory=tmp_path), name="static")
    with TestClient(app) as client:
        bad_range = client.get("/static/site.css", headers={"Range": "bytes=abc"})
        beyond = client.get("/static/site.css", headers={"Range": "bytes=99999-"})
        fine = client.get("/static/site.css")
    assert bad_range.status_code == 400
    _assert_error_shape(bad_range.json(), "bad_request")
    assert beyond.status_code == 416
    _assert_error_shape(beyond.json(), "requested_range_not_satisfiable")
    assert fine.status_code == 200
    assert fine.headers["content-type"].startswith("text/css")


def test_the_route_template_of_a_nested_router_keeps_every_prefix() -> None:
    outer, inner = APIRouter(prefix="/v1"), APIRouter(prefix="/vectors")

    @inner.post("/{collection}/query")
    async def query(collection: str, request: Request) -> dict[str, str]:
        return {"template": route_template(request.scope)}

    outer.include_router(inner)
    app = FastAPI()
    app.include_router(outer)
    answer = TestClient(app).post("/v1/vectors/docs/query").json()
    assert answer == {"template": "/v1/vectors/{collection}/query"}
