"""A model-free ``Embedder`` for unit tests: hashed words, deterministic, 384 dimensions."""

from __future__ import annotations

import hashlib
import re
from collections.abc import Sequence

import numpy as np
import numpy.typing as npt

__all__ = ["HashingEmbedder"]

_WORD = re.compile(r"\w+")


class HashingEmbedder:
    """Each word adds a fixed pseudo-random direction: texts sharing words are similar.

    Satisfies ``aic.ai.embeddings.Embedder``; ``calls`` records every ``embed`` call.
    """

    def __init__(self, dimensions: int = 384, model_name: str = "hashing-test") -> None:
        self._dimensions = dimensions
        self._model_name = model_name
        self.calls: list[list[str]] = []

    @property
    def model_name(self) -> str:
        return self._model_name

    @property
    def dimensions(self) -> int:
        return self._dimensions

    def _direction(self, word: str) -> npt.NDArray[np.float32]:
        seed = int.from_bytes(hashlib.blake2b(word.encode(), digest_size=8).digest(), "little")
        return np.random.default_rng(seed).standard_normal(self._dimensions).astype(np.float32)

    async def embed(self, texts: Sequence[str]) -> npt.NDArray[np.float32]:
        self.calls.append(list(texts))
        out = np.zeros((len(texts), self._dimensions), dtype=np.float32)
        for row, text in enumerate(texts):
            for word in _WORD.findall(text.lower()) or [""]:
                out[row] += self._direction(word)
            out[row] /= np.linalg.norm(out[row])
        return out

    def count_tokens(self, texts: Sequence[str]) -> list[int]:
        return [len(_WORD.findall(text)) + 2 for text in texts]
