"""One contract for every ``VectorIndex``: embedded on SQLite, on PostgreSQL, and Qdrant (local)."""

from __future__ import annotations

import asyncio
import math
import uuid
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import numpy as np
import psycopg
import pytest
from psycopg import sql
from qdrant_client import AsyncQdrantClient

from aic.ai.vectors import (
    MAX_K,
    CollectionConflict,
    CollectionNotFound,
    DimensionMismatch,
    InvalidFilter,
    InvalidPoint,
    InvalidQuery,
    VectorIndex,
    VectorPoint,
)
from aic.ai.vectors.embedded import VECTOR_MIGRATIONS, EmbeddedVectorIndex
from aic.ai.vectors.qdrant import QdrantVectorIndex
from aic.storage import SqlDatabase, migrate, open_database

pytestmark = pytest.mark.anyio

DIMS = 8


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


class Store:
    """Where an index keeps its points; ``open`` gives a new, independent index on it."""

    def __init__(self, kind: str, location: str) -> None:
        self.kind = kind
        self.location = location
        self._databases: list[SqlDatabase] = []

    async def open(self) -> VectorIndex:
        if self.kind == "qdrant":
            return QdrantVectorIndex(AsyncQdrantClient(path=self.location))
        await migrate(self.location, [VECTOR_MIGRATIONS])
        database = await open_database(self.location, min_size=1, max_size=4)
        self._databases.append(database)
        return EmbeddedVectorIndex(database)

    async def close(self) -> None:
        for database in self._databases:
            await database.close()
        self._databases.clear()


def _postgres_schema(request: pytest.FixtureRequest) -> Iterator[str]:
    server_url: str = request.getfixturevalue("postgres_url")
    schema = f"t_{uuid.uuid4().hex[:12]}"
    with psycopg.connect(server_url, autocommit=True) as admin:
        admin.execute(sql.SQL("CREATE SCHEMA {}").format(sql.Identifier(schema)))
        try:
            separator = "&" if "?" in server_url else "?"
            yield f"{server_url}{separator}options=-csearch_path%3D{schema}"
        finally:
            admin.execute(sql.SQL("DROP SCHEMA {} CASCADE").format(sql.Identifier(schema)))


def _store(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Store]:
    if request.param == "qdrant":
        yield Store("qdrant", str(tmp_path / "qdrant"))
    elif request.param == "sqlite":
        yield Store("sqlite", f"sqlite:///{tmp_path / 'ai.db'}")
    else:
        yield from (Store("postgresql", url) for url in _postgres_schema(request))


POSTGRES = pytest.param("postgresql", marks=pytest.mark.postgres)


@pytest.fixture(params=["sqlite", POSTGRES, "qdrant"])
def store(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Store]:
    yield from _store(request, tmp_path)


@pytest.fixture(params=["sqlite", POSTGRES])
def shared_store(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Store]:
    """Stores that several processes open at once (Qdrant's local mode is one process only)."""
    yield from _store(request, tmp_path)


@pytest.fixture
async def index(store: Store) -> AsyncIterator[VectorIndex]:
    opened = await store.open()
    try:
        yield opened
    finally:
        await opened.close()
        await store.close()


def axis(i: int, scale: float = 1.0) -> list[float]:
    vector = [0.0] * DIMS
    vector[i] = scale
    return vector


def between(i: int, j: int, weight_i: float) -> list[float]:
    vector = [0.0] * DIMS
    vector[i], vector[j] = weight_i, 1.0 - weight_i
    return vector


async def catalogue(index: VectorIndex) -> None:
    """Five content passages on the first two axes, with the composer's kind of payload."""
    await index.create_collection("content", DIMS)

    def payload(portal: str, segment: str, kind: str, published: object) -> dict[str, object]:
        return {"portal": portal, "segment": segment, "content_type": kind, "published": published}

    rows = [
        ("a", 1.0, payload("main", "smb", "article", True)),
        ("b", 0.9, payload("main", "enterprise", "case_study", True)),
        ("c", 0.7, payload("smb", "smb", "article", False)),
        ("d", 0.5, {**payload("smb", "smb", "faq", True), "tags": ["crm", "ai"]}),
        ("e", 0.2, payload("nexus", "enterprise", "article", 1)),
    ]
    await index.upsert(
        "content",
        [VectorPoint(pid, between(0, 1, w), {**p, "text": f"passage {pid}"}) for pid, w, p in rows],
    )


# -- collections ------------------------------------------------------------------------------


