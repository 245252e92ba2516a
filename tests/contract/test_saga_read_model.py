"""The saga read model ends the same on both databases (PostgreSQL changes rows in place)."""

from __future__ import annotations

import uuid

import pytest

from aic.backend.adapters.readmodels.framework import ProjectionEngine
from aic.backend.adapters.readmodels.sagas import SagaProjection, SqlSagaReadModel
from aic.backend.application.ports import EventMetadata, EventStore
from aic.backend.application.serialization import EventCodec
from aic.backend.domain import sagas as sg
from aic.storage import SqlDatabase

pytestmark = pytest.mark.anyio

AT = "2026-11-26T10:00:00+00:00"


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


def succeeded(
    saga_id: str, step: str, output: dict[str, object], attempt: int
) -> sg.SagaStepSucceeded:
    return sg.SagaStepSucceeded(
        saga_id=saga_id, step=step, output=output, attempt=attempt, occurred_at=AT
    )


def failed(
    saga_id: str, step: str, error: str, attempt: int, retry_at: str | None
) -> sg.SagaStepFailed:
    return sg.SagaStepFailed(
        saga_id=saga_id,
        step=step,
        error=error,
        attempt=attempt,
        retry_at=retry_at,
        occurred_at=AT,
    )


async def test_a_saga_s_row_collects_steps_outputs_status_and_failure_in_order(
    stores: tuple[EventStore, SqlDatabase],
) -> None:
    store, database = stores
    saga_id = uuid.uuid4().hex
    events = [
        sg.SagaStarted(
            saga_id=saga_id, saga_type="Demo", data={"lead": "L-1", "kept": True}, occurred_at=AT
        ),
        succeeded(saga_id, "enrich", {"segment": "smb", "kept": None}, 1),
        failed(saga_id, "score", "TimeoutError: it's slow", 1, AT),
        succeeded(saga_id, "score", {"score": 71.5, "reasons": ["a", "b"]}, 2),
        failed(saga_id, "notify", 'no "assignee"', 1, None),
        sg.SagaStepCompensated(saga_id=saga_id, step="score", occurred_at=AT),
        sg.SagaCompensated(saga_id=saga_id, reason="notify failed", occurred_at=AT),
    ]
    codec = EventCodec()
    metadata = EventMetadata(correlation_id="c-1", actor="test")
    await store.append(f"saga-{saga_id}", [codec.encode(e, metadata) for e in events], 0)
    stored = await store.load(f"saga-{saga_id}")
    engine = ProjectionEngine(database, store, codec, [SagaProjection(database.dialect)])
    # In two batches, so a row written by one is changed by the next.
    assert await engine.handle_batch("sagas", stored[:3]) == 3
    assert await engine.handle_batch("sagas", stored[3:]) == 4

    view = await SqlSagaReadModel(database).get(saga_id)
    assert view is not None
    assert (view.saga_type, view.status) == ("Demo", "compensated")
    assert view.failure == 'notify: no "assignee"'
    assert view.data == {
        "lead": "L-1",
        "kept": None,  # an output of None is a value, not a removal
        "segment": "smb",
        "score": 71.5,
        "reasons": ["a", "b"],
    }
    assert view.steps == [
        {"step": "enrich", "outcome": "succeeded", "attempt": 1, "at": AT},
        {
            "step": "score",
            "outcome": "failed",
            "attempt": 1,
            "error": "TimeoutError: it's slow",
            "retry_at": AT,
            "at": AT,
        },
        {"step": "score", "outcome": "succeeded", "attempt": 2, "at": AT},
        {
            "step": "notify",
            "outcome": "failed",
            "attempt": 1,
            "error": 'no "assignee"',
            "retry_at": None,
            "at": AT,
        },
        {"step": "score", "outcome": "compensated", "at": AT},
    ]
