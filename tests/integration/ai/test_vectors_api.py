"""``/v1/vectors`` through the whole ai app: collections, upserts, filtered queries, errors."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from aic.ai.entrypoints.app import create_app
from aic.ai.settings import AISettings

KEY = "test-service-key"
DIMS = 4


@pytest.fixture(scope="module")
def client(tmp_path_factory: pytest.TempPathFactory) -> Iterator[TestClient]:
    settings = AISettings(
        data_dir=Path(tmp_path_factory.mktemp("ai")), service_api_keys=KEY, log_level="warning"
    )
    with TestClient(create_app(settings), headers={"Authorization": f"Bearer {KEY}"}) as client:
        yield client


@pytest.fixture
def collection(client: TestClient, request: pytest.FixtureRequest) -> Iterator[str]:
    """A fresh 4-dimension collection named after the test, with three points."""
    name = request.node.name.removeprefix("test_")[:60].replace("[", "-").replace("]", "")
    assert client.put(f"/v1/vectors/{name}", json={"dimensions": DIMS}).status_code == 201
    points = [
        {"id": "pricing", "vector": [1, 0, 0, 0], "payload": {"portal": "smb", "published": True}},
        {"id": "demo", "vector": [4, 1, 0, 0], "payload": {"portal": "main", "published": True}},
        {"id": "draft", "vector": [1, 1, 0, 0], "payload": {"portal": "smb", "published": False}},
    ]
    response = client.post(f"/v1/vectors/{name}/upsert", json={"points": points})
    assert response.json() == {"upserted": 3, "count": 3}
    yield name
    client.delete(f"/v1/vectors/{name}")


def error(response: Any, status: int, code: str) -> dict[str, Any]:
    assert response.status_code == status, response.text
    body: dict[str, Any] = response.json()["error"]
    assert body["code"] == code
    return body


def test_vectors_need_the_service_key(client: TestClient) -> None:
    response = client.get("/v1/vectors", headers={"Authorization": "Bearer wrong"})
    assert response.status_code == 401


def test_creating_a_collection_is_idempotent_and_a_different_one_conflicts(
    client: TestClient,
) -> None:
    first = client.put("/v1/vectors/articles", json={"dimensions": 8})
    assert first.status_code == 201
    assert first.json() == {"name": "articles", "dimensions": 8, "distance": "cosine", "count": 0}
    assert client.put("/v1/vectors/articles", json={"dimensions": 8}).status_code == 200
    body = error(
        client.put("/v1/vectors/articles", json={"dimensions": 9}), 409, "collection_conflict"
    )
    assert body["details"]["dimensions"] == 8
    listed = client.get("/v1/vectors").json()["collections"]
    assert {"name": "articles", "dimensions": 8, "distance": "cosine", "count": 0} in listed
    assert client.delete("/v1/vectors/articles").status_code == 204
    error(client.get("/v1/vectors/articles"), 404, "collection_not_found")
    error(client.delete("/v1/vectors/articles"), 404, "collection_not_found")


@pytest.mark.parametrize(
    "body",
    [{"dimensions": 0}, {"dimensions": 5000}, {"dimensions": 4, "distance": "euclid"}, {}],
)
def test_a_malformed_collection_is_refused(client: TestClient, body: dict[str, Any]) -> None:
    error(client.put("/v1/vectors/bad", json=body), 422, "validation_error")


def test_a_malformed_collection_name_is_refused(client: TestClient) -> None:
    error(client.put("/v1/vectors/a%20b", json={"dimensions": 4}), 422, "validation_error")


def test_a_query_returns_the_nearest_first_and_honours_the_filter(
    client: TestClient, collection: str
) -> None:
    url = f"/v1/vectors/{collection}/query"
    body = client.post(url, json={"vector": [1, 0, 0, 0], "k": 2}).json()
    assert body["collection"] == collection
    assert [h["id"] for h in body["results"]] == ["pricing", "demo"]
    assert body["results"][0]["score"] == pytest.approx(1.0)
    assert body["results"][0]["payload"] == {"portal": "smb", "published": True}
    filtered = client.post(
        url, json={"vector": [0, 1, 0, 0], "filter": {"portal": "smb", "published": True}}
    ).json()
    assert [h["id"] for h in filtered["results"]] == ["pricing"]
    any_of = client.post(url, json={"vector": [0, 1, 0, 0], "filter": {"portal": ["smb", "main"]}})
    assert [h["id"] for h in any_of.json()["results"]] == ["draft", "demo", "pricing"]


@pytest.mark.parametrize(
    ("body", "status", "code"),
    [
        ({"vector": [1, 0, 0]}, 422, "dimension_mismatch"),
        ({"vector": [0, 0, 0, 0]}, 422, "invalid_point"),
        ({"vector": [1, 0, 0, 0], "k": 0}, 422, "validation_error"),
        ({"vector": [1, 0, 0, 0], "k": 1001}, 422, "validation_error"),
        ({"vector": [1, 0, 0, 0], "text": "both"}, 422, "validation_error"),
        ({}, 422, "validation_error"),
        ({"vector": [1, 0, 0, 0], "filter": {"portal": 1.5}}, 422, "validation_error"),
        ({"vector": [1, 0, 0, 0], "filter": {"bad key": "x"}}, 422, "invalid_filter"),
    ],
)
def test_a_bad_query_gets_a_clear_4xx(
    client: TestClient, collection: str, body: dict[str, Any], status: int, code: str
) -> None:
    error(client.post(f"/v1/vectors/{collection}/query", json=body), status, code)


def test_a_nan_vector_is_refused(client: TestClient, collection: str) -> None:
    raw = '{"points": [{"id": "x", "vector": [NaN, 0, 0, 0]}]}'  # Python's JSON reads NaN
    response = client.post(
        f"/v1/vectors/{collection}/upsert",
        content=raw,
        headers={"Content-Type": "application/json"},
    )
    assert response.status_code == 422
    assert response.json()["error"]["code"] in {"invalid_point", "validation_error"}
    assert client.get(f"/v1/vectors/{collection}").json()["count"] == 3


def test_a_batch_with_one_wrong_vector_writes_nothing(client: TestClient, collection: str) -> None:
    points = [{"id": "ok", "vector": [0, 0, 1, 0]}, {"id": "short", "vector": [1, 0]}]
    body = error(
        client.post(f"/v1/vectors/{collection}/upsert", json={"points": points}),
        422,
        "dimension_mismatch",
    )
    assert body["details"] == {"expected": 4, "got": 2, "at": "points[1].vector"}
    assert client.get(f"/v1/vectors/{collection}").json()["count"] == 3


def test_an_unknown_collection_is_404_everywhere(client: TestClient) -> None:
    for method, path, body in [
        ("post", "/v1/vectors/nowhere/query", {"vector": [1, 0]}),
        ("post", "/v1/vectors/nowhere/upsert", {"points": [{"id": "a", "vector": [1]}]}),
        ("post", "/v1/vectors/nowhere/delete", {"ids": ["a"]}),
        ("post", "/v1/vectors/nowhere/retrieve", {"ids": ["a"]}),
    ]:
        found = error(getattr(client, method)(path, json=body), 404, "collection_not_found")
        assert found["details"] == {"collection": "nowhere"}


def test_points_are_deleted_by_id_or_by_filter(client: TestClient, collection: str) -> None:
    url = f"/v1/vectors/{collection}/delete"
    assert client.post(url, json={"ids": ["demo", "ghost"]}).json() == {"deleted": 1, "count": 2}
    assert client.post(url, json={"filter": {"published": False}}).json() == {
        "deleted": 1,
        "count": 1,
    }
    error(client.post(url, json={"ids": ["a"], "filter": {"x": 1}}), 422, "validation_error")
    error(client.post(url, json={"filter": {}}), 422, "validation_error")
    hits = client.post(f"/v1/vectors/{collection}/query", json={"vector": [0, 1, 0, 0]}).json()
    assert [h["id"] for h in hits["results"]] == ["pricing"]


def test_retrieve_gives_points_by_id_with_unit_vectors(client: TestClient, collection: str) -> None:
    body = client.post(
        f"/v1/vectors/{collection}/retrieve",
        json={"ids": ["draft", "ghost", "pricing"], "with_vectors": True},
    ).json()
    assert [p["id"] for p in body["points"]] == ["draft", "pricing"]
    assert body["points"][0]["vector"] == pytest.approx([0.70710678, 0.70710678, 0, 0])
    without = client.post(f"/v1/vectors/{collection}/retrieve", json={"ids": ["draft"]}).json()
    assert without["points"][0]["vector"] is None


def test_detailed_health_reports_each_collections_size(client: TestClient, collection: str) -> None:
    sizes = client.get("/health/detailed").json()["index_sizes"]
    assert sizes[collection] == 3


def test_text_is_embedded_with_the_model_for_upserts_and_queries(client: TestClient) -> None:
    assert client.put("/v1/vectors/passages", json={"dimensions": 384}).status_code == 201
    points = [
        {"id": "pricing", "text": "Our pricing plans: Starter, Growth and Enterprise."},
        {"id": "security", "text": "Single sign-on, audit logs and data encryption."},
        {"id": "vector", "vector": [1.0] + [0.0] * 383},
    ]
    assert client.post("/v1/vectors/passages/upsert", json={"points": points}).status_code == 200
    body = client.post(
        "/v1/vectors/passages/query", json={"text": "How much does a plan cost?", "k": 1}
    ).json()
    assert [h["id"] for h in body["results"]] == ["pricing"]
    error(
        client.post("/v1/vectors/nowhere/query", json={"text": "hello"}),
        404,
        "collection_not_found",
    )


def test_text_into_a_collection_of_other_dimensions_is_refused(
    client: TestClient, collection: str
) -> None:
    body = error(
        client.post(f"/v1/vectors/{collection}/query", json={"text": "pricing"}),
        422,
        "dimension_mismatch",
    )
    assert "384" in body["message"]


@pytest.mark.parametrize(
    ("path", "raw"),
    [
        ("upsert", r'{"points": [{"id": "a\u0000b", "vector": [1, 0, 0, 0]}]}'),
        ("upsert", r'{"points": [{"id": "\ud800", "vector": [1, 0, 0, 0]}]}'),
        ("upsert", r'{"points": [{"id": "q", "vector": [0, 0, 1, 0], "payload": {"": "\u0000"}}]}'),
        ("upsert", r'{"points": [{"id": "p", "vector": [1, 0, 0, 1], "payload": {"\udfff": 1}}]}'),
        ("query", r'{"vector": [1, 0, 0, 0], "filter": {"\ud800": "x"}}'),
        ("upsert", r'{"points": [{"id": "r", "vector": [0, 0, 1, 0], "payload": {"": Infinity}}]}'),
        ("delete", r'{"ids": ["\ud800"]}'),
        ("retrieve", r'{"ids": ["a\u0000"]}'),
    ],
    ids=[
        "nul-id",
        "surrogate-id",
        "nul-payload",
        "surrogate-key",
        "filter",
        "infinity",
        "delete",
        "retrieve",
    ],
)  # fmt: skip
def test_text_no_database_can_store_gets_a_422_not_a_500(
    client: TestClient, collection: str, path: str, raw: str
) -> None:
    response = client.post(
        f"/v1/vectors/{collection}/{path}",
        content=raw.encode(),
        headers={"Content-Type": "application/json"},
    )
    assert response.status_code == 422, response.text
    assert response.json()["error"]["code"] in {
        "invalid_point",
        "invalid_filter",
        "validation_error",
    }
    assert client.get(f"/v1/vectors/{collection}").json()["count"] == 3


def test_detailed_health_is_degraded_not_failing_when_the_index_is_unreachable(
    client: TestClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    async def unreachable() -> list[Any]:
        raise ConnectionError("qdrant:6333 refused the connection")

    index = client.app.state.container.vectors  # type: ignore[attr-defined]
    monkeypatch.setattr(index, "list_collections", unreachable)
    response = client.get("/health/detailed")
    assert response.status_code == 200
    assert (response.json()["status"], response.json()["index_sizes"]) == ("degraded", {})