async def test_a_collection_is_created_once_and_listed_with_its_count(index: VectorIndex) -> None:
    info, created = await index.create_collection("content", DIMS)
    assert created
    assert (info.name, info.dimensions, info.distance, info.count) == ("content", DIMS, "cosine", 0)
    again, created_again = await index.create_collection("content", DIMS)
    assert not created_again
    assert again == info
    await index.create_collection("archive", 3)
    await index.upsert("content", [VectorPoint("x", axis(0)), VectorPoint("y", axis(1))])
    listed = await index.list_collections()
    assert [(c.name, c.dimensions, c.count) for c in listed] == [
        ("archive", 3, 0),
        ("content", DIMS, 2),
    ]
    assert (await index.collection_info("content")).count == 2


async def test_creating_it_again_with_other_dimensions_is_a_conflict(index: VectorIndex) -> None:
    await index.create_collection("content", DIMS)
    with pytest.raises(CollectionConflict):
        await index.create_collection("content", DIMS + 1)


async def test_a_dropped_collection_is_gone_with_its_points(index: VectorIndex) -> None:
    await catalogue(index)
    await index.drop_collection("content")
    assert await index.list_collections() == []
    with pytest.raises(CollectionNotFound):
        await index.query("content", axis(0))
    await index.create_collection("content", 3)  # the name is free again, any dimensions
    assert (await index.collection_info("content")).count == 0


@pytest.mark.parametrize(
    "call",
    [
        lambda ix: ix.query("nowhere", axis(0)),
        lambda ix: ix.upsert("nowhere", [VectorPoint("a", axis(0))]),
        lambda ix: ix.delete("nowhere", ["a"]),
        lambda ix: ix.delete_where("nowhere", {"portal": "main"}),
        lambda ix: ix.collection_info("nowhere"),
        lambda ix: ix.drop_collection("nowhere"),
        lambda ix: ix.retrieve("nowhere", ["a"]),
    ],
    ids=["query", "upsert", "delete", "delete_where", "info", "drop", "retrieve"],
)
async def test_an_unknown_collection_is_named_in_the_error(
    index: VectorIndex, call: object
) -> None:
    with pytest.raises(CollectionNotFound) as caught:
        await call(index)  # type: ignore[operator]
    assert caught.value.details == {"collection": "nowhere"}


@pytest.mark.parametrize("name", ["", "a b", "x" * 65, "../etc", "naïve", "content\n"])
async def test_a_malformed_collection_name_is_refused(index: VectorIndex, name: str) -> None:
    with pytest.raises(InvalidQuery):
        await index.create_collection(name, DIMS)


@pytest.mark.parametrize("dimensions", [0, -3, 5000])
async def test_dimensions_out_of_range_are_refused(index: VectorIndex, dimensions: int) -> None:
    with pytest.raises(InvalidQuery):
        await index.create_collection("content", dimensions)


# -- upsert, query, delete --------------------------------------------------------------------


async def test_a_query_returns_the_k_most_similar_best_first_with_cosine_scores(
    index: VectorIndex,
) -> None:
    await catalogue(index)
    hits = await index.query("content", axis(0), k=3)
    assert [h.id for h in hits] == ["a", "b", "c"]
    for hit, weight in zip(hits, (1.0, 0.9, 0.7), strict=True):
        expected = weight / math.hypot(weight, 1.0 - weight)
        assert hit.score == pytest.approx(expected, abs=1e-5)
    assert hits[0].payload == {
        "portal": "main", "segment": "smb", "content_type": "article", "published": True,
        "text": "passage a",
    }  # fmt: skip


async def test_vectors_of_any_length_count_only_by_direction(index: VectorIndex) -> None:
    await index.create_collection("content", DIMS)
    await index.upsert("content", [VectorPoint("long", axis(0, 40.0)), VectorPoint("y", axis(1))])
    hits = await index.query("content", axis(0, 0.001), k=1)
    assert hits[0].id == "long"
    assert hits[0].score == pytest.approx(1.0, abs=1e-6)
    opposite = await index.query("content", axis(0, -2.0), k=2)
    assert [h.id for h in opposite] == ["y", "long"]
    assert opposite[1].score == pytest.approx(-1.0, abs=1e-6)


async def test_equal_scores_are_ordered_by_id(index: VectorIndex) -> None:
    await index.create_collection("content", DIMS)
    await index.upsert("content", [VectorPoint(i, axis(2)) for i in ("m", "c", "x", "a")])
    hits = await index.query("content", axis(2), k=4)
    assert [h.id for h in hits] == ["a", "c", "m", "x"]


