"""Which ANN library backs the embedded vector index: usearch, hnswlib, faiss, sqlite-vec, numpy.

Run ``python -m bench.ann_libraries [--points 100000] [--queries 200]``; the figures of
``docs/adr/0011-vector-index.md`` come from it. Random unit vectors (the hardest case for a
graph index: no clusters), a metadata field with 10 values so that one value keeps ~10 %,
recall@10 against exact search, query p95 one query at a time, build time and memory.
"""

from __future__ import annotations

import argparse
import gc
import sqlite3
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt
import psutil

__all__ = ["main"]

Matrix = npt.NDArray[np.float32]
K = 10


@dataclass
class Row:
    library: str
    case: str
    p95_ms: float
    recall: float
    build_s: float | None = None
    memory_mb: float | None = None


def _unit(rng: np.random.Generator, n: int, d: int) -> Matrix:
    x = rng.standard_normal((n, d)).astype(np.float32)
    x /= np.linalg.norm(x, axis=1, keepdims=True)
    return x


def _clustered(rng: np.random.Generator, n: int, d: int, centres: Matrix) -> Matrix:
    """Points around random centres (cosine ~0.7 to their centre), like sentence embeddings."""
    picks = rng.integers(0, len(centres), n)
    x = centres[picks] + rng.standard_normal((n, d)).astype(np.float32) / np.sqrt(d)
    x /= np.linalg.norm(x, axis=1, keepdims=True)
    clustered: Matrix = x.astype(np.float32)
    return clustered


def _exact(data: Matrix, q: Matrix, rows: npt.NDArray[np.int64] | None) -> list[int]:
    if rows is None:
        scores = data @ q
        top = np.argpartition(-scores, K)[:K]
        return [int(i) for i in top[np.argsort(-scores[top])]]
    scores = data[rows] @ q
    top = np.argpartition(-scores, K)[:K]
    return [int(rows[i]) for i in top[np.argsort(-scores[top])]]


def _measure(
    truth: list[list[int]], queries: Matrix, search: Callable[[Matrix], list[int]]
) -> tuple[float, float]:
    times, hits = [], 0
    for q, expected in zip(queries, truth, strict=True):
        start = time.perf_counter()
        found = search(q)
        times.append(time.perf_counter() - start)
        hits += len(set(found[:K]) & set(expected))
    return float(np.percentile(times, 95) * 1000), hits / (len(queries) * K)


