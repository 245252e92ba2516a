"""One collection held in a process's memory: vectors, payloads, postings and the query planner.

It is only a cache of what the database holds (``EmbeddedVectorIndex`` keeps it in step).
Points live in append-only *slots*: an upsert takes a new slot and retires the old one, so a
slot's vector never changes and a graph built in the background over slots ``[0, n)`` stays
valid; retired slots are dropped when they make up a third of the arrays.

The planner: a filter keeping at most ``exact_limit`` points is searched exactly (numpy over
just those rows; recall 1.0); an unfiltered query or a broad filter goes to the HNSW graph
once it is built, asking it for enough neighbours that ``k`` of them pass the filter, and
re-scores them exactly. Until the graph is built (in a background thread), search is exact.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable, Iterable, Sequence
from typing import Any

import numpy as np
import numpy.typing as npt

from aic.ai.vectors.graph import GraphSearchFailed, HnswGraph
from aic.ai.vectors.validation import Condition, TypedValue, typed_values

__all__ = ["LocalCollection", "PlannerSettings", "similarities"]

Matrix = npt.NDArray[np.float32]
Slots = npt.NDArray[np.int64]
Hit = tuple[str, float, dict[str, Any]]


def similarities(rows: Matrix, query: Matrix) -> npt.NDArray[np.float32]:
    """Each row's dot product with ``query``, on this thread.

    Not ``rows @ query``: that is a BLAS call, and OpenBLAS spreads it over every core; with
    several workers and requests at once the threads fight, and a 20k-row product measured
    24 ms at the median instead of 1 ms (ADR 0011). einsum's own loop stays on one core.
    """
    scores: npt.NDArray[np.float32] = np.einsum("ij,j->i", rows, query)
    return scores


class PlannerSettings:
    """When to search exactly and when to build and use the graph."""

    def __init__(
        self,
        exact_limit: int = 20_000,
        graph_min_points: int = 20_000,
        ef_search: int = 128,
        background: bool = True,
    ) -> None:
        self.exact_limit = exact_limit
        self.graph_min_points = graph_min_points
        self.ef_search = ef_search
        self.background = background


class LocalCollection:
    def __init__(
        self,
        dimensions: int,
        incarnation: str,
        planner: PlannerSettings,
        on_error: Callable[[BaseException], None] | None = None,
    ) -> None:
        self.dimensions = dimensions
        self.incarnation = incarnation
        self.version = 0  # the collection version this cache has applied
        self._planner = planner
        self._on_error = on_error
        self._lock = threading.RLock()
        self._vectors: Matrix = np.zeros((64, dimensions), dtype=np.float32)
        self._alive = np.zeros(64, dtype=np.bool_)
        self._ids: list[str] = []
        self._payloads: list[dict[str, Any] | None] = []
        self._slot_of: dict[str, int] = {}
        self._postings: dict[str, dict[TypedValue, set[int]]] = {}
        # Sorted slot arrays of postings, made when a filter needs them, dropped on change.
        self._posting_arrays: dict[tuple[str, TypedValue], Slots] = {}
        # The rows of recent selective filters, contiguous: scanning them is ~10x faster than
        # gathering them from the whole matrix (ADR 0011). Any write empties it.
        self._filtered_rows: OrderedDict[frozenset[Condition], tuple[Slots, Matrix]] = OrderedDict()
        self._filtered_rows_size = 0
        self._graph: HnswGraph | None = None
        self._graph_generation = 0  # bumped when slots are renumbered: stale builds are dropped
        self._building = False
        self._graph_failed = False  # not retried on every write; compaction tries again

    # -- state -------------------------------------------------------------------------------

    def __len__(self) -> int:
        return len(self._slot_of)

    @property
    def slot_count(self) -> int:
        """Slots in use, retired ones included (they are dropped by compaction)."""
        return len(self._ids)

    def search_is_bounded(self, conditions: Sequence[Condition]) -> bool:
        """The search reads at most ``exact_limit`` rows or walks the graph: about a
        millisecond, fine on the event loop. Otherwise (a large collection whose graph is still
        being built, and no selective filter) it scans every row and belongs on a thread."""
        with self._lock:
            if self._graph is not None or len(self._slot_of) <= self._planner.exact_limit:
                return True
            return bool(conditions) and len(self._matching(conditions)) <= self._planner.exact_limit

    @property
    def graph_ready(self) -> bool:
        return self._graph is not None

    def apply(
        self,
        changes: Iterable[tuple[str, npt.NDArray[np.float32] | None, dict[str, Any] | None]],
    ) -> None:
        """Upserts (id, unit vector, payload) and deletions (id, None, None), in order."""
        with self._lock:
            self._filtered_rows.clear()
            self._filtered_rows_size = 0
            retired: list[int] = []
            added: list[int] = []
            for point_id, vector, payload in changes:
                old = self._slot_of.pop(point_id, None)
                if old is not None:
                    self._retire(old)
                    retired.append(old)
                if vector is not None:
                    added.append(self._append(point_id, vector, payload or {}))
            if self._graph is not None:
                self._graph.remove(np.asarray(retired, dtype=np.int64))
                self._graph.add(np.asarray(added, dtype=np.int64), self._vectors)
            if self._retired_share() > 1 / 3 and len(self._ids) > 1024:
                self._compact()
            self._maybe_build_graph()

    def _append(
        self, point_id: str, vector: npt.NDArray[np.float32], payload: dict[str, Any]
    ) -> int:
        slot = len(self._ids)
        if slot == len(self._alive):
            capacity = max(64, slot * 2)
            vectors = np.zeros((capacity, self.dimensions), dtype=np.float32)
            vectors[:slot] = self._vectors[:slot]
            alive = np.zeros(capacity, dtype=np.bool_)
            alive[:slot] = self._alive[:slot]
            self._vectors, self._alive = vectors, alive  # a running build keeps the old arrays
        self._vectors[slot] = vector
        self._alive[slot] = True
        self._ids.append(point_id)
        self._payloads.append(payload)
        self._slot_of[point_id] = slot
        for key, postings in self._postings.items():
            if key in payload:
                for value in typed_values(payload[key]):
                    postings.setdefault(value, set()).add(slot)
                    self._posting_arrays.pop((key, value), None)
        return slot

    def _retire(self, slot: int) -> None:
        self._alive[slot] = False
        payload = self._payloads[slot] or {}
        for key, postings in self._postings.items():
            if key in payload:
                for value in typed_values(payload[key]):
                    holders = postings.get(value)
                    self._posting_arrays.pop((key, value), None)
                    if holders is not None:
                        holders.discard(slot)
                        if not holders:
                            del postings[value]
        self._payloads[slot] = None

    def _retired_share(self) -> float:
        return 1 - len(self._slot_of) / len(self._ids) if self._ids else 0.0

    def _compact(self) -> None:
        live = self._live()
        self._vectors = np.ascontiguousarray(self._vectors[live])
        self._alive = np.ones(len(live), dtype=np.bool_)
        self._ids = [self._ids[s] for s in live]
        self._payloads = [self._payloads[s] for s in live]
        self._slot_of = {point_id: slot for slot, point_id in enumerate(self._ids)}
        self._postings = {}
        self._posting_arrays = {}
        self._graph = None
        self._graph_failed = False
        self._graph_generation += 1

    # -- the graph ---------------------------------------------------------------------------

    def _maybe_build_graph(self) -> None:
        if self._graph is not None or self._building or self._graph_failed:
            return
        if len(self._slot_of) < self._planner.graph_min_points:
            return
        self._building = True
        generation, size = self._graph_generation, len(self._ids)
        vectors, alive = self._vectors, self._alive[:size].copy()
        if self._planner.background:
            threading.Thread(
                target=self._build_graph,
                args=(generation, vectors, alive, size),
                name="vector-graph-build",
                daemon=True,
            ).start()
        else:
            self._build_graph(generation, vectors, alive, size)

    def _build_graph(
        self, generation: int, vectors: Matrix, alive: npt.NDArray[np.bool_], size: int
    ) -> None:
        try:
            graph = HnswGraph(self.dimensions, self._planner.ef_search)
            graph.add(np.flatnonzero(alive).astype(np.int64), vectors)
            with self._lock:
                if generation == self._graph_generation:
                    # Slots are append-only: catch up with what changed while building.
                    newer = np.arange(size, len(self._ids), dtype=np.int64)
                    graph.add(newer[self._alive[newer]], self._vectors)
                    died = np.flatnonzero(alive & ~self._alive[:size]).astype(np.int64)
                    graph.remove(died)
                    self._graph = graph
        except BaseException as exc:  # a failed build leaves exact search in place
            self._graph_failed = True
            if self._on_error is not None:
                self._on_error(exc)
        finally:
            with self._lock:
                self._building = False
                if generation != self._graph_generation:
                    self._maybe_build_graph()

    # -- reading -----------------------------------------------------------------------------

    def _posting(self, key: str) -> dict[TypedValue, set[int]]:
        postings = self._postings.get(key)
        if postings is None:  # a key's postings are built the first time a filter uses it
            postings = {}
            for slot in self._slot_of.values():
                payload = self._payloads[slot]
                if payload is not None and key in payload:
                    for value in typed_values(payload[key]):
                        postings.setdefault(value, set()).add(slot)
            self._postings[key] = postings
        return postings

    def _posting_array(self, key: str, value: TypedValue) -> Slots:
        array = self._posting_arrays.get((key, value))
        if array is None:
            holders = self._posting(key).get(value, set())
            array = np.fromiter(holders, dtype=np.int64, count=len(holders))
            array.sort()
            self._posting_arrays[(key, value)] = array
        return array

    def _matching(self, conditions: Sequence[Condition]) -> Slots:
        """The sorted slots of the live points matching every condition."""
        matches = []
        for condition in conditions:
            parts = [self._posting_array(condition.key, value) for value in condition.values]
            matches.append(parts[0] if len(parts) == 1 else np.unique(np.concatenate(parts)))
        matches.sort(key=len)  # the smallest first: the intersection only ever shrinks
        result = matches[0]
        for other in matches[1:]:
            if len(result) == 0:
                break
            result = np.intersect1d(result, other, assume_unique=True)
        return result

    def matching_ids(self, conditions: Sequence[Condition]) -> list[str]:
        with self._lock:
            return [self._ids[s] for s in self._matching(conditions)]

    def get(self, ids: Sequence[str]) -> list[tuple[str, Matrix, dict[str, Any]]]:
        with self._lock:
            found = []
            for point_id in ids:
                slot = self._slot_of.get(point_id)
                if slot is not None:
                    found.append(
                        (point_id, self._vectors[slot].copy(), dict(self._payloads[slot] or {}))
                    )
            return found

    def search(self, query: Matrix, k: int, conditions: Sequence[Condition]) -> list[Hit]:
        with self._lock:
            size = len(self._ids)
            if not self._slot_of:
                return []
            if conditions:
                cached = self._filtered_rows.get(frozenset(conditions))
                if cached is not None:
                    self._filtered_rows.move_to_end(frozenset(conditions))
                    return self._top(similarities(cached[1], query), cached[0], k)
                candidates = self._matching(conditions)
                if len(candidates) == 0:
                    return []
                if self._graph is None or len(candidates) <= self._planner.exact_limit:
                    rows = self._keep_rows(frozenset(conditions), candidates)
                    return self._top(similarities(rows, query), candidates, k)
                return self._graph_search(query, k, candidates)
            if self._graph is None or len(self._slot_of) <= self._planner.exact_limit:
                return self._exact(query, k, None if len(self._slot_of) == size else self._live())
            return self._graph_search(query, k, None)

    def _keep_rows(self, conditions: frozenset[Condition], slots: Slots) -> Matrix:
        """The rows of ``slots`` as one array, kept while they fit in half the collection."""
        rows: Matrix = self._vectors[slots]
        budget = len(self._slot_of) // 2
        if len(slots) <= budget:
            self._filtered_rows[conditions] = (slots, rows)
            self._filtered_rows_size += len(slots)
            while self._filtered_rows_size > budget:
                _, (dropped, _) = self._filtered_rows.popitem(last=False)
                self._filtered_rows_size -= len(dropped)
        return rows

    def _exact(self, query: Matrix, k: int, slots: Slots | None) -> list[Hit]:
        if slots is None:
            scores = similarities(self._vectors[: len(self._ids)], query)
            slots = np.arange(len(scores), dtype=np.int64)
        else:
            scores = similarities(self._vectors[slots], query)
        return self._top(scores, slots, k)

    def _top(self, scores: npt.NDArray[np.float32], slots: Slots, k: int) -> list[Hit]:
        if len(scores) > k:
            best = np.argpartition(-scores, k - 1)[:k]
            scores, slots = scores[best], slots[best]
        hits = [
            (self._ids[s], float(score), s)
            for s, score in zip(slots.tolist(), scores.tolist(), strict=True)
        ]
        hits.sort(key=lambda hit: (-hit[1], hit[0]))
        return [(point_id, score, dict(self._payloads[s] or {})) for point_id, score, s in hits]

    def _graph_search(self, query: Matrix, k: int, candidates: Slots | None) -> list[Hit]:
        assert self._graph is not None
        allowed: Callable[[int], bool] | None = None
        if candidates is not None:
            mask = np.zeros(len(self._ids), dtype=np.bool_)
            mask[candidates] = True
            allowed = mask.item  # the predicate hnswlib calls for each node it visits
        try:
            found = self._graph.search(query, k, allowed)
        except GraphSearchFailed:  # fewer than k reachable: the exact answer is affordable
            return self._exact(query, k, candidates if candidates is not None else self._live())
        # Scores computed again from the stored vectors: exact, and the same as exact search's.
        return self._top(similarities(self._vectors[found], query), found, k)

    def _live(self) -> Slots:
        return np.flatnonzero(self._alive[: len(self._ids)]).astype(np.int64)
