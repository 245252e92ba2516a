"""Saga state as events: which steps succeeded, failed (and when to retry), were compensated."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Self

from aic.backend.domain.aggregate import Aggregate
from aic.backend.domain.errors import InvariantViolated
from aic.backend.domain.messages import DomainEvent

__all__ = [
    "Saga",
    "SagaCompensated",
    "SagaCompleted",
    "SagaStarted",
    "SagaStepCompensated",
    "SagaStepFailed",
    "SagaStepSucceeded",
]


@dataclass(frozen=True, kw_only=True)
class SagaStarted(DomainEvent):
    saga_id: str
    saga_type: str
    data: dict[str, Any]
    occurred_at: str


@dataclass(frozen=True, kw_only=True)
class SagaStepSucceeded(DomainEvent):
    saga_id: str
    step: str
    output: dict[str, Any]
    attempt: int
    occurred_at: str


@dataclass(frozen=True, kw_only=True)
class SagaStepFailed(DomainEvent):
    """A step failed; ``retry_at`` is when to try again, ``None`` when it gave up."""

    saga_id: str
    step: str
    error: str
    attempt: int
    retry_at: str | None
    occurred_at: str


@dataclass(frozen=True, kw_only=True)
class SagaStepCompensated(DomainEvent):
    saga_id: str
    step: str
    occurred_at: str


@dataclass(frozen=True, kw_only=True)
class SagaCompleted(DomainEvent):
    saga_id: str
    occurred_at: str


@dataclass(frozen=True, kw_only=True)
class SagaCompensated(DomainEvent):
    """Every step that had succeeded was undone, in reverse order; the saga failed."""

    saga_id: str
    reason: str
    occurred_at: str


class Saga(Aggregate):
    """Where one saga run stands. The orchestrator decides; this keeps the record straight."""

    stream_prefix = "saga"

    def __init__(self, aggregate_id: str) -> None:
        super().__init__(aggregate_id)
        self.saga_type = ""
        self.data: dict[str, Any] = {}
        self.succeeded: list[str] = []
        self.attempts: dict[str, int] = {}
        self.retry_at: str | None = None
        self.compensating = False
        self.compensated: list[str] = []
        self.status = "new"  # running | completed | compensating | compensated
        self.failure: str | None = None

    @classmethod
    def start(cls, saga_id: str, saga_type: str, data: dict[str, Any], now: str) -> Self:
        saga = cls(saga_id)
        saga._record(SagaStarted(saga_id=saga_id, saga_type=saga_type, data=data, occurred_at=now))
        return saga

    def _require_running(self) -> None:
        if self.status not in ("running", "compensating"):
            raise InvariantViolated("saga_finished", f"saga {self.id} is {self.status}")

    def step_succeeded(self, step: str, output: dict[str, Any], now: str) -> None:
        self._require_running()
        attempt = self.attempts.get(step, 0) + 1
        self._record(
            SagaStepSucceeded(
                saga_id=self.id, step=step, output=output, attempt=attempt, occurred_at=now
            )
        )

    def step_failed(self, step: str, error: str, retry_at: str | None, now: str) -> None:
        self._require_running()
        attempt = self.attempts.get(step, 0) + 1
        self._record(
            SagaStepFailed(
                saga_id=self.id,
                step=step,
                error=error[:500],
                attempt=attempt,
                retry_at=retry_at,
                occurred_at=now,
            )
        )

    def step_compensated(self, step: str, now: str) -> None:
        self._require_running()
        self._record(SagaStepCompensated(saga_id=self.id, step=step, occurred_at=now))

    def complete(self, now: str) -> None:
        self._require_running()
        self._record(SagaCompleted(saga_id=self.id, occurred_at=now))

    def compensated_all(self, reason: str, now: str) -> None:
        self._require_running()
        self._record(SagaCompensated(saga_id=self.id, reason=reason[:500], occurred_at=now))

    def _apply(self, event: DomainEvent) -> None:
        match event:
            case SagaStarted():
                self.saga_type, self.data, self.status = (
                    event.saga_type,
                    dict(event.data),
                    "running",
                )
            case SagaStepSucceeded():
                self.succeeded.append(event.step)
                self.data.update(event.output)
                self.attempts[event.step] = event.attempt
                self.retry_at = None
            case SagaStepFailed():
                self.attempts[event.step] = event.attempt
                self.retry_at = event.retry_at
                if event.retry_at is None:
                    self.status, self.compensating = "compensating", True
                    self.failure = f"{event.step}: {event.error}"
            case SagaStepCompensated():
                self.compensated.append(event.step)
            case SagaCompleted():
                self.status = "completed"
            case SagaCompensated():
                self.status = "compensated"
