"""The saga read model: each saga's type, status, steps and failure, for ``GET /api/sagas``."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from aic.backend.adapters.readmodels.framework import Projection
from aic.backend.application.ports import StoredEvent
from aic.backend.domain import sagas as sg
from aic.backend.domain.messages import DomainEvent
from aic.storage import SqlDatabase, SqlTransaction
from aic.storage.database import json_value

__all__ = ["SagaProjection", "SagaView", "SqlSagaReadModel"]


class SagaProjection(Projection):
    name = "sagas"
    stream_prefixes = ("saga-",)
    tables = ("sagas",)

    async def apply(self, tx: SqlTransaction, stored: StoredEvent, event: DomainEvent) -> None:
        saga_id = stored.stream_id.removeprefix("saga-")
        at = getattr(event, "occurred_at", stored.recorded_at.isoformat())
        if isinstance(event, sg.SagaStarted):
            await tx.execute(
                "INSERT INTO sagas (saga_id, saga_type, status, data, started_at, updated_at) "
                "VALUES (:id, :type, 'running', :data, :at, :at)",
                {"id": saga_id, "type": event.saga_type, "data": json.dumps(event.data), "at": at},
            )
            return
        row = await tx.fetch_one(
            "SELECT steps, data FROM sagas WHERE saga_id = :id", {"id": saga_id}
        )
        if row is None:
            return
        steps: list[dict[str, Any]] = list(json.loads(row["steps"]))
        data: dict[str, Any] = dict(json.loads(row["data"]))
        status, failure = None, None
        match event:
            case sg.SagaStepSucceeded():
                steps.append(
                    {"step": event.step, "outcome": "succeeded", "attempt": event.attempt, "at": at}
                )
                data.update(event.output)
            case sg.SagaStepFailed():
                steps.append(
                    {
                        "step": event.step,
                        "outcome": "failed",
                        "attempt": event.attempt,
                        "error": event.error,
                        "retry_at": event.retry_at,
                        "at": at,
                    }
                )
                if event.retry_at is None:
                    status, failure = "compensating", f"{event.step}: {event.error}"
            case sg.SagaStepCompensated():
                steps.append({"step": event.step, "outcome": "compensated", "at": at})
            case sg.SagaCompleted():
                status = "completed"
            case sg.SagaCompensated():
                status = "compensated"
        await tx.execute(
            "UPDATE sagas SET steps = :steps, data = :data, status = COALESCE(:status, status), "
            "failure = COALESCE(:failure, failure), updated_at = :at WHERE saga_id = :id",
            {
                "steps": json.dumps(steps),
                "data": json.dumps(data),
                "status": status,
                "failure": failure,
                "at": at,
                "id": saga_id,
            },
        )


@dataclass(frozen=True, slots=True)
class SagaView:
    saga_id: str
    saga_type: str
    status: str
    data: dict[str, Any]
    steps: list[dict[str, Any]]
    failure: str | None
    started_at: str
    updated_at: str


class SqlSagaReadModel:
    def __init__(self, database: SqlDatabase) -> None:
        self.database = database

    async def get(self, saga_id: str) -> SagaView | None:
        row = await self.database.fetch_one(
            "SELECT * FROM sagas WHERE saga_id = :id", {"id": saga_id}
        )
        if row is None:
            return None
        return SagaView(
            saga_id=row["saga_id"],
            saga_type=row["saga_type"],
            status=row["status"],
            data=dict(json_value(row["data"])),
            steps=list(json_value(row["steps"])),
            failure=row["failure"],
            started_at=row["started_at"],
            updated_at=row["updated_at"],
        )
