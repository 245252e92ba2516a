"""all-MiniLM-L6-v2 from its packaged weights on onnxruntime: the ``Embedder`` ai runs."""

from __future__ import annotations

import asyncio
import threading
import time
from collections.abc import Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
import numpy.typing as npt

from aic.ai.embeddings.batcher import CoalescingRunner
from aic.ai.embeddings.model_files import ModelFolder
from aic.observability.logging import get_logger

if TYPE_CHECKING:
    from tokenizers import Tokenizer

    from aic.ai.embeddings.runtime import OnnxSentenceEncoder

__all__ = ["MINILM", "MiniLMEmbedder"]

_LOGGER = "aic.ai.embeddings"  # looked up when used: configure_logging runs after imports

MINILM = "all-MiniLM-L6-v2"
_DIMENSIONS = 384
_RUN_BATCHES = 8  # a run (one thread hand-off) takes at most this many batches of texts


class MiniLMEmbedder:
    """Loads on first use (or on ``load()``) in its own thread, builds its ONNX file into
    ``cache_dir`` if it is not there, then embeds batches there while the loop goes on."""

    def __init__(
        self,
        cache_dir: Path,
        *,
        threads: int,
        batch_size: int,
        quantized: bool = False,
        folder: ModelFolder | None = None,
    ) -> None:
        self._cache_dir = cache_dir
        self._threads = threads
        self._batch_size = batch_size
        self._quantized = quantized
        self._folder = folder
        self._encoder: OnnxSentenceEncoder | None = None
        self._counter: Tokenizer | None = None
        self._counter_lock = threading.Lock()
        self._executor = ThreadPoolExecutor(1, thread_name_prefix="embeddings")
        self._runner = CoalescingRunner(
            self._encode, self._executor, max_texts=batch_size * _RUN_BATCHES
        )

    @property
    def model_name(self) -> str:
        return MINILM

    @property
    def dimensions(self) -> int:
        return _DIMENSIONS

    @property
    def variant(self) -> str:
        return "int8" if self._quantized else "float32"

    @property
    def loaded(self) -> bool:
        return self._encoder is not None

    async def load(self) -> None:
        """Load now rather than on the first ``embed``."""
        await asyncio.get_running_loop().run_in_executor(self._executor, self._loaded_encoder)

    def start_loading(self) -> None:
        """Load in the background; ``embed`` calls meanwhile wait for it, not load again."""
        self._executor.submit(self._loaded_encoder).add_done_callback(_log_failed_load)

    async def embed(self, texts: Sequence[str]) -> npt.NDArray[np.float32]:
        if not texts:
            return np.zeros((0, _DIMENSIONS), dtype=np.float32)
        return await self._runner.run(texts)

    def count_tokens(self, texts: Sequence[str]) -> list[int]:
        with self._counter_lock:  # its own tokenizer: the worker thread may be using the other
            if self._counter is None:
                from aic.ai.embeddings.runtime import load_tokenizer

                folder = self._model_folder()
                self._counter = load_tokenizer(folder.tokenizer, folder.max_seq_length())
            counter = self._counter
        return [len(e.ids) for e in counter.encode_batch_fast(list(texts))]

    async def aclose(self) -> None:
        await self._runner.close()
        self._executor.shutdown(wait=False, cancel_futures=True)

    def _encode(self, texts: list[str]) -> npt.NDArray[np.float32]:
        return self._loaded_encoder().encode(texts)

    def _model_folder(self) -> ModelFolder:
        if self._folder is None:
            self._folder = ModelFolder.packaged()
        return self._folder

    def _loaded_encoder(self) -> OnnxSentenceEncoder:
        """Only ever called in the worker thread, so the model loads once."""
        if self._encoder is not None:
            return self._encoder
        from aic.ai.embeddings.onnx_cache import cached_encoder_file
        from aic.ai.embeddings.runtime import OnnxSentenceEncoder, load_tokenizer

        begin = time.perf_counter()
        folder = self._model_folder()
        tokenizer = load_tokenizer(folder.tokenizer, folder.max_seq_length())

        model_file = cached_encoder_file(folder, self._cache_dir, MINILM, quantized=self._quantized)
        try:
            encoder = OnnxSentenceEncoder(
                model_file, tokenizer, threads=self._threads, batch_size=self._batch_size
            )
        except Exception as exc:  # a damaged cache file (disk trouble, a hand edit): rebuild it
            get_logger(_LOGGER).warning(
                "embedding_model_file_unreadable", file=str(model_file), error=repr(exc)
            )
            model_file.unlink(missing_ok=True)
            cached_encoder_file(folder, self._cache_dir, MINILM, quantized=self._quantized)
            encoder = OnnxSentenceEncoder(
                model_file, tokenizer, threads=self._threads, batch_size=self._batch_size
            )
        if encoder.dimensions != _DIMENSIONS:
            raise RuntimeError(f"{model_file} gives {encoder.dimensions} dimensions, not 384")
        self._encoder = encoder
        get_logger(_LOGGER).info(
            "embedding_model_loaded",
            model=MINILM,
            variant=self.variant,
            file=str(model_file),
            threads=self._threads,
            seconds=round(time.perf_counter() - begin, 3),
        )
        return encoder


def _log_failed_load(done: Future[OnnxSentenceEncoder]) -> None:
    """A failed preload is reported here; the first ``embed`` then tries again and raises."""
    if not done.cancelled() and done.exception() is not None:
        get_logger(_LOGGER).error("embedding_model_load_failed", error=repr(done.exception()))
