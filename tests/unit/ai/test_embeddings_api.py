"""``POST /v1/embeddings`` answers in OpenAI's shape and refuses what it cannot embed."""

from __future__ import annotations

import base64
from collections.abc import Iterator
from types import SimpleNamespace
from typing import Any

import numpy as np
import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from aic.ai.entrypoints import embeddings
from aic.asgi.errors import install_error_handlers
from aic.contracts.embeddings import MAX_INPUTS
from tests.support.embedders import HashingEmbedder

MODEL = "all-MiniLM-L6-v2"


@pytest.fixture
def embedder() -> HashingEmbedder:
    return HashingEmbedder(model_name=MODEL)


@pytest.fixture
def client(embedder: HashingEmbedder) -> Iterator[TestClient]:
    app = FastAPI()
    install_error_handlers(app)
    app.include_router(embeddings.router, prefix="/v1")
    app.state.container = SimpleNamespace(embedder=embedder)
    with TestClient(app) as client:
        yield client


def embed(client: TestClient, **body: Any) -> Any:
    return client.post("/v1/embeddings", json={"model": MODEL, **body})


def test_a_list_of_texts_gets_one_normalised_vector_each_in_order(
    client: TestClient, embedder: HashingEmbedder
) -> None:
    response = embed(client, input=["lead scoring", "book a demo", "lead scoring"])
    assert response.status_code == 200
    body = response.json()
    assert set(body) == {"object", "data", "model", "usage"}
    assert body["object"] == "list"
    assert body["model"] == MODEL
    assert [item["index"] for item in body["data"]] == [0, 1, 2]
    assert all(set(item) == {"object", "index", "embedding"} for item in body["data"])
    assert all(item["object"] == "embedding" for item in body["data"])
    vectors = np.array([item["embedding"] for item in body["data"]])
    assert vectors.shape == (3, 384)
    np.testing.assert_allclose(np.linalg.norm(vectors, axis=1), 1.0, atol=1e-6)
    np.testing.assert_allclose(vectors[0], vectors[2])
    assert embedder.calls == [["lead scoring", "book a demo", "lead scoring"]]


def test_one_string_is_one_text_and_usage_counts_the_models_tokens(client: TestClient) -> None:
    body = embed(client, input="three words here").json()
    assert len(body["data"]) == 1
    assert body["usage"] == {"prompt_tokens": 5, "total_tokens": 5}  # words + CLS + SEP


def test_base64_is_the_float_vector_as_little_endian_float32(client: TestClient) -> None:
    floats = embed(client, input=["pipeline"], encoding_format="float").json()
    packed = embed(client, input=["pipeline"], encoding_format="base64").json()
    raw = base64.b64decode(packed["data"][0]["embedding"])
    assert len(raw) == 384 * 4
    decoded = np.frombuffer(raw, dtype="<f4")
    np.testing.assert_allclose(decoded, floats["data"][0]["embedding"], rtol=1e-6)


@pytest.mark.parametrize("name", [MODEL, "sentence-transformers/all-MiniLM-L6-v2", MODEL.upper()])
def test_the_model_is_named_as_sentence_transformers_names_it(
    client: TestClient, name: str
) -> None:
    response = client.post("/v1/embeddings", json={"model": name, "input": "hello"})
    assert response.status_code == 200
    assert response.json()["model"] == MODEL


def test_an_unknown_model_is_404_naming_the_one_there_is(client: TestClient) -> None:
    response = client.post(
        "/v1/embeddings", json={"model": "text-embedding-3-small", "input": "hello"}
    )
    assert response.status_code == 404
    error = response.json()["error"]
    assert error["code"] == "model_not_found"
    assert MODEL in error["message"]
    assert error["details"] == {"models": [MODEL]}


@pytest.mark.parametrize(
    ("body", "says"),
    [
        ({"input": []}, "at least one text"),
        ({"input": ""}, "the text is empty"),
        ({"input": ["fine", "   "]}, "input[1] is empty"),
        ({"input": [[101, 2023]]}, "token arrays are not accepted"),
        ({"input": [101, 2023]}, "token arrays are not accepted"),
        ({"input": ["x"] * (MAX_INPUTS + 1)}, f"at most {MAX_INPUTS} texts"),
        ({"input": "hello", "encoding_format": "int8"}, "float"),
        ({"input": "hello", "dimensions": 0}, "greater than or equal to 1"),
        ({"input": None}, "input"),
        ({}, "Field required"),
    ],
)
def test_what_cannot_be_embedded_is_a_422_saying_why(
    client: TestClient, embedder: HashingEmbedder, body: dict[str, Any], says: str
) -> None:
    response = embed(client, **body)
    assert response.status_code == 422, response.text
    error = response.json()["error"]
    assert error["code"] == "validation_error"
    assert says in str(error["details"])
    assert embedder.calls == []


def test_dimensions_may_only_be_the_models_own(client: TestClient) -> None:
    assert embed(client, input="hello", dimensions=384).status_code == 200
    response = embed(client, input="hello", dimensions=256)
    assert response.status_code == 422
    assert "384" in response.json()["error"]["message"]


def test_the_largest_batch_is_accepted(client: TestClient, embedder: HashingEmbedder) -> None:
    response = embed(client, input=[f"text {n}" for n in range(MAX_INPUTS)])
    assert response.status_code == 200
    assert len(response.json()["data"]) == MAX_INPUTS


def test_openais_user_field_is_accepted_and_ignored(client: TestClient) -> None:
    assert embed(client, input="hello", user="user-42").status_code == 200
