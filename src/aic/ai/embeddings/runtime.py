"""Run the sentence encoder: tokenize, batch by length, onnxruntime, rows back in order."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import numpy.typing as npt

if TYPE_CHECKING:
    from tokenizers import Tokenizer

__all__ = ["OnnxSentenceEncoder", "load_tokenizer", "open_session"]

# A batch's batch x sequence^2: the size of its attention scores per head, the tensors that
# grow fastest with length. 8 texts of 256 tokens, 32 of 128, 128 of 64: long texts go in
# smaller batches, so the memory of a batch (kept by onnxruntime's arena) stays bounded.
_ATTENTION_CELLS = 8 * 256 * 256


def load_tokenizer(tokenizer_file: Path, max_tokens: int) -> Tokenizer:
    """The model's tokenizer, truncating at ``max_tokens`` (special tokens included) as
    sentence-transformers does, and padding nothing (batches are padded when they are run)."""
    from tokenizers import Tokenizer

    tokenizer = Tokenizer.from_file(str(tokenizer_file))
    tokenizer.enable_truncation(max_length=max_tokens)
    tokenizer.no_padding()
    return tokenizer


def open_session(model_file: Path, threads: int) -> Any:
    """An onnxruntime CPU session on ``threads`` intra-op threads, all graph optimizations."""
    import onnxruntime  # type: ignore[import-untyped]

    options = onnxruntime.SessionOptions()
    options.intra_op_num_threads = threads
    options.inter_op_num_threads = 1
    options.execution_mode = onnxruntime.ExecutionMode.ORT_SEQUENTIAL
    options.graph_optimization_level = onnxruntime.GraphOptimizationLevel.ORT_ENABLE_ALL
    # idle threads sleep instead of spinning: the event loop shares these CPUs
    options.add_session_config_entry("session.intra_op.allow_spinning", "0")
    options.log_severity_level = 3  # errors only, not optimizer notices
    return onnxruntime.InferenceSession(
        str(model_file), options, providers=["CPUExecutionProvider"]
    )


class OnnxSentenceEncoder:
    """Synchronous and not thread-safe: one caller at a time (the batcher's thread).

    Texts are tokenized in one call, sorted by length and cut into batches of at most
    ``batch_size`` texts padded to the longest in each, so short texts are not padded to a
    long neighbour; rows come back in the order of ``texts``.
    """

    def __init__(
        self, model_file: Path, tokenizer: Tokenizer, *, threads: int, batch_size: int
    ) -> None:
        self._session = open_session(model_file, threads)
        self._tokenizer = tokenizer
        self._batch_size = batch_size
        self.dimensions = int(self._session.get_outputs()[0].shape[1])

    def encode(self, texts: Sequence[str]) -> npt.NDArray[np.float32]:
        out = np.empty((len(texts), self.dimensions), dtype=np.float32)
        if not texts:
            return out
        ids = [e.ids for e in self._tokenizer.encode_batch_fast(list(texts))]
        order = sorted(range(len(ids)), key=lambda i: len(ids[i]))
        start = 0
        while start < len(order):
            end = start + 1  # sorted by length: each text added is the batch's longest
            while (
                end < len(order)
                and end - start < self._batch_size
                and (end - start + 1) * len(ids[order[end]]) ** 2 <= _ATTENTION_CELLS
            ):
                end += 1
            chunk = order[start:end]
            out[chunk] = self._run([ids[i] for i in chunk])
            start = end
        return out

    def _run(self, batch: list[list[int]]) -> npt.NDArray[np.float32]:
        width = max(len(row) for row in batch)
        input_ids = np.zeros((len(batch), width), dtype=np.int64)
        mask = np.zeros((len(batch), width), dtype=np.int64)
        for row, tokens in enumerate(batch):
            input_ids[row, : len(tokens)] = tokens
            mask[row, : len(tokens)] = 1
        (vectors,) = self._session.run(
            ["embeddings"], {"input_ids": input_ids, "attention_mask": mask}
        )
        return np.asarray(vectors, dtype=np.float32)
