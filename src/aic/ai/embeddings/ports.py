"""The ``Embedder`` port: texts in, unit-length float32 vectors out."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Protocol

if TYPE_CHECKING:  # numpy is imported where vectors are made, not when this port is
    import numpy as np
    import numpy.typing as npt

__all__ = ["Embedder"]


class Embedder(Protocol):
    """Turns texts into sentence embeddings.

    ``embed`` returns a ``(len(texts), dimensions)`` float32 array whose rows are
    L2-normalised, so a dot product is the cosine similarity; row ``i`` is ``texts[i]``, and
    no texts give a ``(0, dimensions)`` array. It never blocks the event loop (inference runs
    in a thread, concurrent calls may share a batch). Texts longer than the model reads are
    truncated, as sentence-transformers does, not refused. ``count_tokens`` is what each text
    costs in the model's tokens (after truncation, special tokens included), for usage
    reporting.
    """

    @property
    def model_name(self) -> str: ...

    @property
    def dimensions(self) -> int: ...

    async def embed(self, texts: Sequence[str]) -> npt.NDArray[np.float32]: ...

    def count_tokens(self, texts: Sequence[str]) -> list[int]: ...
