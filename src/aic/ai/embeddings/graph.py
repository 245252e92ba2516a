"""The ONNX graph of a BERT sentence encoder, built from its safetensors weights.

Inputs ``input_ids`` and ``attention_mask`` (int64, ``[batch, sequence]``); output
``embeddings`` (float32, ``[batch, hidden]``): the encoder's last hidden states, mean-pooled
over the attention mask and L2-normalised, as sentence-transformers' Transformer → Pooling
(mean) → Normalize modules compute them. Single sentences only: token type 0 everywhere.

Three rewrites keep the graph small and are exact up to float rounding: the token-type-0
embedding is added into the position table, the attention scale ``1/sqrt(head size)`` is
multiplied into the query weights, and query, key and value are one MatMul split in three.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt
import onnx
from onnx import TensorProto, helper, numpy_helper

__all__ = [
    "BUILDER_VERSION",
    "OPSET",
    "BertConfig",
    "build_sentence_encoder",
    "int8_tolerant_nodes",
]

# Bump when the graph changes: cached .onnx files are keyed by it and get rebuilt.
BUILDER_VERSION = 2
OPSET = 17  # LayerNormalization is an operator from 17 on

Weights = Mapping[str, npt.NDArray[Any]]
_QKV = ("query", "key", "value")


@dataclass(frozen=True)
class BertConfig:
    """What the graph needs from a BERT ``config.json``."""

    hidden_size: int
    num_hidden_layers: int
    num_attention_heads: int
    intermediate_size: int
    layer_norm_eps: float
    hidden_act: str = "gelu"

    @classmethod
    def from_json(cls, config: Mapping[str, Any]) -> BertConfig:
        if config.get("position_embedding_type", "absolute") != "absolute":
            raise ValueError("only absolute position embeddings are supported")
        if config.get("hidden_act", "gelu") != "gelu":
            raise ValueError(f"unsupported activation {config['hidden_act']!r} (gelu only)")
        return cls(
            hidden_size=int(config["hidden_size"]),
            num_hidden_layers=int(config["num_hidden_layers"]),
            num_attention_heads=int(config["num_attention_heads"]),
            intermediate_size=int(config["intermediate_size"]),
            layer_norm_eps=float(config["layer_norm_eps"]),
        )

    @property
    def head_size(self) -> int:
        return self.hidden_size // self.num_attention_heads


class _Graph:
    """Nodes and initializers under construction; every method returns its output's name."""

    def __init__(self) -> None:
        self.nodes: list[onnx.NodeProto] = []
        self.initializers: list[onnx.TensorProto] = []
        self._names: set[str] = set()

    def const(self, name: str, value: npt.ArrayLike, dtype: Any = np.float32) -> str:
        if name in self._names:
            raise ValueError(f"initializer {name!r} defined twice")
        self._names.add(name)
        array = np.ascontiguousarray(np.asarray(value, dtype=dtype))
        self.initializers.append(numpy_helper.from_array(array, name))
        return name

    def op(self, op_type: str, inputs: list[str], name: str, **attrs: Any) -> str:
        self.nodes.append(helper.make_node(op_type, inputs, [name], name=name, **attrs))
        return name

    def linear(self, x: str, weight: npt.NDArray[Any], bias: npt.NDArray[Any], name: str) -> str:
        """``x @ weight.T + bias`` (torch's Linear stores ``[out, in]``)."""
        w = self.const(f"{name}.weight", weight.T)
        b = self.const(f"{name}.bias", bias)
        return self.op("Add", [self.op("MatMul", [x, w], f"{name}.matmul"), b], name)

    def heads(self, x: str, shape: str, perm: list[int]) -> str:
        """``[batch, sequence, hidden]`` → one slice per attention head, transposed by ``perm``."""
        return self.op(
            "Transpose", [self.op("Reshape", [x, shape], f"{x}.heads")], f"{x}.t", perm=perm
        )

    def layer_norm(self, x: str, weights: Weights, prefix: str, eps: float) -> str:
        gamma = self.const(f"{prefix}.weight", weights[f"{prefix}.weight"])
        beta = self.const(f"{prefix}.bias", weights[f"{prefix}.bias"])
        return self.op("LayerNormalization", [x, gamma, beta], prefix, axis=-1, epsilon=eps)