async def test_k_larger_than_the_collection_returns_every_point(index: VectorIndex) -> None:
    await catalogue(index)
    assert len(await index.query("content", axis(0), k=MAX_K)) == 5
    assert len(await index.query("content", axis(0), k=1)) == 1


@pytest.mark.parametrize("k", [0, -1, MAX_K + 1])
async def test_k_out_of_range_is_refused(index: VectorIndex, k: int) -> None:
    await catalogue(index)
    with pytest.raises(InvalidQuery):
        await index.query("content", axis(0), k=k)


async def test_an_empty_collection_answers_no_hits(index: VectorIndex) -> None:
    await index.create_collection("content", DIMS)
    assert await index.query("content", axis(0)) == []


async def test_an_upsert_of_an_existing_id_replaces_vector_and_payload(index: VectorIndex) -> None:
    await catalogue(index)
    await index.upsert("content", [VectorPoint("e", axis(0), {"portal": "main"})])
    hits = await index.query("content", axis(0), k=2)
    assert [h.id for h in hits] == ["a", "e"]  # a and e both on axis 0: tie, by id
    assert hits[1].payload == {"portal": "main"}
    assert (await index.collection_info("content")).count == 5


async def test_a_repeated_id_in_one_batch_keeps_the_last(index: VectorIndex) -> None:
    await index.create_collection("content", DIMS)
    await index.upsert(
        "content", [VectorPoint("p", axis(0), {"v": 1}), VectorPoint("p", axis(1), {"v": 2})]
    )
    [hit] = await index.query("content", axis(1), k=5)
    assert (hit.id, hit.payload, round(hit.score, 5)) == ("p", {"v": 2}, 1.0)


async def test_delete_removes_the_ids_and_counts_only_those_that_existed(
    index: VectorIndex,
) -> None:
    await catalogue(index)
    assert await index.delete("content", ["a", "c", "zzz", "a"]) == 2
    assert [h.id for h in await index.query("content", axis(0), k=10)] == ["b", "d", "e"]
    assert (await index.collection_info("content")).count == 3
    assert await index.delete("content", ["a"]) == 0
    assert await index.delete("content", []) == 0


async def test_a_deleted_id_can_be_upserted_again(index: VectorIndex) -> None:
    await catalogue(index)
    await index.delete("content", ["b"])
    await index.upsert("content", [VectorPoint("b", axis(3), {"again": True})])
    [hit] = await index.query("content", axis(3), k=1)
    assert (hit.id, hit.payload) == ("b", {"again": True})
    assert (await index.collection_info("content")).count == 5


async def test_retrieve_gives_the_stored_points_in_the_order_asked(index: VectorIndex) -> None:
    await catalogue(index)
    points = await index.retrieve("content", ["d", "nope", "a"], with_vectors=True)
    assert [p.id for p in points] == ["d", "a"]
    assert points[1].vector is not None
    np.testing.assert_allclose(points[1].vector, axis(0), atol=1e-6)  # stored as a unit vector
    assert points[0].payload["tags"] == ["crm", "ai"]
    without = await index.retrieve("content", ["a"])
    assert without[0].vector is None


# -- filters ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("where", "expected"),
    [
        ({"portal": "smb"}, ["c", "d"]),
        ({"portal": ["main", "nexus"]}, ["a", "b", "e"]),
        ({"segment": "smb", "published": True}, ["a", "d"]),
        ({"content_type": ["article", "faq"], "portal": "smb", "published": True}, ["d"]),
        ({"published": True}, ["a", "b", "d"]),  # e's published is 1: a number, not true
        ({"published": 1}, ["e"]),
        ({"tags": "ai"}, ["d"]),  # a list payload matches when one element does
        ({"tags": ["ml", "crm"]}, ["d"]),
        ({"portal": "partner"}, []),
        ({"missing_key": "x"}, []),
    ],
)
async def test_filters_match_payload_values_and_combine_with_and(
    index: VectorIndex, where: dict[str, object], expected: list[str]
) -> None:
    await catalogue(index)
    hits = await index.query("content", axis(0), k=10, where=where)  # type: ignore[arg-type]
    assert [h.id for h in hits] == expected


async def test_k_applies_after_the_filter(index: VectorIndex) -> None:
    await catalogue(index)
    hits = await index.query("content", axis(1), k=1, where={"portal": "main"})
    assert [h.id for h in hits] == ["b"]


