"""Both services publish a clean OpenAPI document: unique operation ids, every route summarised;
the backend's shows every operation described, with examples that match their schemas."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import jsonschema_rs
import pytest
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


@pytest.fixture(scope="module")
def backend_document(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    folder = tmp_path_factory.mktemp("openapi")
    app = create_backend(BackendSettings(data_dir=folder, ai_url="http://127.0.0.1:9"))
    with TestClient(app) as client:
        document: dict[str, Any] = client.get("/api/openapi.json").json()
    return document


def operations(document: dict[str, Any]) -> Iterator[tuple[str, dict[str, Any]]]:
    for path, methods in document["paths"].items():
        for method, operation in methods.items():
            yield f"{method.upper()} {path}", operation


def resolved(document: dict[str, Any], schema: dict[str, Any]) -> dict[str, Any]:
    """The schema a reference or an optional body (``anyOf`` it or null) stands for."""
    for _ in range(10):
        if "$ref" in schema:
            schema = document["components"]["schemas"][schema["$ref"].rsplit("/", 1)[-1]]
            continue
        branches = [s for s in schema.get("anyOf", []) if s.get("type") != "null"]
        if len(branches) != 1:
            break
        schema = branches[0]
    return schema


def examples_of(document: dict[str, Any], media: dict[str, Any]) -> list[Any]:
    """A media type's examples: its own, else those of its schema."""
    if "example" in media:
        return [media["example"]]
    if "examples" in media:
        return [named["value"] for named in media["examples"].values()]
    schema = resolved(document, media.get("schema", {}))
    return list(schema.get("examples", []))


def is_valid(document: dict[str, Any], schema: dict[str, Any], example: Any) -> list[str]:
    rooted = {**schema, "components": document["components"]}
    return [error.message for error in jsonschema_rs.validator_for(rooted).iter_errors(example)]


def test_every_backend_operation_is_summarised_described_and_its_parameters_explained(
    backend_document: dict[str, Any],
) -> None:
    missing = []
    for name, operation in operations(backend_document):
        if not operation.get("summary"):
            missing.append(f"{name}: summary")
        if not operation.get("description"):
            missing.append(f"{name}: description")
        missing += [
            f"{name}: parameter {p['name']}"
            for p in operation.get("parameters", [])
            if not p.get("description")
        ]
    assert missing == []


def test_every_backend_request_body_and_success_response_has_an_example_its_schema_accepts(
    backend_document: dict[str, Any],
) -> None:
    problems = []
    for name, operation in operations(backend_document):
        bodies = operation.get("requestBody", {}).get("content", {}).items()
        successes = [
            (f"{status} {media_type}", media)
            for status, response in operation["responses"].items()
            if status.startswith("2")
            for media_type, media in response.get("content", {}).items()
        ]
        for where, media in [(f"body {t}", m) for t, m in bodies] + successes:
            found = examples_of(backend_document, media)
            if not found:
                problems.append(f"{name} {where}: no example")
            if "json" not in where:
                continue  # an event stream's example is text
            for example in found:
                problems += [
                    f"{name} {where}: {error}"
                    for error in is_valid(backend_document, media["schema"], example)
                ]
    assert problems == []


def test_every_documented_backend_error_example_is_in_the_one_error_format(
    backend_document: dict[str, Any],
) -> None:
    problems, codes = [], set()
    for name, operation in operations(backend_document):
        for status, response in operation["responses"].items():
            media = response.get("content", {}).get("application/json", {})
            for example in examples_of(backend_document, media) if status[0] in "45" else []:
                if "error" in example:  # (a 503 of the readiness probe is a readiness report)
                    codes.add((status, example["error"]["code"]))
                problems += [
                    f"{name} {status}: {error}"
                    for error in is_valid(backend_document, media["schema"], example)
                ]
    assert problems == []
    assert {("401", "unauthenticated"), ("403", "forbidden")} <= codes
    assert {("404", "lead_not_found"), ("409", "version_conflict")} <= codes
    assert ("422", "validation_error") in codes


def test_a_lead_command_documents_its_not_found_conflict_and_field_errors(
    backend_document: dict[str, Any],
) -> None:
    responses = backend_document["paths"]["/api/leads/{lead_id}/assign"]["post"]["responses"]

    def example(status: str, code: str) -> Any:
        return responses[status]["content"]["application/json"]["examples"][code]["value"]

    assert example("404", "lead_not_found")["error"]["message"]
    conflict = example("409", "version_conflict")["error"]["details"]
    assert set(conflict) == {"current_version", "expected_version"}
    fields = [d["field"] for d in example("422", "validation_error")["error"]["details"]]
    assert fields == ["body.account_id", "path.lead_id"]
    assert example("422", "assignee_inactive")["error"]["details"]["account_id"]