def build_sentence_encoder(weights: Weights, config: BertConfig) -> onnx.ModelProto:
    """The whole encoder with mean pooling and L2 normalisation, as an ONNX model."""
    g = _Graph()
    x = _embeddings(g, weights, config)
    mask = g.op("Cast", ["attention_mask"], "mask", to=TensorProto.FLOAT)
    # additive attention bias [batch, 1, 1, sequence]: 0 where attended, -10000 where padded
    inverted = g.op("Sub", [g.const("one_f", 1.0), mask], "mask.inverted")
    bias = g.op("Mul", [inverted, g.const("mask_penalty", -10000.0)], "mask.penalty")
    bias = g.op("Unsqueeze", [bias, g.const("axes_1_2", [1, 2], np.int64)], "attention_bias")
    for i in range(config.num_hidden_layers):
        x = _attention(g, x, bias, weights, config, f"encoder.layer.{i}")
        x = _feed_forward(g, x, weights, config, f"encoder.layer.{i}")
    _mean_pool_and_normalise(g, x, mask, "embeddings")

    batch_by_sequence = ["batch", "sequence"]
    graph = helper.make_graph(
        g.nodes,
        "sentence_encoder",
        inputs=[
            helper.make_tensor_value_info("input_ids", TensorProto.INT64, batch_by_sequence),
            helper.make_tensor_value_info("attention_mask", TensorProto.INT64, batch_by_sequence),
        ],
        outputs=[
            helper.make_tensor_value_info(
                "embeddings", TensorProto.FLOAT, ["batch", config.hidden_size]
            )
        ],
        initializer=g.initializers,
    )
    model = helper.make_model(
        graph,
        opset_imports=[helper.make_opsetid("", OPSET)],
        producer_name="aic",
        producer_version=str(BUILDER_VERSION),
    )
    model.ir_version = 8  # what onnxruntime 1.20+ reads for opset 17
    onnx.checker.check_model(model)
    return model


def _embeddings(g: _Graph, weights: Weights, config: BertConfig) -> str:
    """Word + (position + token type 0) embeddings, then LayerNorm."""
    words = g.const("word_embeddings", weights["embeddings.word_embeddings.weight"])
    positions = g.const(
        "position_embeddings",
        weights["embeddings.position_embeddings.weight"]
        + weights["embeddings.token_type_embeddings.weight"][0],
    )
    zero = g.const("zero", [0], np.int64)
    length = g.op("Shape", ["input_ids"], "sequence_length", start=1, end=2)
    position_slice = g.op("Slice", [positions, zero, length, zero], "positions")
    x = g.op("Gather", [words, "input_ids"], "words")
    x = g.op("Add", [x, position_slice], "embeddings.sum")
    return g.layer_norm(x, weights, "embeddings.LayerNorm", config.layer_norm_eps)


def _attention(
    g: _Graph, x: str, bias: str, weights: Weights, config: BertConfig, prefix: str
) -> str:
    """Multi-head self-attention, output projection, residual, LayerNorm."""
    a = f"{prefix}.attention.self"
    hidden, heads, head_size = config.hidden_size, config.num_attention_heads, config.head_size
    scale = 1.0 / math.sqrt(head_size)
    qkv_weight = np.concatenate(
        [weights[f"{a}.{n}.weight"] * (scale if n == "query" else 1.0) for n in _QKV]
    )
    qkv_bias = np.concatenate(
        [weights[f"{a}.{n}.bias"] * (scale if n == "query" else 1.0) for n in _QKV]
    )
    qkv = g.linear(x, qkv_weight, qkv_bias, f"{a}.qkv")
    q, k, v = (f"{a}.q", f"{a}.k", f"{a}.v")
    sizes = g.const(f"{a}.qkv_sizes", [hidden] * 3, np.int64)
    g.nodes.append(helper.make_node("Split", [qkv, sizes], [q, k, v], name=f"{a}.split", axis=-1))
    per_head = g.const(f"{a}.per_head", [0, 0, heads, head_size], np.int64)
    q = g.heads(q, per_head, perm=[0, 2, 1, 3])  # [batch, head, sequence, size]
    k = g.heads(k, per_head, perm=[0, 2, 3, 1])  # [batch, head, size, sequence]
    v = g.heads(v, per_head, perm=[0, 2, 1, 3])
    scores = g.op("Add", [g.op("MatMul", [q, k], f"{a}.scores"), bias], f"{a}.masked")
    probs = g.op("Softmax", [scores], f"{a}.probs", axis=-1)
    context = g.op("MatMul", [probs, v], f"{a}.context")
    context = g.op("Transpose", [context], f"{a}.context.t", perm=[0, 2, 1, 3])
    merged = g.const(f"{a}.merged", [0, 0, hidden], np.int64)
    context = g.op("Reshape", [context, merged], f"{a}.context.merged")

    o = f"{prefix}.attention.output"
    out = g.linear(context, weights[f"{o}.dense.weight"], weights[f"{o}.dense.bias"], f"{o}.dense")
    residual = g.op("Add", [out, x], f"{o}.residual")
    return g.layer_norm(residual, weights, f"{o}.LayerNorm", config.layer_norm_eps)


