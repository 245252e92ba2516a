"""The packaged all-MiniLM-L6-v2 on onnxruntime gives sentence-transformers' embeddings.

The reference is ``tests/fixtures/embeddings/minilm_reference.json``, made once with the
original implementation on torch (``scripts/make_embedding_fixture.py``). One float32 and one
int8 embedder serve the module; their ONNX files are built into a shared temporary folder.
"""

from __future__ import annotations

import asyncio
import json
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt
import pytest

from aic.ai.embeddings import Embedder, onnx_cache
from aic.ai.embeddings.minilm import MINILM, MiniLMEmbedder
from aic.ai.embeddings.model_files import ModelFolder

FIXTURE = Path(__file__).parents[2] / "fixtures" / "embeddings" / "minilm_reference.json"


@pytest.fixture(scope="module")
def reference() -> dict[str, Any]:
    document: dict[str, Any] = json.loads(FIXTURE.read_text())
    return document


@pytest.fixture(scope="module")
def cache_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("models")


@pytest.fixture(scope="module")
def embedder(cache_dir: Path) -> Iterator[MiniLMEmbedder]:
    embedder = MiniLMEmbedder(cache_dir, threads=2, batch_size=16)
    yield embedder
    asyncio.run(embedder.aclose())


def embed(embedder: Embedder, texts: list[str]) -> npt.NDArray[np.float32]:
    return asyncio.run(embedder.embed(texts))


def cosines(vectors: npt.NDArray[np.float32], reference: dict[str, Any]) -> list[float]:
    expected = np.array([item["embedding"] for item in reference["items"]], dtype=np.float64)
    expected /= np.linalg.norm(expected, axis=1, keepdims=True)
    return [float(c) for c in (vectors.astype(np.float64) * expected).sum(axis=1)]


def test_the_fixture_was_made_from_the_packaged_weights(reference: dict[str, Any]) -> None:
    assert reference["weights_sha256"] == ModelFolder.packaged().weights_digest(), (
        "the packaged weights changed: run scripts/make_embedding_fixture.py again"
    )
    assert len(reference["items"]) >= 50


def test_every_text_is_within_cosine_0_999_of_sentence_transformers(
    embedder: MiniLMEmbedder, reference: dict[str, Any]
) -> None:
    texts = [item["text"] for item in reference["items"]]
    vectors = embed(embedder, texts)
    assert vectors.shape == (len(texts), 384)
    assert vectors.dtype == np.float32
    np.testing.assert_allclose(np.linalg.norm(vectors, axis=1), 1.0, atol=1e-5)
    worst = min(zip(cosines(vectors, reference), texts, strict=True))
    assert worst[0] >= 0.999, f"cosine {worst[0]:.5f} for {worst[1][:60]!r}"


def test_token_counts_are_sentence_transformers_after_truncation_at_256(
    embedder: MiniLMEmbedder, reference: dict[str, Any]
) -> None:
    texts = [item["text"] for item in reference["items"]]
    assert embedder.count_tokens(texts) == [item["tokens"] for item in reference["items"]]
    assert max(embedder.count_tokens(texts)) == 256


def test_the_int8_variant_stays_within_cosine_0_99(
    cache_dir: Path, reference: dict[str, Any]
) -> None:
    quantized = MiniLMEmbedder(cache_dir, threads=2, batch_size=16, quantized=True)
    try:
        texts = [item["text"] for item in reference["items"]]
        worst = min(zip(cosines(embed(quantized, texts), reference), texts, strict=True))
        assert worst[0] >= 0.99, f"cosine {worst[0]:.5f} for {worst[1][:60]!r}"
        assert quantized.variant == "int8"
    finally:
        asyncio.run(quantized.aclose())
    float_file, int8_file = (
        sorted(cache_dir.glob(f"{MINILM}-float32-*.onnx")),
        sorted(cache_dir.glob(f"{MINILM}-int8-*.onnx")),
    )
    assert len(float_file) == len(int8_file) == 1
    assert int8_file[0].stat().st_size < float_file[0].stat().st_size / 2


def test_a_text_embeds_the_same_alone_and_in_a_batch_of_longer_texts(
    embedder: MiniLMEmbedder, reference: dict[str, Any]
) -> None:
    texts = [item["text"] for item in reference["items"]]
    together = embed(embedder, texts)
    for index in (0, 11, 31, len(texts) - 3):
        alone = embed(embedder, [texts[index]])[0]
        assert float(alone @ together[index]) > 0.99999


