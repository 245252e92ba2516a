"""Two ai processes on one data folder see the same vectors and the same model registry."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import httpx2
import pytest

from tests.support.services import ServiceProcess, free_ports

pytestmark = pytest.mark.slow

KEY = "test-service-key"


@pytest.fixture(scope="module")
def ais(tmp_path_factory: pytest.TempPathFactory) -> Iterator[list[httpx2.Client]]:
    data = tmp_path_factory.mktemp("shared-data")
    env = {"AIC_DATA_DIR": str(data), "AIC_SERVICE_API_KEYS": KEY, "AIC_LOG_LEVEL": "warning"}
    ports = free_ports(2)
    processes: list[ServiceProcess] = []
    clients: list[httpx2.Client] = []
    try:
        for number, port in enumerate(ports):
            args = ["ai", "--port", str(port)]
            processes.append(ServiceProcess(args, env, data / f"ai{number}.log"))
        for process, port in zip(processes, ports, strict=True):
            url = f"http://127.0.0.1:{port}"
            process.wait_until(f"{url}/health", timeout=60)
            headers = {"Authorization": f"Bearer {KEY}"}
            clients.append(httpx2.Client(base_url=url, headers=headers, timeout=30))
        yield clients
    finally:
        for client in clients:
            client.close()
        for process in processes:
            process.stop()


def ids(response: httpx2.Response) -> list[str]:
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return [hit["id"] for hit in body["results"]]


def test_an_upsert_through_one_process_is_found_through_the_other(
    ais: list[httpx2.Client],
) -> None:
    one, two = ais
    assert one.put("/v1/vectors/shared", json={"dimensions": 3}).status_code == 201
    query = {"vector": [1, 0, 0], "k": 5}
    assert ids(two.post("/v1/vectors/shared/query", json=query)) == []  # two caches it, empty
    points = [
        {"id": "a", "vector": [1, 0, 0], "payload": {"portal": "smb"}},
        {"id": "b", "vector": [1, 1, 0], "payload": {"portal": "main"}},
    ]
    assert one.post("/v1/vectors/shared/upsert", json={"points": points}).status_code == 200
    assert ids(two.post("/v1/vectors/shared/query", json=query)) == ["a", "b"]
    # And back, with a delete and a filter: each cache catches up with the other's writes.
    assert two.post("/v1/vectors/shared/delete", json={"ids": ["a"]}).json()["deleted"] == 1
    moved = [{"id": "c", "vector": [1, 0, 0], "payload": {"portal": "smb"}}]
    assert two.post("/v1/vectors/shared/upsert", json={"points": moved}).status_code == 200
    smb = {**query, "filter": {"portal": "smb"}}
    assert ids(one.post("/v1/vectors/shared/query", json=smb)) == ["c"]
    assert one.get("/health/detailed").json()["index_sizes"]["shared"] == 2


def test_a_promotion_through_one_process_changes_the_others_predictions(
    ais: list[httpx2.Client],
) -> None:
    one, two = ais
    artifact = {"features": ["x"], "weights": [1.0], "intercept": 0.0}
    body = {"kind": "linear_regression", "artifact": artifact, "stage": "production"}
    assert one.post("/v1/models/shared-model/versions", json=body).status_code == 201
    predict = {"instances": [{"x": 2}]}
    first = two.post("/v1/models/shared-model/predict", json=predict).json()
    assert (first["version"], first["predictions"]) == (1, [2.0])
    newer = {**body, "artifact": {**artifact, "intercept": 10.0}, "stage": "staging"}
    assert one.post("/v1/models/shared-model/versions", json=newer).status_code == 201
    assert one.post("/v1/models/shared-model/versions/2/promote").status_code == 200
    second = two.post("/v1/models/shared-model/predict", json=predict).json()
    assert (second["version"], second["predictions"]) == (2, [12.0])
