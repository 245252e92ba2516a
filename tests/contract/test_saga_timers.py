"""Durable saga timers on SQLite and PostgreSQL: schedule, reschedule, due, cancel."""

from __future__ import annotations

import asyncio

from aic.backend.adapters.sagas.timers import SqlSagaTimers
from aic.backend.wiring import MIGRATION_SETS
from aic.storage import migrate, open_database


def test_timers_fall_due_in_order_survive_reopening_and_cancel(database_url: str) -> None:
    async def scenario() -> None:
        await migrate(database_url, MIGRATION_SETS)
        database = await open_database(database_url, max_size=2)
        try:
            timers = SqlSagaTimers(database)
            await timers.schedule("s1", "2026-11-26T10:00:05+00:00")
            await timers.schedule("s2", "2026-11-26T11:00:02+01:00")  # 10:00:02 UTC
            await timers.schedule("s3", "2026-11-26T10:30:00Z")
            assert await timers.due("2026-11-26T10:00:00Z") == []
            assert await timers.due("2026-11-26T10:00:10Z") == ["s2", "s1"]
            await timers.schedule("s1", "2026-11-26T12:00:00Z")  # rescheduled: one timer each
            assert await timers.due("2026-11-26T10:00:10Z") == ["s2"]
        finally:
            await database.close()
        reopened = await open_database(database_url, max_size=2)
        try:
            timers = SqlSagaTimers(reopened)
            await timers.cancel("s2")
            assert await timers.due("2026-11-26T23:00:00Z", limit=10) == ["s3", "s1"]
        finally:
            await reopened.close()

    asyncio.run(scenario())
