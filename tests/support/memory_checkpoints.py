"""An in-memory ``CheckpointStore``: a test double, as it forgets everything on restart."""

from __future__ import annotations

__all__ = ["MemoryCheckpointStore"]


class MemoryCheckpointStore:
    def __init__(self) -> None:
        self.positions: dict[str, int] = {}

    async def load(self, name: str) -> int:
        return self.positions.get(name, 0)

    async def save(self, name: str, position: int) -> None:
        self.positions[name] = position