@pytest.mark.parametrize(
    "where",
    [
        {"portal": 1.5},
        {"portal": None},
        {"portal": []},
        {"portal": {"nested": 1}},
        {"bad key": "x"},
        {"1st": "x"},
        {"portal\n": "x"},
        {"\ud800": "x"},
        {"portal": ["a", None]},
    ],
)
async def test_a_malformed_filter_is_refused(index: VectorIndex, where: object) -> None:
    await catalogue(index)
    with pytest.raises(InvalidFilter):
        await index.query("content", axis(0), where=where)  # type: ignore[arg-type]


async def test_delete_where_removes_what_the_filter_matches(index: VectorIndex) -> None:
    await catalogue(index)
    assert await index.delete_where("content", {"segment": "smb", "published": True}) == 2
    assert sorted(h.id for h in await index.query("content", axis(0), k=10)) == ["b", "c", "e"]
    assert await index.delete_where("content", {"portal": "partner"}) == 0
    assert (await index.collection_info("content")).count == 3


async def test_delete_where_without_a_condition_is_refused(index: VectorIndex) -> None:
    await catalogue(index)
    with pytest.raises(InvalidQuery):
        await index.delete_where("content", {})


# -- refused points ---------------------------------------------------------------------------


async def test_a_vector_of_the_wrong_length_refuses_the_whole_batch(index: VectorIndex) -> None:
    await catalogue(index)
    batch = [VectorPoint("new", axis(0)), VectorPoint("short", [1.0, 0.0])]
    with pytest.raises(DimensionMismatch) as caught:
        await index.upsert("content", batch)
    assert caught.value.details == {"expected": DIMS, "got": 2, "at": "points[1].vector"}
    assert await index.retrieve("content", ["new"]) == []
    assert (await index.collection_info("content")).count == 5


async def test_a_query_vector_of_the_wrong_length_is_refused(index: VectorIndex) -> None:
    await catalogue(index)
    with pytest.raises(DimensionMismatch):
        await index.query("content", [1.0] * (DIMS + 1))


@pytest.mark.parametrize(
    "vector",
    [
        [math.nan] + [0.0] * (DIMS - 1),
        [math.inf] + [0.0] * (DIMS - 1),
        [0.0] * DIMS,
        ["a"] * DIMS,
        [[1.0] * DIMS],
        [10**400] + [0] * (DIMS - 1),
    ],
    ids=["nan", "inf", "zero", "strings", "nested", "huge-integer"],
)
async def test_nan_infinite_zero_or_malformed_vectors_are_refused(
    index: VectorIndex, vector: list[object]
) -> None:
    await catalogue(index)
    with pytest.raises(InvalidPoint):
        await index.upsert("content", [VectorPoint("bad", vector)])  # type: ignore[arg-type]
    with pytest.raises(InvalidPoint):
        await index.query("content", vector)  # type: ignore[arg-type]
    assert await index.retrieve("content", ["bad"]) == []


@pytest.mark.parametrize(
    "point",
    [
        VectorPoint("", axis(0)),
        VectorPoint("x" * 257, axis(0)),
        VectorPoint("p", axis(0), {"aic:id": "spoof"}),
        VectorPoint("p", axis(0), {"when": object()}),
        VectorPoint("nul\x00id", axis(0)),
        VectorPoint("\ud800", axis(0)),
        VectorPoint("p", axis(0), {"text": ["ok", "a\x00b"]}),
        VectorPoint("p", axis(0), {"text": "\udfff"}),
        VectorPoint("p", axis(0), {"aic:\ud800": 1}),
        VectorPoint("p", axis(0), {"score": math.nan}),
        VectorPoint("p", axis(0), {"scores": [1.0, -math.inf]}),
    ],
    ids=[
        "empty-id",
        "long-id",
        "reserved-key",
        "not-json",
        "nul-id",
        "surrogate-id",
        "nul-text",
        "surrogate-text",
        "reserved-surrogate-key",
        "nan",
        "infinity",
    ],
)
async def test_malformed_ids_and_payloads_are_refused(
    index: VectorIndex, point: VectorPoint
) -> None:
    await index.create_collection("content", DIMS)
    with pytest.raises(InvalidPoint):
        await index.upsert("content", [point])


# -- durability and several processes ---------------------------------------------------------


async def test_points_survive_closing_and_opening_the_index_again(store: Store) -> None:
    first = await store.open()
    await catalogue(first)
    await first.delete("content", ["b"])
    await first.close()
    await store.close()
    second = await store.open()
    try:
        hits = await second.query("content", axis(0), k=10, where={"published": True})
        assert [h.id for h in hits] == ["a", "d"]
        assert (await second.collection_info("content")).count == 4
    finally:
        await second.close()
        await store.close()


