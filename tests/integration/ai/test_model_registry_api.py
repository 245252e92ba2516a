"""``/v1/models/{name}/...`` through the whole ai app: register, promote, predict in batches."""

from __future__ import annotations

import json
import math
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from aic.ai.entrypoints.app import create_app
from aic.ai.settings import AISettings

KEY = "test-service-key"
LEADS = {
    "features": ["pricing_views", "demo_requested", "company_size"],
    "weights": [0.5, 2.0, 1.0],
    "intercept": -3.0,
    "means": [0.0, 0.0, 100.0],
    "scales": [1.0, 1.0, 100.0],
    "defaults": {"company_size": 100},
}


def sigmoid(x: float) -> float:
    return 1 / (1 + math.exp(-x))


@pytest.fixture(scope="module")
def client(tmp_path_factory: pytest.TempPathFactory) -> Iterator[TestClient]:
    settings = AISettings(
        data_dir=Path(tmp_path_factory.mktemp("ai")), service_api_keys=KEY, log_level="warning"
    )
    with TestClient(create_app(settings), headers={"X-API-Key": KEY}) as client:
        yield client


def register(client: TestClient, name: str, **overrides: Any) -> dict[str, Any]:
    body = {"kind": "logistic_regression", "artifact": LEADS, "metrics": {"auc": 0.8}}
    response = client.post(f"/v1/models/{name}/versions", json={**body, **overrides})
    assert response.status_code == 201, response.text
    result: dict[str, Any] = response.json()
    return result


def error(response: Any, status: int, code: str) -> dict[str, Any]:
    assert response.status_code == status, response.text
    body: dict[str, Any] = response.json()["error"]
    assert body["code"] == code
    return body


def test_two_versions_promoted_in_turn_each_serve_predictions(client: TestClient) -> None:
    first = register(client, "lead-scoring")
    second = register(
        client, "lead-scoring", artifact={**LEADS, "intercept": -1.0}, metrics={"auc": 0.85}
    )
    assert (first["version"], second["version"]) == (1, 2)
    assert first["stage"] == "staging"
    lead = {"pricing_views": 2, "demo_requested": True, "company_size": 300, "email": "x@y.z"}
    url = "/v1/models/lead-scoring/predict"
    error(client.post(url, json={"instances": [lead]}), 409, "no_production_version")

    promoted = client.post("/v1/models/lead-scoring/versions/1/promote", json={})
    assert promoted.json()["stage"] == "production"
    body = client.post(url, json={"instances": [lead]}).json()
    assert body == {
        "predictions": [pytest.approx(sigmoid(-3.0 + 1.0 + 2.0 + 2.0))],
        "model": "lead-scoring",
        "version": 1,
        "explanations": None,
    }
    client.post("/v1/models/lead-scoring/versions/2/promote")  # no body: production
    body = client.post(url, json={"instances": [lead]}).json()
    assert (body["version"], body["predictions"]) == (2, [pytest.approx(sigmoid(4.0))])

    listed = client.get("/v1/models/lead-scoring/versions").json()
    assert listed["production_version"] == 2
    assert [(v["version"], v["stage"], v["metrics"]) for v in listed["versions"]] == [
        (2, "production", {"auc": 0.85}),
        (1, "archived", {"auc": 0.8}),
    ]
    detail = client.get("/v1/models/lead-scoring/versions/1").json()
    assert detail["artifact"] == LEADS
    health = client.get("/health/detailed").json()
    assert {"lead-scoring@1", "lead-scoring@2"} <= set(health["models_loaded"])
    metrics = client.get("/metrics").text
    assert 'aic_ai_model_predictions_total{model="lead-scoring",version="2"} 1.0' in metrics


def test_a_batch_is_scored_in_order_and_can_be_explained(client: TestClient) -> None:
    register(client, "batch-model", stage="production")
    instances = [{"pricing_views": i, "demo_requested": i % 2 == 0} for i in range(20)]
    body = client.post(
        "/v1/models/batch-model/predict", json={"instances": instances, "explain": True}
    ).json()
    expected = [sigmoid(-3.0 + 0.5 * i + 2.0 * (i % 2 == 0)) for i in range(20)]
    assert body["predictions"] == pytest.approx(expected)
    assert body["explanations"][3] == {
        "pricing_views": 1.5,
        "demo_requested": 0.0,
        "company_size": 0.0,
    }


