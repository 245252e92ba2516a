"""Both services publish a clean OpenAPI document: unique operation ids, every route summarised."""

from __future__ import annotations

from pathlib import Path

from fastapi.testclient import TestClient

from aic.ai.entrypoints.app import create_app as create_ai
from aic.ai.settings import AISettings
from aic.backend.entrypoints.app import create_app as create_backend
from aic.backend.settings import BackendSettings


def test_the_openapi_documents_are_complete_and_warning_free(tmp_path: Path) -> None:
    backend = create_backend(BackendSettings(data_dir=tmp_path, ai_url="http://127.0.0.1:9"))
    ai = create_ai(AISettings(data_dir=tmp_path))
    for app, url in ((backend, "/api/openapi.json"), (ai, "/openapi.json")):
        with TestClient(app) as client:
            document = client.get(url).json()  # a duplicate operation id would warn (error)
        operations = [op for ops in document["paths"].values() for op in ops.values()]
        ids = [op["operationId"] for op in operations]
        assert len(ids) == len(set(ids))
        assert all(op.get("summary") for op in operations)
        for op in operations:
            assert "4XX" in op["responses"]  # the one error format is documented everywhere
