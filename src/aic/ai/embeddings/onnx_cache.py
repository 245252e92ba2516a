"""The encoder's ``.onnx`` file in the data folder: built once, shared by every process.

The file name carries a key made of the weights' SHA-256, the graph builder's version and the
variant, so new weights or a new builder get a new file and a stale one is never read. A file
is written under a temporary name and renamed into place: processes that build it at once
each write their own, the last rename wins, and no reader ever sees half a file.
"""

from __future__ import annotations

import hashlib
import logging
import os
import secrets
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from aic.ai.embeddings.graph import (
    BUILDER_VERSION,
    BertConfig,
    build_sentence_encoder,
    int8_tolerant_nodes,
)
from aic.ai.embeddings.model_files import ModelFolder
from aic.observability.logging import get_logger

__all__ = ["build_encoder_file", "cached_encoder_file"]

_LOGGER = "aic.ai.embeddings"  # looked up when used: configure_logging runs after imports


def cached_encoder_file(
    folder: ModelFolder, cache_dir: Path, name: str, *, quantized: bool
) -> Path:
    """``cache_dir/<name>-<variant>-<key>.onnx``, built first if it is not there yet."""
    variant = "int8" if quantized else "float32"
    parts = [folder.weights_digest(), f"builder {BUILDER_VERSION}", variant]
    if quantized:  # the quantizer's output may change with onnxruntime's version
        import onnxruntime  # type: ignore[import-untyped]

        parts.append(f"onnxruntime {onnxruntime.__version__}")
    key = hashlib.sha256("\n".join(parts).encode()).hexdigest()[:16]
    target = cache_dir / f"{name}-{variant}-{key}.onnx"
    if not target.is_file():
        begin = time.perf_counter()
        build_encoder_file(folder, target, quantized=quantized)
        get_logger(_LOGGER).info(
            "embedding_model_built", file=str(target), seconds=round(time.perf_counter() - begin, 3)
        )
    return target


def build_encoder_file(folder: ModelFolder, target: Path, *, quantized: bool) -> None:
    """Build the graph from ``folder``'s weights and write it to ``target`` atomically."""
    from safetensors.numpy import load_file

    folder.require_mean_pooled_and_normalised()
    config = BertConfig.from_json(folder.config())
    model = build_sentence_encoder(load_file(folder.weights), config)
    target.parent.mkdir(parents=True, exist_ok=True)
    temporary = target.with_name(f".{target.name}.{os.getpid()}.{secrets.token_hex(4)}.tmp")
    try:
        if quantized:
            from onnxruntime.quantization import QuantType, quantize_dynamic  # type: ignore[import-untyped]

            with _quiet_quantizer():
                quantize_dynamic(
                    model,
                    temporary,
                    op_types_to_quantize=["MatMul", "Gather"],
                    nodes_to_quantize=int8_tolerant_nodes(config),
                    per_channel=True,
                    weight_type=QuantType.QInt8,
                    extra_options={"MatMulConstBOnly": True},
                )
        else:
            import onnx

            onnx.save_model(model, temporary)
        with temporary.open("rb") as handle:
            os.fsync(handle.fileno())
        os.replace(temporary, target)
    finally:
        temporary.unlink(missing_ok=True)


class _PreprocessingAdvice(logging.Filter):
    """The quantizer advises "pre-processing" on the root logger; it is for models exported
    from frameworks, not for a graph built already in the shape onnxruntime wants."""

    def filter(self, record: logging.LogRecord) -> bool:
        return not record.getMessage().startswith("Please consider to run pre-processing")


@contextmanager
def _quiet_quantizer() -> Iterator[None]:
    advice = _PreprocessingAdvice()
    logging.getLogger().addFilter(advice)
    try:
        yield
    finally:
        logging.getLogger().removeFilter(advice)
