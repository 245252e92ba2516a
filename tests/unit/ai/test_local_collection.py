"""The in-process collection: exact and graph plans agree with brute force, through changes."""

from __future__ import annotations

import time
from typing import Any

import numpy as np
import numpy.typing as npt
import pytest

from aic.ai.vectors import local
from aic.ai.vectors.local import LocalCollection, PlannerSettings
from aic.ai.vectors.validation import parse_filter

DIMS = 32
Matrix = npt.NDArray[np.float32]


def clustered(rng: np.random.Generator, n: int, centres: Matrix) -> Matrix:
    x = centres[rng.integers(0, len(centres), n)] + rng.standard_normal((n, DIMS)) / np.sqrt(DIMS)
    return (x / np.linalg.norm(x, axis=1, keepdims=True)).astype(np.float32)


class Data:
    def __init__(self, n: int, seed: int = 3) -> None:
        rng = np.random.default_rng(seed)
        centres = rng.standard_normal((max(4, n // 40), DIMS)).astype(np.float32)
        centres /= np.linalg.norm(centres, axis=1, keepdims=True)
        self.vectors = clustered(rng, n, centres)
        self.queries = clustered(rng, 30, centres)
        self.ids = [f"p{i}" for i in range(n)]
        self.payloads: list[dict[str, Any]] = [
            {"half": i % 2 == 0, "tenth": i % 10, "tags": [f"t{i % 3}"]} for i in range(n)
        ]

    def changes(self) -> list[tuple[str, Matrix | None, dict[str, Any] | None]]:
        return list(zip(self.ids, self.vectors, self.payloads, strict=True))

    def exact(self, query: Matrix, k: int, keep: list[int] | None = None) -> list[str]:
        rows = np.arange(len(self.ids)) if keep is None else np.asarray(keep)
        scores = self.vectors[rows] @ query
        order = np.argsort(-scores, kind="stable")[:k]
        return [self.ids[rows[i]] for i in order]


def planner(**overrides: Any) -> PlannerSettings:
    settings = {"exact_limit": 300, "graph_min_points": 500, "ef_search": 64, "background": False}
    return PlannerSettings(**{**settings, **overrides})


def recall(found: list[str], expected: list[str]) -> float:
    return len(set(found) & set(expected)) / len(expected)


def test_a_small_collection_is_searched_exactly_without_a_graph() -> None:
    data = Data(400)
    collection = LocalCollection(DIMS, "i", planner())
    collection.apply(data.changes())
    assert not collection.graph_ready  # below graph_min_points
    for query in data.queries:
        hits = collection.search(query, 10, [])
        assert [h[0] for h in hits] == data.exact(query, 10)
        assert [h[1] for h in hits] == sorted((h[1] for h in hits), reverse=True)


def test_an_unfiltered_query_on_a_large_collection_uses_the_graph_with_high_recall() -> None:
    data = Data(2000)
    collection = LocalCollection(DIMS, "i", planner())
    collection.apply(data.changes())
    assert collection.graph_ready
    scores = [
        recall([h[0] for h in collection.search(q, 10, [])], data.exact(q, 10))
        for q in data.queries
    ]
    assert np.mean(scores) >= 0.95


def test_a_selective_filter_is_answered_exactly() -> None:
    data = Data(2000)
    collection = LocalCollection(DIMS, "i", planner())
    collection.apply(data.changes())
    conditions = parse_filter({"tenth": 4})  # 200 points: below exact_limit
    keep = [i for i in range(2000) if i % 10 == 4]
    for query in data.queries:
        assert [h[0] for h in collection.search(query, 10, conditions)] == data.exact(
            query, 10, keep
        )


def test_a_broad_filter_walks_the_graph_and_returns_only_matching_points() -> None:
    data = Data(2000)
    collection = LocalCollection(DIMS, "i", planner())
    collection.apply(data.changes())
    assert collection.graph_ready
    conditions = parse_filter({"half": True})  # 1000 points: above exact_limit
    keep = [i for i in range(2000) if i % 2 == 0]
    scores = []
    for query in data.queries:
        hits = collection.search(query, 10, conditions)
        assert all(h[2]["half"] is True for h in hits)
        np.testing.assert_allclose(
            [h[1] for h in hits],
            [float(data.vectors[int(h[0][1:])] @ query) for h in hits],
            rtol=1e-5,
        )
        scores.append(recall([h[0] for h in hits], data.exact(query, 10, keep)))
    assert np.mean(scores) >= 0.95


def test_upserts_and_deletes_after_the_graph_is_built_are_seen_by_it() -> None:
    data = Data(2000)
    collection = LocalCollection(DIMS, "i", planner())
    collection.apply(data.changes())
    query = data.queries[0]
    best = data.exact(query, 3)
    collection.apply([(best[0], None, None), ("new", query, {"half": True})])
    hits = [h[0] for h in collection.search(query, 3, [])]
    assert hits[0] == "new"
    assert best[0] not in hits
    assert len(collection) == 2000


def test_overwriting_most_points_compacts_the_slots_and_rebuilds_the_graph() -> None:
    data = Data(2000)
    collection = LocalCollection(DIMS, "i", planner())
    collection.apply(data.changes())
    rng = np.random.default_rng(9)
    moved = rng.permutation(data.vectors)  # every id gets another point's vector
    data.vectors = moved
    collection.apply(data.changes())
    assert len(collection) == 2000
    assert collection.graph_ready
    for query in data.queries[:10]:
        assert (
            recall([h[0] for h in collection.search(query, 10, [])], data.exact(query, 10)) >= 0.8
        )
    conditions = parse_filter({"tags": "t1"})  # postings are rebuilt after compaction
    keep = [i for i in range(2000) if i % 3 == 1]
    found = [h[0] for h in collection.search(data.queries[0], 10, conditions)]
    assert recall(found, data.exact(data.queries[0], 10, keep)) >= 0.8
    assert collection.slot_count == 2000  # the retired half is gone


def test_the_graph_is_built_in_the_background_and_catches_up_with_changes() -> None:
    data = Data(3000)
    collection = LocalCollection(DIMS, "i", planner(background=True))
    collection.apply(data.changes())
    query = data.queries[1]
    best = data.exact(query, 1)[0]
    # Most likely during the build: the builder must add and remove what changed meanwhile.
    collection.apply([(best, None, None), ("fresh", -query, {"half": False})])
    assert [h[0] for h in collection.search(query, 1, [])] == [data.exact(query, 2)[1]]
    deadline = time.monotonic() + 30
    while not collection.graph_ready and time.monotonic() < deadline:
        time.sleep(0.01)
    assert collection.graph_ready
    assert best not in [h[0] for h in collection.search(query, 10, [])]
    assert [h[0] for h in collection.search(-query, 1, [])] == ["fresh"]


def test_a_failed_graph_build_is_reported_and_search_stays_exact(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    class Broken:
        def __init__(self, *args: object) -> None:
            raise MemoryError("no room for the graph")

    monkeypatch.setattr(local, "HnswGraph", Broken)
    errors: list[BaseException] = []
    data = Data(600)
    collection = LocalCollection(DIMS, "i", planner(), on_error=errors.append)
    collection.apply(data.changes())
    assert [type(e) for e in errors] == [MemoryError]
    assert not collection.graph_ready
    query = data.queries[0]
    assert [h[0] for h in collection.search(query, 5, [])] == data.exact(query, 5)


def test_a_filter_sees_points_that_join_or_leave_it_after_it_was_first_used() -> None:
    data = Data(400)
    collection = LocalCollection(DIMS, "i", planner())
    collection.apply(data.changes())
    query = data.queries[0]
    tenth = parse_filter({"tenth": [3, 4]})
    before = [h[0] for h in collection.search(query, 400, tenth)]
    assert sorted(before) == sorted(f"p{i}" for i in range(400) if i % 10 in (3, 4))
    collection.apply(
        [
            ("p3", data.vectors[3], {"tenth": 5}),  # leaves by a new payload
            ("p4", None, None),  # leaves by deletion
            ("p5", data.vectors[5], {"tenth": 3}),  # joins
            ("new", query, {"tenth": [9, 4]}),  # joins through one element of a list
        ]
    )
    after = [h[0] for h in collection.search(query, 400, tenth)]
    assert after[0] == "new"
    assert set(after) == (set(before) - {"p3", "p4"}) | {"p5", "new"}