def _rss_mb() -> float:
    gc.collect()
    return psutil.Process().memory_info().rss / 2**20


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--points", type=int, default=100_000)
    parser.add_argument("--dims", type=int, default=384)
    parser.add_argument("--queries", type=int, default=200)
    parser.add_argument("--only", default="numpy,hnswlib,usearch,faiss,sqlite-vec")
    parser.add_argument("--data", choices=["random", "clustered"], default="random")
    args = parser.parse_args()
    rng = np.random.default_rng(7)
    if args.data == "random":
        data = _unit(rng, args.points, args.dims)
        queries = _unit(rng, args.queries, args.dims)
    else:
        centres = _unit(rng, max(10, args.points // 50), args.dims)
        data = _clustered(rng, args.points, args.dims, centres)
        queries = _clustered(rng, args.queries, args.dims, centres)
    portal = rng.integers(0, 10, args.points)
    selected = np.flatnonzero(portal == 3).astype(np.int64)
    mask = portal == 3
    print(
        f"{args.points} x {args.dims} {args.data}, filter keeps {len(selected) / args.points:.1%}"
    )
    truth = [_exact(data, q, None) for q in queries]
    truth_f = [_exact(data, q, selected) for q in queries]
    rows: list[Row] = []
    only = set(args.only.split(","))
    if "numpy" in only:
        rows += _numpy(data, queries, truth, truth_f, selected)
    if "hnswlib" in only:
        rows += _hnswlib(data, queries, truth, truth_f, mask)
    if "usearch" in only:
        rows += _usearch(data, queries, truth, truth_f, mask)
    if "faiss" in only:
        rows += _faiss(data, queries, truth, truth_f, mask)
    if "sqlite-vec" in only:
        rows += _sqlite_vec(data, portal, queries, truth, truth_f)
    print(f"{'library':<34}{'case':<34}{'p95 ms':>8}{'recall':>8}{'build s':>9}{'mem MB':>8}")
    for r in rows:
        build = f"{r.build_s:.1f}" if r.build_s is not None else "-"
        memory = f"{r.memory_mb:.0f}" if r.memory_mb is not None else "-"
        print(f"{r.library:<34}{r.case:<34}{r.p95_ms:>8.2f}{r.recall:>8.3f}{build:>9}{memory:>8}")


def _numpy(
    data: Matrix,
    queries: Matrix,
    truth: list[list[int]],
    truth_f: list[list[int]],
    selected: npt.NDArray[np.int64],
) -> list[Row]:
    subset = np.ascontiguousarray(data[selected])
    rows = [
        Row(
            "numpy exact", "unfiltered", *_measure(truth, queries, lambda q: _exact(data, q, None))
        ),
        Row(
            "numpy exact",
            "10% filter, gather rows",
            *_measure(truth_f, queries, lambda q: _exact(data, q, selected)),
        ),
    ]

    def on_subset(q: Matrix) -> list[int]:
        scores = subset @ q
        top = np.argpartition(-scores, K)[:K]
        return [int(selected[i]) for i in top]

    rows.append(
        Row("numpy exact", "10% filter, subset kept", *_measure(truth_f, queries, on_subset))
    )
    return rows


def _overfetch(
    search: Callable[[Matrix, int], list[int]], mask: npt.NDArray[np.bool_]
) -> Callable[[Matrix], list[int]]:
    """Ask the graph for more than ``k`` and keep the ones passing the filter."""

    def run(q: Matrix) -> list[int]:
        fetch = K * 20
        while True:
            found = [i for i in search(q, fetch) if mask[i]]
            if len(found) >= K or fetch >= len(mask):
                return found[:K]
            fetch *= 4

    return run


def _hnswlib(
    data: Matrix,
    queries: Matrix,
    truth: list[list[int]],
    truth_f: list[list[int]],
    mask: npt.NDArray[np.bool_],
) -> list[Row]:
    import hnswlib  # type: ignore[import-untyped]

    before = _rss_mb()
    start = time.perf_counter()
    index: Any = hnswlib.Index(space="ip", dim=data.shape[1])
    index.init_index(max_elements=len(data), M=16, ef_construction=100)
    index.add_items(data, np.arange(len(data)), num_threads=2)
    build = time.perf_counter() - start
    memory = _rss_mb() - before
    rows = []
    for ef in (64, 128, 256, 512):
        index.set_ef(ef)

        def plain(q: Matrix, count: int = K) -> list[int]:
            labels, _ = index.knn_query(q, k=count, num_threads=1)
            return [int(i) for i in labels[0]]

        label = f"hnswlib M16 efC100 ef{ef}"
        rows.append(Row(label, "unfiltered", *_measure(truth, queries, plain), build, memory))

        def filtered(q: Matrix) -> list[int]:
            labels, _ = index.knn_query(q, k=K, num_threads=1, filter=lambda i: bool(mask[i]))
            return [int(i) for i in labels[0]]

        rows.append(Row(label, "10% filter, callback", *_measure(truth_f, queries, filtered)))
        rows.append(
            Row(
                label,
                "10% filter, over-fetch",
                *_measure(truth_f, queries, _overfetch(plain, mask)),
            )
        )
    return rows


def _usearch(
    data: Matrix,
    queries: Matrix,
    truth: list[list[int]],
    truth_f: list[list[int]],
    mask: npt.NDArray[np.bool_],
) -> list[Row]:
    from usearch.index import Index

    rows = []
    for dtype in ("f32", "i8"):
        before = _rss_mb()
        start = time.perf_counter()
        index: Any = Index(
            ndim=data.shape[1], metric="ip", dtype=dtype, connectivity=16, expansion_add=100
        )
        index.add(np.arange(len(data)), data, threads=2)
        build = time.perf_counter() - start
        memory = _rss_mb() - before
        for ef in (64, 128, 256, 512):
            index.expansion_search = ef

            def plain(q: Matrix, count: int = K, index: Any = index) -> list[int]:
                return [int(i) for i in index.search(q, count, threads=1).keys]

            label = f"usearch {dtype} M16 efC100 ef{ef}"
            rows.append(Row(label, "unfiltered", *_measure(truth, queries, plain), build, memory))
            rows.append(
                Row(
                    label,
                    "10% filter, over-fetch",
                    *_measure(truth_f, queries, _overfetch(plain, mask)),
                )
            )
        del index
    return rows


def _faiss(
    data: Matrix,
    queries: Matrix,
    truth: list[list[int]],
    truth_f: list[list[int]],
    mask: npt.NDArray[np.bool_],
) -> list[Row]:
    import faiss

    faiss_: Any = faiss
    faiss.omp_set_num_threads(2)
    before = _rss_mb()
    start = time.perf_counter()
    index: Any = faiss.IndexHNSWFlat(data.shape[1], 16, faiss.METRIC_INNER_PRODUCT)
    index.hnsw.efConstruction = 100
    index.add(data)
    build = time.perf_counter() - start
    memory = _rss_mb() - before
    faiss.omp_set_num_threads(1)
    bits = np.packbits(mask, bitorder="little")
    selector = faiss.IDSelectorBitmap(len(mask), faiss.swig_ptr(bits))
    rows = []
    for ef in (64, 128, 256, 512):
        plain_params = faiss_.SearchParametersHNSW(efSearch=ef)
        filter_params = faiss_.SearchParametersHNSW(efSearch=ef, sel=selector)

        def plain(q: Matrix, params: Any = plain_params) -> list[int]:
            _, labels = index.search(q[None, :], K, params=params)
            return [int(i) for i in labels[0]]

        def filtered(q: Matrix, params: Any = filter_params) -> list[int]:
            _, labels = index.search(q[None, :], K, params=params)
            return [int(i) for i in labels[0] if i >= 0]

        label = f"faiss HNSWFlat M16 efC100 ef{ef}"
        rows.append(Row(label, "unfiltered", *_measure(truth, queries, plain), build, memory))
        rows.append(Row(label, "10% filter, IDSelector", *_measure(truth_f, queries, filtered)))
    return rows


def _sqlite_vec(
    data: Matrix,
    portal: npt.NDArray[np.int64],
    queries: Matrix,
    truth: list[list[int]],
    truth_f: list[list[int]],
) -> list[Row]:
    import sqlite_vec  # type: ignore[import-untyped]

    connection = sqlite3.connect(":memory:")
    if not hasattr(connection, "enable_load_extension"):
        print("sqlite-vec: this Python's sqlite3 cannot load extensions; not measured")
        return []
    connection.enable_load_extension(True)
    sqlite_vec.load(connection)
    before = _rss_mb()
    start = time.perf_counter()
    connection.execute(
        f"CREATE VIRTUAL TABLE v USING vec0(embedding float[{data.shape[1]}] "
        "distance_metric=cosine, portal integer)"
    )
    connection.executemany(
        "INSERT INTO v(rowid, embedding, portal) VALUES (?, ?, ?)",
        ((i, data[i].tobytes(), int(portal[i])) for i in range(len(data))),
    )
    build = time.perf_counter() - start
    memory = _rss_mb() - before

    def plain(q: Matrix) -> list[int]:
        sql = "SELECT rowid FROM v WHERE embedding MATCH ? AND k = ? ORDER BY distance"
        return [r[0] for r in connection.execute(sql, (q.tobytes(), K))]

    def filtered(q: Matrix) -> list[int]:
        sql = (
            "SELECT rowid FROM v WHERE embedding MATCH ? AND k = ? AND portal = 3 ORDER BY distance"
        )
        return [r[0] for r in connection.execute(sql, (q.tobytes(), K))]

    return [
        Row(
            "sqlite-vec vec0 (exact)", "unfiltered", *_measure(truth, queries, plain), build, memory
        ),
        Row(
            "sqlite-vec vec0 (exact)",
            "10% filter, metadata col",
            *_measure(truth_f, queries, filtered),
        ),
    ]


if __name__ == "__main__":
    main()
