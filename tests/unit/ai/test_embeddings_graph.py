"""The ONNX sentence encoder computes what a plain numpy BERT computes, on tiny weights."""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import numpy.typing as npt
import onnxruntime
import pytest

from aic.ai.embeddings.graph import OPSET, BertConfig, build_sentence_encoder, int8_tolerant_nodes

CONFIG = BertConfig(
    hidden_size=16,
    num_hidden_layers=2,
    num_attention_heads=4,
    intermediate_size=24,
    layer_norm_eps=1e-12,
)
VOCAB, POSITIONS = 40, 12
Array = npt.NDArray[Any]


def tiny_weights(seed: int = 7) -> dict[str, Array]:
    rng = np.random.default_rng(seed)
    h, i = CONFIG.hidden_size, CONFIG.intermediate_size

    def w(*shape: int) -> Array:
        return rng.normal(0, 0.3, shape).astype(np.float32)

    weights = {
        "embeddings.word_embeddings.weight": w(VOCAB, h),
        "embeddings.position_embeddings.weight": w(POSITIONS, h),
        "embeddings.token_type_embeddings.weight": w(2, h),
        "embeddings.LayerNorm.weight": 1 + w(h),
        "embeddings.LayerNorm.bias": w(h),
    }
    for layer in range(CONFIG.num_hidden_layers):
        p = f"encoder.layer.{layer}"
        for name in ("query", "key", "value"):
            weights[f"{p}.attention.self.{name}.weight"] = w(h, h)
            weights[f"{p}.attention.self.{name}.bias"] = w(h)
        weights[f"{p}.attention.output.dense.weight"] = w(h, h)
        weights[f"{p}.attention.output.dense.bias"] = w(h)
        weights[f"{p}.intermediate.dense.weight"] = w(i, h)
        weights[f"{p}.intermediate.dense.bias"] = w(i)
        weights[f"{p}.output.dense.weight"] = w(h, i)
        weights[f"{p}.output.dense.bias"] = w(h)
        for norm in ("attention.output.LayerNorm", "output.LayerNorm"):
            weights[f"{p}.{norm}.weight"] = 1 + w(h)
            weights[f"{p}.{norm}.bias"] = w(h)
    return weights


def layer_norm(x: Array, weights: dict[str, Array], prefix: str) -> Array:
    mean = x.mean(-1, keepdims=True)
    var = ((x - mean) ** 2).mean(-1, keepdims=True)
    normed = (x - mean) / np.sqrt(var + CONFIG.layer_norm_eps)
    return normed * weights[f"{prefix}.weight"] + weights[f"{prefix}.bias"]


def reference(weights: dict[str, Array], ids: Array, mask: Array) -> Array:
    """BERT as the paper and transformers write it, then mean pooling and L2, in float64."""
    w = {k: v.astype(np.float64) for k, v in weights.items()}
    batch, length = ids.shape
    heads, size = CONFIG.num_attention_heads, CONFIG.head_size
    x = (
        w["embeddings.word_embeddings.weight"][ids]
        + w["embeddings.position_embeddings.weight"][:length]
        + w["embeddings.token_type_embeddings.weight"][0]
    )
    x = layer_norm(x, w, "embeddings.LayerNorm")
    bias = (1.0 - mask[:, None, None, :]) * -10000.0
    erf = np.vectorize(math.erf)
    for layer in range(CONFIG.num_hidden_layers):
        p = f"encoder.layer.{layer}"

        def project(name: str, x: Array = x, p: str = p) -> Array:
            y = x @ w[f"{p}.attention.self.{name}.weight"].T + w[f"{p}.attention.self.{name}.bias"]
            return y.reshape(batch, length, heads, size).transpose(0, 2, 1, 3)

        q, k, v = project("query"), project("key"), project("value")
        scores = q @ k.transpose(0, 1, 3, 2) / math.sqrt(size) + bias
        probs = np.exp(scores - scores.max(-1, keepdims=True))
        probs /= probs.sum(-1, keepdims=True)
        context = (probs @ v).transpose(0, 2, 1, 3).reshape(batch, length, -1)
        out = context @ w[f"{p}.attention.output.dense.weight"].T
        x = layer_norm(
            out + w[f"{p}.attention.output.dense.bias"] + x, w, f"{p}.attention.output.LayerNorm"
        )
        h = x @ w[f"{p}.intermediate.dense.weight"].T + w[f"{p}.intermediate.dense.bias"]
        h = 0.5 * h * (1 + erf(h / math.sqrt(2)))
        out = h @ w[f"{p}.output.dense.weight"].T + w[f"{p}.output.dense.bias"]
        x = layer_norm(out + x, w, f"{p}.output.LayerNorm")
    pooled = (x * mask[:, :, None]).sum(1) / np.maximum(mask.sum(1, keepdims=True), 1e-9)
    return pooled / np.maximum(np.linalg.norm(pooled, axis=1, keepdims=True), 1e-12)


