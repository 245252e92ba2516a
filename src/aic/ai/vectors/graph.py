"""``HnswGraph``: the approximate nearest-neighbour graph (hnswlib) over a collection's slots.

hnswlib won the measurement of ``bench/ann_libraries.py`` (ADR 0011): the fastest search at
equal recall, deletion (``mark_deleted``), and a filter predicate evaluated inside the graph
walk, which keeps recall high for broad filters.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from typing import Any

import hnswlib  # type: ignore[import-untyped]
import numpy as np
import numpy.typing as npt

__all__ = ["GraphSearchFailed", "HnswGraph"]

Slots = npt.NDArray[np.int64]

_M = 16  # links per node: recall 1.0 at ef 64 on clustered 384-d data, 165 MB per 100k
_EF_CONSTRUCTION = 100


class GraphSearchFailed(RuntimeError):
    """The walk found fewer than the asked number of neighbours (a filter, too small an ef)."""


class HnswGraph:
    """Inner-product HNSW over unit vectors (so, cosine), labelled by slot number."""

    def __init__(self, dimensions: int, ef_search: int, capacity: int = 1024) -> None:
        self._index: Any = hnswlib.Index(space="ip", dim=dimensions)
        self._index.init_index(max_elements=capacity, ef_construction=_EF_CONSTRUCTION, M=_M)
        self._ef_search = ef_search
        self._live = 0
        self._threads = max(1, min(4, os.cpu_count() or 1))

    def __len__(self) -> int:
        return self._live

    def add(self, slots: Slots, vectors: npt.NDArray[np.float32]) -> None:
        """Add ``vectors[slot]`` for each slot (new slots only: a slot never changes)."""
        if len(slots) == 0:
            return
        needed = self._index.element_count + len(slots)
        if needed > self._index.get_max_elements():
            self._index.resize_index(max(needed, 2 * self._index.get_max_elements()))
        threads = self._threads if len(slots) > 1000 else 1
        self._index.add_items(vectors[slots], slots, num_threads=threads)
        self._live += len(slots)

    def remove(self, slots: Slots) -> None:
        for slot in slots.tolist():
            try:
                self._index.mark_deleted(slot)
            except RuntimeError:  # never added (it came and went while the graph was built)
                continue
            self._live -= 1

    def search(
        self, query: npt.NDArray[np.float32], count: int, allowed: Callable[[int], bool] | None
    ) -> Slots:
        """The ``count`` nearest slots (passing ``allowed``, when given), nearest first."""
        count = min(count, self._live)
        if count <= 0:
            return np.empty(0, dtype=np.int64)
        self._index.set_ef(max(self._ef_search, count))
        try:
            labels, _ = self._index.knn_query(query, k=count, num_threads=1, filter=allowed)
        except RuntimeError as exc:
            raise GraphSearchFailed(str(exc)) from exc
        found: Slots = labels[0].astype(np.int64)
        return found