def _feed_forward(g: _Graph, x: str, weights: Weights, config: BertConfig, prefix: str) -> str:
    """Dense, exact GELU ``0.5 * h * (1 + erf(h / sqrt(2)))``, dense, residual, LayerNorm.

    The GELU is written in the form onnxruntime fuses, with the bias before it, into one
    ``BiasGelu`` kernel."""
    n = f"{prefix}.intermediate.dense"
    h = g.linear(x, weights[f"{n}.weight"], weights[f"{n}.bias"], n)
    scaled = g.op("Div", [h, g.const(f"{n}.sqrt2", math.sqrt(2))], f"{n}.scaled")
    erf = g.op("Add", [g.op("Erf", [scaled], f"{n}.erf"), g.const(f"{n}.one", 1.0)], f"{n}.1erf")
    h = g.op("Mul", [g.op("Mul", [h, erf], f"{n}.h1erf"), g.const(f"{n}.half", 0.5)], f"{n}.gelu")
    o = f"{prefix}.output"
    out = g.linear(h, weights[f"{o}.dense.weight"], weights[f"{o}.dense.bias"], f"{o}.dense")
    residual = g.op("Add", [out, x], f"{o}.residual")
    return g.layer_norm(residual, weights, f"{o}.LayerNorm", config.layer_norm_eps)


def _mean_pool_and_normalise(g: _Graph, x: str, mask: str, output: str) -> str:
    """Mean over attended tokens (count clamped at 1e-9), divided by its L2 norm (>= 1e-12),
    as sentence-transformers' Pooling and Normalize modules compute them."""
    one = g.const("pool.axis", [1], np.int64)
    mask_3d = g.op("Unsqueeze", [mask, g.const("pool.unsqueeze", [2], np.int64)], "pool.mask")
    masked = g.op("Mul", [x, mask_3d], "pool.masked")
    summed = g.op("ReduceSum", [masked, one], "pool.sum", keepdims=0)
    count = g.op("ReduceSum", [mask, one], "pool.count", keepdims=1)
    count = g.op("Max", [count, g.const("pool.min_count", 1e-9)], "pool.count.clamped")
    mean = g.op("Div", [summed, count], "pool.mean")
    norm = g.op("ReduceL2", [mean], "norm", axes=[1], keepdims=1)
    norm = g.op("Max", [norm, g.const("norm.min", 1e-12)], "norm.clamped")
    return g.op("Div", [mean, norm], output)


def int8_tolerant_nodes(config: BertConfig) -> list[str]:
    """Nodes whose weights int8 dynamic quantization leaves within cosine 0.99 of float.

    The word-embedding table and the attention projections; the feed-forward MatMuls are left
    in float: quantizing them alone drops the worst fixture text to cosine 0.98 (short texts
    like "?" whose few tokens carry BERT's outlier activations).
    """
    layers = range(config.num_hidden_layers)
    return [
        "words",
        *(f"encoder.layer.{i}.attention.self.qkv.matmul" for i in layers),
        *(f"encoder.layer.{i}.attention.output.dense.matmul" for i in layers),
    ]
