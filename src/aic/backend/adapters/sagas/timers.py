"""``SagaTimers`` in the backend database: one due time per saga."""

from __future__ import annotations

from datetime import UTC, datetime

from aic.storage import SqlDatabase

__all__ = ["SqlSagaTimers"]


def _normal(moment: str) -> str:
    """UTC ISO text, so due times compare as strings in both databases."""
    parsed = datetime.fromisoformat(moment.replace("Z", "+00:00"))
    return parsed.astimezone(UTC).isoformat(timespec="microseconds")


class SqlSagaTimers:
    def __init__(self, database: SqlDatabase) -> None:
        self.database = database

    async def schedule(self, saga_id: str, due_at: str) -> None:
        await self._write(
            "INSERT INTO saga_timers (saga_id, due_at) VALUES (:id, :due) "
            "ON CONFLICT (saga_id) DO UPDATE SET due_at = excluded.due_at",
            {"id": saga_id, "due": _normal(due_at)},
        )

    async def cancel(self, saga_id: str) -> None:
        await self._write("DELETE FROM saga_timers WHERE saga_id = :id", {"id": saga_id})

    async def _write(self, sql: str, params: dict[str, str]) -> None:
        if self.database.dialect == "postgresql":
            # One statement committed on its own: one round trip instead of three (a
            # watchdog timer is written before every saga step).
            await self.database.fetch_all(sql + " RETURNING saga_id", params)
            return
        async with self.database.transaction() as tx:  # SQLite: writes go through its writer
            await tx.execute(sql, params)

    async def due(self, now: str, limit: int = 100) -> list[str]:
        rows = await self.database.fetch_all(
            "SELECT saga_id FROM saga_timers WHERE due_at <= :now ORDER BY due_at LIMIT :limit",
            {"now": _normal(now), "limit": limit},
        )
        return [r["saga_id"] for r in rows]
