"""``CheckpointStore`` in the backend database: how far the relay (or any reader) has got."""

from __future__ import annotations

from datetime import UTC, datetime

from aic.storage import SqlDatabase

__all__ = ["SqlCheckpointStore"]


class SqlCheckpointStore:
    def __init__(self, database: SqlDatabase) -> None:
        self.database = database

    async def load(self, name: str) -> int:
        row = await self.database.fetch_one(
            "SELECT position FROM checkpoints WHERE name = :name", {"name": name}
        )
        return int(row["position"]) if row else 0

    async def save(self, name: str, position: int) -> None:
        # Held (``pipeline``): one round trip for BEGIN, the upsert and COMMIT on PostgreSQL.
        async with self.database.transaction(pipeline=True) as tx:
            await tx.execute(
                "INSERT INTO checkpoints (name, position, updated_at) VALUES (:name, :position, "
                ":now) ON CONFLICT (name) DO UPDATE SET position = excluded.position, "
                "updated_at = excluded.updated_at",
                {"name": name, "position": position, "now": datetime.now(UTC).isoformat()},
            )
