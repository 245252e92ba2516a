"""The settings pick the vector index: embedded by default, Qdrant when its URL is set."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import qdrant_client

from aic.ai.settings import AISettings
from aic.ai.vectors.embedded import EmbeddedVectorIndex
from aic.ai.vectors.factory import open_vector_index, vector_index_kind
from aic.ai.vectors.qdrant import QdrantVectorIndex


class NoDatabase:
    dialect = "sqlite"


def settings(tmp_path: Path, **values: Any) -> AISettings:
    return AISettings(data_dir=tmp_path, **values)


def test_the_embedded_index_is_the_default(tmp_path: Path) -> None:
    chosen = settings(tmp_path, vector_exact_limit=5, vector_graph_min_points=7)
    assert vector_index_kind(chosen) == "embedded"
    index = open_vector_index(chosen, NoDatabase())  # type: ignore[arg-type]
    assert isinstance(index, EmbeddedVectorIndex)


def test_a_qdrant_url_selects_qdrant_with_its_key(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    made: list[dict[str, Any]] = []

    class Client:  # the real one checks the server's version in a thread at once
        def __init__(self, **options: Any) -> None:
            made.append(options)

    monkeypatch.setattr(qdrant_client, "AsyncQdrantClient", Client)
    chosen = settings(tmp_path, qdrant_url="https://qdrant.internal:6333", qdrant_api_key="k")
    assert vector_index_kind(chosen) == "qdrant"
    index = open_vector_index(chosen, NoDatabase())  # type: ignore[arg-type]
    assert isinstance(index, QdrantVectorIndex)
    assert made == [{"url": "https://qdrant.internal:6333", "api_key": "k"}]


def test_the_embedded_index_can_be_kept_although_a_qdrant_url_is_set(tmp_path: Path) -> None:
    chosen = settings(tmp_path, qdrant_url="http://qdrant:6333", vector_index="embedded")
    assert vector_index_kind(chosen) == "embedded"


def test_qdrant_without_its_url_is_refused_naming_the_setting(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="AIC_QDRANT_URL"):
        open_vector_index(settings(tmp_path, vector_index="qdrant"), NoDatabase())  # type: ignore[arg-type]