async def test_two_indexes_on_one_store_see_each_others_writes(shared_store: Store) -> None:
    """The two-workers case: each process has its own cache; the database keeps them in step."""
    one, two = await shared_store.open(), await shared_store.open()
    try:
        await catalogue(one)
        assert [h.id for h in await two.query("content", axis(0), k=2)] == ["a", "b"]
        await two.upsert("content", [VectorPoint("f", axis(0), {"portal": "smb"})])
        await two.delete("content", ["a"])
        assert [h.id for h in await one.query("content", axis(0), k=2)] == ["f", "b"]
        await one.upsert("content", [VectorPoint("f", axis(3), {"portal": "main"})])
        assert [h.id for h in await two.query("content", axis(3), k=1)] == ["f"]
        assert await two.delete_where("content", {"portal": "main"}) == 2  # b, and f as moved
        assert sorted(h.id for h in await one.query("content", axis(0), k=10)) == ["c", "d", "e"]
        await one.drop_collection("content")
        with pytest.raises(CollectionNotFound):
            await two.query("content", axis(0))
        await one.create_collection("content", 3)
        await one.upsert("content", [VectorPoint("g", [0.0, 1.0, 0.0])])
        assert [h.id for h in await two.query("content", [0.0, 1.0, 0.0])] == ["g"]
    finally:
        await one.close()
        await two.close()
        await shared_store.close()


async def test_a_process_far_behind_reloads_after_tombstones_were_purged(
    shared_store: Store,
) -> None:
    one, two = await shared_store.open(), await shared_store.open()
    try:
        await one.create_collection("content", DIMS)
        await one.upsert("content", [VectorPoint(f"p{i}", axis(i % DIMS)) for i in range(40)])
        assert len(await two.query("content", axis(0), k=100)) == 40  # two caches it now
        for i in range(1100):  # enough versions that tombstones older than 1024 are purged
            await one.delete("content", [f"p{i % 40}"] if i < 40 else [])
        await one.upsert("content", [VectorPoint("late", axis(1))])
        hits = await two.query("content", axis(1), k=100)
        assert [h.id for h in hits] == ["late"]
    finally:
        await one.close()
        await two.close()
        await shared_store.close()


@pytest.fixture(params=[POSTGRES])
def postgres_store(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Store]:
    yield from _store(request, tmp_path)


async def test_a_write_committing_late_is_never_skipped_by_a_reader(
    postgres_store: Store,
) -> None:
    """A writer holds the collection's next version uncommitted; a later writer waits for it,
    so a reader can never see version n+1 (and skip n) while n is still in flight."""
    store, url = postgres_store, postgres_store.location
    writer, reader = await store.open(), await store.open()
    try:
        await writer.create_collection("content", DIMS)
        assert await reader.query("content", axis(0)) == []
        slow = await psycopg.AsyncConnection.connect(url)
        async with slow.transaction():
            row = await (
                await slow.execute(
                    "UPDATE vector_collections SET version = version + 1 "
                    "WHERE name = 'content' RETURNING version"
                )
            ).fetchone()
            assert row is not None
            await slow.execute(
                "INSERT INTO vector_points (collection, id, seq, vector, payload) "
                "VALUES ('content', 'late', %s, %s, '{}')",
                (row[0], np.asarray(axis(0), dtype=np.float32).tobytes()),
            )
            later = asyncio.create_task(writer.upsert("content", [VectorPoint("next", axis(1))]))
            await asyncio.sleep(0.3)  # the later writer is blocked on the collection's row
            assert not later.done()
            assert await reader.query("content", axis(0)) == []
        await later
        await slow.close()
        assert sorted(h.id for h in await reader.query("content", axis(0))) == ["late", "next"]
    finally:
        await writer.close()
        await reader.close()
        await store.close()


@pytest.mark.parametrize("bad", ["a\x00b", "\ud800"], ids=["nul", "surrogate"])
async def test_unstorable_ids_to_delete_or_retrieve_are_refused(
    index: VectorIndex, bad: str
) -> None:
    await catalogue(index)
    with pytest.raises(InvalidPoint):
        await index.delete("content", ["a", bad])
    with pytest.raises(InvalidPoint):
        await index.retrieve("content", [bad])
    assert (await index.collection_info("content")).count == 5
