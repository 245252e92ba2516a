"""``SqlDatabase.transaction(pipeline=True)``: writes held until the next read or the commit.

On PostgreSQL they go out as one multi-statement query with parameters bound client-side,
so these tests check what that could get wrong: quoting of hostile values, what a read in
the middle sees, and that a failure anywhere leaves nothing behind.
"""

from __future__ import annotations

import json
from collections.abc import AsyncIterator

import pytest

from aic.storage import SqlDatabase, open_database

pytestmark = pytest.mark.anyio

HOSTILE = [
    "it's",
    "back\\slash\\",
    "semi; DROP TABLE notes; --",
    "100% of :name and %(x)s and $1",
    "quote''s and \"doubles\"",
    "emoji 🚀 and ünïcödé",
    "E'\\x41' $$dollar$$ $tag$",
    "line\nbreak\ttab\r",
    "",
]


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


@pytest.fixture
async def database(database_url: str) -> AsyncIterator[SqlDatabase]:
    database = await open_database(database_url)
    await database.execute_script(
        "CREATE TABLE notes (id integer PRIMARY KEY, body text, tags text, amount real)"
    )
    try:
        yield database
    finally:
        await database.close()


async def _bodies(database: SqlDatabase) -> dict[int, str]:
    rows = await database.fetch_all("SELECT id, body FROM notes ORDER BY id")
    return {int(r["id"]): str(r["body"]) for r in rows}


async def test_held_writes_keep_every_value_exactly_and_a_read_in_between_sees_them(
    database: SqlDatabase,
) -> None:
    async with database.transaction(pipeline=True) as tx:
        for n, body in enumerate(HOSTILE):
            await tx.execute(
                "INSERT INTO notes (id, body, tags, amount) VALUES (:id, :body, :tags, :amount)",
                {"id": n, "body": body, "tags": json.dumps([body]), "amount": n / 3},
            )
        await tx.execute_many(
            "INSERT INTO notes (id, body, tags, amount) VALUES (:id, :body, NULL, NULL)",
            [{"id": 100 + n, "body": body} for n, body in enumerate(HOSTILE)],
        )
        seen = await tx.fetch_one("SELECT count(*) AS n FROM notes WHERE body = :b", {"b": "it's"})
        assert seen is not None
        assert seen["n"] == 2  # the held writes went out before the read
        await tx.execute("UPDATE notes SET amount = :a WHERE id = :id", {"a": None, "id": 0})
    bodies = await _bodies(database)
    assert [bodies[n] for n in range(len(HOSTILE))] == HOSTILE
    assert [bodies[100 + n] for n in range(len(HOSTILE))] == HOSTILE
    row = await database.fetch_one("SELECT tags, amount FROM notes WHERE id = 1")
    assert row is not None
    assert json.loads(str(row["tags"])) == [HOSTILE[1]]
    assert row["amount"] == pytest.approx(1 / 3, rel=1e-6)


async def test_a_held_write_that_fails_at_the_commit_leaves_nothing_behind(
    database: SqlDatabase,
) -> None:
    async with database.transaction() as tx:
        await tx.execute("INSERT INTO notes (id, body) VALUES (1, 'kept')")

    async def conflicting() -> None:
        async with database.transaction(pipeline=True) as tx:
            await tx.execute("INSERT INTO notes (id, body) VALUES (2, 'lost')")
            await tx.execute("INSERT INTO notes (id, body) VALUES (1, 'again')")  # conflicts

    with pytest.raises(Exception, match=r"(?i)unique|duplicate"):
        await conflicting()
    assert await _bodies(database) == {1: "kept"}
    # The connection went back to the pool usable.
    async with database.transaction(pipeline=True) as tx:
        await tx.execute("INSERT INTO notes (id, body) VALUES (3, 'after')")
    assert await _bodies(database) == {1: "kept", 3: "after"}


async def test_an_error_of_the_caller_after_a_read_rolls_everything_back(
    database: SqlDatabase,
) -> None:

    async def abandoned() -> None:
        async with database.transaction(pipeline=True) as tx:
            await tx.execute("INSERT INTO notes (id, body) VALUES (1, 'sent')")
            assert await tx.fetch_all("SELECT id FROM notes") == [{"id": 1}]
            await tx.execute("INSERT INTO notes (id, body) VALUES (2, 'held')")
            raise RuntimeError("changed my mind")

    with pytest.raises(RuntimeError, match="changed my mind"):
        await abandoned()
    assert await _bodies(database) == {}