def test_text_past_256_tokens_is_cut_there_not_refused(embedder: MiniLMEmbedder) -> None:
    cut, longer, much_longer = embed(
        embedder, ["token " * 254, "token " * 300, "token " * 5000 + " and a different end"]
    )
    assert float(cut @ longer) > 0.99999
    assert float(cut @ much_longer) > 0.99999


def test_concurrent_calls_each_get_their_own_rows(
    embedder: MiniLMEmbedder, reference: dict[str, Any]
) -> None:
    texts = [item["text"] for item in reference["items"]][:20]

    async def concurrently() -> list[npt.NDArray[np.float32]]:
        return await asyncio.gather(*(embedder.embed([text]) for text in texts))

    separate = asyncio.run(concurrently())
    together = embed(embedder, texts)
    for index, rows in enumerate(separate):
        assert rows.shape == (1, 384)
        assert float(rows[0] @ together[index]) > 0.99999


def test_no_texts_give_no_rows(embedder: MiniLMEmbedder) -> None:
    assert embed(embedder, []).shape == (0, 384)


def test_the_onnx_file_is_built_once_and_read_by_the_next_process(
    embedder: MiniLMEmbedder, cache_dir: Path
) -> None:
    embed(embedder, ["warm"])
    (built,) = cache_dir.glob(f"{MINILM}-float32-*.onnx")
    before = built.stat()
    again = MiniLMEmbedder(cache_dir, threads=1, batch_size=8)
    try:
        embed(again, ["warm"])
    finally:
        asyncio.run(again.aclose())
    after = built.stat()
    assert (after.st_ino, after.st_mtime_ns) == (before.st_ino, before.st_mtime_ns)
    assert [p.name for p in cache_dir.iterdir() if p.name.startswith(".")] == []


def test_a_new_builder_version_is_a_new_file_not_the_stale_one(
    cache_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    built: list[Path] = []
    monkeypatch.setattr(
        onnx_cache, "build_encoder_file", lambda _f, target, quantized: built.append(target)
    )
    folder = ModelFolder.packaged()
    current = onnx_cache.cached_encoder_file(folder, cache_dir, MINILM, quantized=False)
    assert built == []  # already there from the tests above
    monkeypatch.setattr(onnx_cache, "BUILDER_VERSION", onnx_cache.BUILDER_VERSION + 1)
    newer = onnx_cache.cached_encoder_file(folder, cache_dir, MINILM, quantized=False)
    assert built == [newer]
    assert newer != current


def test_a_damaged_cached_file_is_rebuilt(tmp_path: Path) -> None:
    first = MiniLMEmbedder(tmp_path, threads=1, batch_size=8)
    try:
        good = embed(first, ["book a demo"])
    finally:
        asyncio.run(first.aclose())
    (file,) = tmp_path.glob("*.onnx")
    file.write_bytes(file.read_bytes()[: 1 << 20])  # a truncated copy
    second = MiniLMEmbedder(tmp_path, threads=1, batch_size=8)
    try:
        assert float(embed(second, ["book a demo"])[0] @ good[0]) > 0.99999
    finally:
        asyncio.run(second.aclose())


_BUILD = """
import sys
from pathlib import Path
from aic.ai.embeddings.model_files import ModelFolder
from aic.ai.embeddings.onnx_cache import build_encoder_file
build_encoder_file(ModelFolder.packaged(), Path(sys.argv[1]), quantized=False)
"""


def test_processes_building_the_same_file_at_once_leave_one_whole_file(
    tmp_path: Path, embedder: MiniLMEmbedder
) -> None:
    target = tmp_path / "shared.onnx"
    builders = [
        subprocess.Popen([sys.executable, "-c", _BUILD, str(target)], stderr=subprocess.PIPE)
        for _ in range(2)
    ]
    for builder in builders:
        _, err = builder.communicate(timeout=120)
        assert builder.returncode == 0, err.decode()[-2000:]
    assert [p.name for p in tmp_path.iterdir()] == ["shared.onnx"]  # no temporary left
    import onnxruntime

    session = onnxruntime.InferenceSession(str(target), providers=["CPUExecutionProvider"])
    ids = np.array([[101, 7592, 2088, 102]], dtype=np.int64)
    (vector,) = session.run(None, {"input_ids": ids, "attention_mask": np.ones_like(ids)})
    assert float(vector[0] @ embed(embedder, ["hello world"])[0]) > 0.99999