def test_a_version_may_be_asked_for_by_number(client: TestClient) -> None:
    register(client, "shadow", stage="production")
    register(client, "shadow", kind="linear_regression", artifact={**LEADS, "intercept": 7.0})
    body = client.post(
        "/v1/models/shadow/predict",
        json={"instances": [{"pricing_views": 0, "demo_requested": 0}], "version": 2},
    ).json()
    assert (body["version"], body["predictions"]) == (2, [7.0])


def test_unknown_models_and_versions_are_404(client: TestClient) -> None:
    instances = {"instances": [{"x": 1}]}
    found = error(client.post("/v1/models/nobody/predict", json=instances), 404, "model_not_found")
    assert found["details"] == {"model": "nobody"}
    error(client.get("/v1/models/nobody/versions"), 404, "model_not_found")
    register(client, "known")
    error(client.get("/v1/models/known/versions/7"), 404, "model_version_not_found")
    error(client.post("/v1/models/known/versions/7/promote"), 404, "model_version_not_found")
    error(
        client.post("/v1/models/known/predict", json={**instances, "version": 7}),
        404,
        "model_version_not_found",
    )


def test_wrong_features_are_422_with_the_field_paths(client: TestClient) -> None:
    register(client, "strict", stage="production")
    body = error(
        client.post(
            "/v1/models/strict/predict",
            json={
                "instances": [
                    {"pricing_views": 1, "demo_requested": 0},
                    {"demo_requested": 1},
                    {"pricing_views": "lots", "demo_requested": None},
                ]
            },
        ),
        422,
        "validation_error",
    )
    assert [(d["field"], d["type"]) for d in body["details"]] == [
        ("body.instances.1.pricing_views", "missing"),
        ("body.instances.2.pricing_views", "float_type"),
        ("body.instances.2.demo_requested", "missing"),
    ]


@pytest.mark.parametrize(
    "body",
    [
        {"instances": []},
        {"instances": [{}] * 1001},
        {"instances": [{"pricing_views": 1}], "version": 0},
        {"instances": "all"},
    ],
)
def test_a_malformed_predict_request_is_422(client: TestClient, body: dict[str, Any]) -> None:
    register(client, "shape", stage="production")
    error(client.post("/v1/models/shape/predict", json=body), 422, "validation_error")


LINEAR = {"kind": "linear_regression", "artifact": LEADS}


@pytest.mark.parametrize(
    ("body", "code"),
    [
        ({"kind": "neural_net", "artifact": LEADS}, "validation_error"),
        ({"kind": "linear_regression", "artifact": {**LEADS, "weights": [1]}}, "invalid_model"),
        ({**LINEAR, "stage": "live"}, "validation_error"),
        ({**LINEAR, "metrics": {"auc": "high"}}, "validation_error"),
    ],
)  # fmt: skip
def test_a_registration_that_cannot_run_is_422(
    client: TestClient, body: dict[str, Any], code: str
) -> None:
    error(client.post("/v1/models/refused/versions", json=body), 422, code)
    error(client.get("/v1/models/refused/versions"), 404, "model_not_found")


def test_a_malformed_model_name_is_422(client: TestClient) -> None:
    body = {"kind": "linear_regression", "artifact": LEADS}
    error(client.post("/v1/models/Bad%20Name/versions", json=body), 422, "validation_error")


def test_the_llm_model_list_still_answers_beside_the_registry(client: TestClient) -> None:
    register(client, "beside")
    listed = client.get("/v1/models")
    assert listed.status_code == 200
    assert listed.json()["object"] == "list"
    assert client.get("/v1/models/beside/versions").json()["name"] == "beside"


@pytest.mark.parametrize(
    "raw",
    [
        r'{"kind": "linear_regression", "artifact": ARTIFACT, "description": "a\u0000b"}',
        r'{"kind": "linear_regression", "artifact": ARTIFACT, "metrics": {"\ud800": 1.0}}',
        r'{"kind": "linear_regression", "artifact": {"features": ["\udfff"], "weights": [1]}}',
    ],
)
def test_text_no_database_can_store_gets_a_422_not_a_500(client: TestClient, raw: str) -> None:
    body = raw.replace("ARTIFACT", json.dumps(LEADS))
    response = client.post(
        "/v1/models/unstorable/versions",
        content=body.encode(),
        headers={"Content-Type": "application/json"},
    )
    assert response.status_code == 422, response.text
    assert response.json()["error"]["code"] in {"invalid_model", "validation_error"}
