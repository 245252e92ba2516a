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
from aic.storage.database import Dialect, json_value

__all__ = ["SagaProjection", "SagaView", "SqlSagaReadModel"]


# PostgreSQL changes a saga's row with one statement, no read: a saga's events come in
# bursts (a step a few milliseconds after the last) and a read would cost each its own round
# trip inside the projection's batch (held writes go out at a read). jsonb ``||`` appends to
# the steps array and merges the outputs into the data, as the SQLite path does in Python.
_SET_REST = (
    "data = (CAST(data AS jsonb) || CAST(:output AS jsonb))::text, "
    "status = COALESCE(:status, status), failure = COALESCE(:failure, failure), "
    "updated_at = :at WHERE saga_id = :id"
)
_ADD_STEP = (
    "UPDATE sagas SET steps = (CAST(steps AS jsonb) || jsonb_build_array(CAST(:entry AS jsonb)))"  # noqa: S608 -- constants
    f"::text, {_SET_REST}"
)
_NO_STEP = f"UPDATE sagas SET {_SET_REST}"  # noqa: S608 -- constants


class SagaProjection(Projection):
    name = "sagas"
    stream_prefixes = ("saga-",)
    tables = ("sagas",)

    def __init__(self, dialect: Dialect = "sqlite") -> None:
        self._in_place = dialect == "postgresql"

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
        entry, output, status, failure = _change(event, at)
        params = {"status": status, "failure": failure, "at": at, "id": saga_id}
        if self._in_place:
            await tx.execute(
                _NO_STEP if entry is None else _ADD_STEP,
                {**params, "entry": json.dumps(entry), "output": json.dumps(output)},
            )
            return
        row = await tx.fetch_one(
            "SELECT steps, data FROM sagas WHERE saga_id = :id", {"id": saga_id}
        )
        if row is None:
            return
        steps: list[dict[str, Any]] = list(json.loads(row["steps"]))
        data: dict[str, Any] = dict(json.loads(row["data"]))
        if entry is not None:
            steps.append(entry)
        data.update(output)
        await tx.execute(
            "UPDATE sagas SET steps = :steps, data = :data, status = COALESCE(:status, status), "
            "failure = COALESCE(:failure, failure), updated_at = :at WHERE saga_id = :id",
            {**params, "steps": json.dumps(steps), "data": json.dumps(data)},
        )


def _change(
    event: DomainEvent, at: str
) -> tuple[dict[str, Any] | None, dict[str, Any], str | None, str | None]:
    """What ``event`` adds to a saga's row: a step entry, outputs, a status, a failure."""
    match event:
        case sg.SagaStepSucceeded():
            entry = {"step": event.step, "outcome": "succeeded", "attempt": event.attempt}
            return {**entry, "at": at}, dict(event.output), None, None
        case sg.SagaStepFailed():
            entry = {
                "step": event.step,
                "outcome": "failed",
                "attempt": event.attempt,
                "error": event.error,
                "retry_at": event.retry_at,
                "at": at,
            }
            if event.retry_at is None:
                return entry, {}, "compensating", f"{event.step}: {event.error}"
            return entry, {}, None, None
        case sg.SagaStepCompensated():
            return {"step": event.step, "outcome": "compensated", "at": at}, {}, None, None
        case sg.SagaCompleted():
            return None, {}, "completed", None
        case sg.SagaCompensated():
            return None, {}, "compensated", None
    return None, {}, None, None


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