def session(weights: dict[str, Array]) -> onnxruntime.InferenceSession:
    model = build_sentence_encoder(weights, CONFIG)
    return onnxruntime.InferenceSession(
        model.SerializeToString(), providers=["CPUExecutionProvider"]
    )


def test_the_graph_matches_a_numpy_bert_with_mean_pooling_and_l2() -> None:
    weights = tiny_weights()
    rng = np.random.default_rng(1)
    ids = rng.integers(0, VOCAB, (3, 9)).astype(np.int64)
    mask = np.ones_like(ids)
    mask[1, 5:] = 0  # padded rows: the padding must change nothing
    mask[2, 2:] = 0
    (got,) = session(weights).run(None, {"input_ids": ids, "attention_mask": mask})
    want = reference(weights, ids, mask.astype(np.float64))
    assert got.shape == (3, CONFIG.hidden_size)
    assert got.dtype == np.float32
    np.testing.assert_allclose(got, want, atol=2e-5)
    np.testing.assert_allclose(np.linalg.norm(got, axis=1), 1.0, atol=1e-5)


def test_padding_a_text_does_not_change_its_embedding() -> None:
    encoder = session(tiny_weights())
    ids = np.array([[1, 5, 9, 2]], dtype=np.int64)
    (alone,) = encoder.run(None, {"input_ids": ids, "attention_mask": np.ones_like(ids)})
    padded = np.array([[1, 5, 9, 2, 0, 0, 0]], dtype=np.int64)
    mask = np.array([[1, 1, 1, 1, 0, 0, 0]], dtype=np.int64)
    (with_padding,) = encoder.run(None, {"input_ids": padded, "attention_mask": mask})
    np.testing.assert_allclose(with_padding, alone, atol=1e-5)


def test_the_graph_is_opset_17_with_two_inputs_and_names_its_quantizable_nodes() -> None:
    model = build_sentence_encoder(tiny_weights(), CONFIG)
    assert [o.version for o in model.opset_import] == [OPSET] == [17]
    assert [i.name for i in model.graph.input] == ["input_ids", "attention_mask"]
    assert [o.name for o in model.graph.output] == ["embeddings"]
    names = {node.name for node in model.graph.node}
    assert set(int8_tolerant_nodes(CONFIG)) <= names


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"position_embedding_type": "relative_key"}, "absolute"),
        ({"hidden_act": "relu"}, "gelu"),
    ],
)
def test_a_config_the_graph_cannot_express_is_refused(change: dict[str, str], message: str) -> None:
    config = {
        "hidden_size": 16,
        "num_hidden_layers": 2,
        "num_attention_heads": 4,
        "intermediate_size": 24,
        "layer_norm_eps": 1e-12,
        **change,
    }
    with pytest.raises(ValueError, match=message):
        BertConfig.from_json(config)
