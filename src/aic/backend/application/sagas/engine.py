"""A durable saga orchestrator: steps with retries and timeouts, compensation in reverse.

A saga's state is its own event stream (``saga-<id>``), so it survives restarts and every
replica sees the same. Each step's outcome is appended with the expected version: if two
processes advance one saga at once, one append wins and the other reloads. Commands a step
sends carry the idempotency key ``saga:<id>:<step>``, so a step that is run again after a
crash (or by the loser of that race) changes nothing twice. A durable timer per saga (the
retry time, or a watchdog while a step runs) makes the timer loop resume sagas whose
process died.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any, Protocol

from aic.backend.application.bus import CommandBus, CommandContext, CommandResult
from aic.backend.application.execution import request_hash
from aic.backend.application.ports import ConcurrencyError, EventMetadata, StoredEvent
from aic.backend.application.repository import AggregateRepository
from aic.backend.domain.errors import DomainError
from aic.backend.domain.messages import Command
from aic.backend.domain.sagas import Saga
from aic.observability.logging import get_logger

__all__ = ["SagaContext", "SagaDefinition", "SagaOrchestrator", "SagaTimers", "Step"]

_log = get_logger("aic.sagas")


@dataclass(frozen=True)
class SagaContext:
    """What a step sees: the saga's data so far, and a way to send keyed commands."""

    saga_id: str
    saga_type: str
    step: str
    attempt: int
    data: Mapping[str, Any]
    commands: CommandBus
    correlation_id: str | None = None

    async def send(self, command: Command, name: str = "") -> CommandResult:
        key = f"saga:{self.saga_id}:{self.step}{':' + name if name else ''}"
        metadata = EventMetadata(
            correlation_id=self.correlation_id,
            causation_id=f"saga-{self.saga_id}",
            actor=f"system:{self.saga_type}",
            idempotency_key=key,
            request_hash=request_hash({"type": type(command).__name__, **command.__dict__}),
        )
        return await self.commands.dispatch(command, CommandContext(metadata))


StepAction = Callable[[SagaContext], Awaitable[Mapping[str, Any] | None]]


@dataclass(frozen=True)
class Step:
    name: str
    action: StepAction
    compensate: StepAction | None = None
    retries: int = 3  # attempts after the first
    backoff: float = 1.0  # seconds before the first retry; doubles each time
    timeout: float = 30.0  # a step that takes longer has failed


Starter = Callable[[StoredEvent], tuple[str, dict[str, Any]] | None]


@dataclass(frozen=True)
class SagaDefinition:
    saga_type: str
    steps: tuple[Step, ...]
    starts_on: Mapping[str, Starter] = field(default_factory=dict)  # event type → id, data


class SagaTimers(Protocol):
    """When to look at a saga again (a retry, or a watchdog while a step runs)."""

    async def schedule(self, saga_id: str, due_at: str) -> None: ...

    async def cancel(self, saga_id: str) -> None: ...

    async def due(self, now: str, limit: int = 100) -> list[str]: ...


def _moment(text: str) -> datetime:
    return datetime.fromisoformat(text.replace("Z", "+00:00"))


def _at(moment: str, seconds: float) -> str:
    return (_moment(moment) + timedelta(seconds=seconds)).isoformat()


@dataclass
class _Watchdog:
    """The timer one ``advance`` call has set for its saga (None: none, or no longer ours),
    so that the quick steps after a step share its timer write."""

    until: datetime | None = None


class SagaOrchestrator:
    def __init__(
        self,
        definitions: Sequence[SagaDefinition],
        repository: AggregateRepository,
        commands: CommandBus,
        timers: SagaTimers,
        clock: Callable[[], str],
        *,
        watchdog_grace: float = 5.0,
        concurrency: int = 16,
        busy: Callable[[], Awaitable[bool]] | None = None,
        yield_at_most: float = 1.0,
    ) -> None:
        self.definitions = {d.saga_type: d for d in definitions}
        self.repository = repository
        self.commands = commands
        self.timers = timers
        self.clock = clock
        self.watchdog_grace = watchdog_grace
        self.concurrency = concurrency
        self.wake = asyncio.Event()  # set when a saga is due now: the timer loop runs at once
        # ``busy()``: the work sagas compete with (the projections) is behind; a saga then
        # waits for it before it runs, up to ``yield_at_most`` s, so a burst of sagas never
        # starves it.
        self._busy = busy
        self._yield_at_most = yield_at_most

    async def handle_event(self, stored: StoredEvent) -> None:
        """Start the sagas this event starts (a repeated event starts nothing new)."""
        for definition in self.definitions.values():
            starter = definition.starts_on.get(stored.type)
            if starter is None:
                continue
            started = starter(stored)
            if started is not None:
                saga_id, data = started
                # Record the start; the timer loop runs the steps, many sagas at once, so
                # the event consumer is never held up by a saga's steps.
                await self.start(definition.saga_type, saga_id, data, stored.metadata, wait=False)

    async def start(
        self,
        saga_type: str,
        saga_id: str,
        data: dict[str, Any],
        cause: EventMetadata | None = None,
        *,
        wait: bool = True,
    ) -> str:
        """Start (once per ``saga_id``) and run the saga; with ``wait=False`` only record the
        start and leave the steps to the timer loop (a request returns at once)."""
        if saga_type not in self.definitions:
            raise LookupError(f"no saga {saga_type!r}")
        loaded = await self.repository.load(Saga, saga_id)
        if loaded.aggregate.version == 0:
            saga = Saga.start(saga_id, saga_type, data, self.clock())
            metadata = EventMetadata(
                correlation_id=cause.correlation_id if cause else None,
                actor=f"system:{saga_type}",
            )
            with contextlib.suppress(ConcurrencyError):  # another consumer started it
                await self.repository.save(saga, metadata)
        if wait:
            await self.advance(saga_id)
        else:
            await self.timers.schedule(saga_id, self.clock())
            self.wake.set()
        return saga_id

    async def run_due(self, limit: int = 100) -> int:
        """Advance the sagas whose timer fell due (the timer loop's one pass)."""
        due = await self.timers.due(self.clock(), limit)
        gate = asyncio.Semaphore(self.concurrency)

        async def one(saga_id: str) -> None:
            async with gate:
                try:
                    await self.give_way()
                    await self.advance(saga_id)
                except Exception as exc:  # one broken saga must not stop the others
                    _log.error("saga_advance_failed", saga_id=saga_id, error=repr(exc))

        await asyncio.gather(*(one(saga_id) for saga_id in due))
        return len(due)

    async def give_way(self) -> None:
        """While ``busy()``, wait (a little at a time, ``yield_at_most`` s in all)."""
        if self._busy is None:
            return
        loop = asyncio.get_running_loop()
        deadline = loop.time() + self._yield_at_most
        while await self._busy() and loop.time() < deadline:  # noqa: ASYNC110 -- a look at Redis
            await asyncio.sleep(0.01)

    async def advance(self, saga_id: str, max_moves: int = 100) -> None:
        """Run steps (or compensations) until the saga finishes or has to wait."""
        saga: Saga | None = None
        correlation: str | None = None
        watchdog = _Watchdog()
        for _ in range(max_moves):
            if saga is None:
                loaded = await self.repository.load(Saga, saga_id)
                saga = loaded.aggregate
                correlation = loaded.events[0].metadata.correlation_id if loaded.events else None
            if saga.version == 0 or saga.status in ("completed", "compensated"):
                await self.timers.cancel(saga_id)
                return
            now = self.clock()
            if saga.retry_at is not None and saga.retry_at > now:
                await self.timers.schedule(saga_id, saga.retry_at)
                return
            await self._move(saga, self.definitions[saga.saga_type], now, correlation, watchdog)
            if not saga.pending:
                return  # waiting for its timer (a compensation to retry)
            metadata = EventMetadata(
                correlation_id=correlation,
                causation_id=f"saga-{saga_id}",
                actor=f"system:{saga.saga_type}",
            )
            try:
                await self.repository.save(saga, metadata)
            except ConcurrencyError:
                saga = None  # someone else moved it: load it again and look
                watchdog.until = None  # ... and its timer, maybe: set ours again
            # Saved: the saga in memory is the stored one; the next move needs no reload.

    async def _watch(self, saga_id: str, now: str, seconds: float, watchdog: _Watchdog) -> None:
        """Make sure the saga's timer does not fall due before ``now + seconds`` plus the
        grace: a step may run that long. Set with a second grace to spare, one timer write
        covers the quick steps that follow (a write each was most of a saga's cost)."""
        start = _moment(now)
        if watchdog.until and watchdog.until >= start + timedelta(
            seconds=seconds + self.watchdog_grace
        ):
            return
        due = start + timedelta(seconds=seconds + 2 * self.watchdog_grace)
        await self.timers.schedule(saga_id, due.isoformat())
        watchdog.until = due

    async def _move(
        self,
        saga: Saga,
        definition: SagaDefinition,
        now: str,
        correlation: str | None,
        watchdog: _Watchdog,
    ) -> None:
        if saga.status == "compensating":
            await self._compensate_one(saga, definition, now, correlation, watchdog)
            return
        step = next((s for s in definition.steps if s.name not in saga.succeeded), None)
        if step is None:
            saga.complete(now)
            return
        await self._watch(saga.id, now, step.timeout, watchdog)
        context = self._context(saga, step.name, correlation)
        try:
            output = await asyncio.wait_for(step.action(context), step.timeout)
            # As a reload would give it back: the next step sees the same types either way
            # (the saga stays in memory after its own save). Not JSON: the step failed.
            output = json.loads(json.dumps(dict(output or {})))
        except Exception as exc:
            error = "timed out" if isinstance(exc, TimeoutError) else f"{type(exc).__name__}: {exc}"
            retry = step.backoff * 2 ** (context.attempt - 1)
            # The domain saying no is an answer, not an outage: retrying cannot change it.
            retryable = context.attempt <= step.retries and not isinstance(exc, DomainError)
            retry_at = _at(self.clock(), retry) if retryable else None
            _log.warning("saga_step_failed", saga_id=saga.id, step=step.name, error=error)
            saga.step_failed(step.name, error, retry_at, self.clock())
            return
        saga.step_succeeded(step.name, output, self.clock())

    async def _compensate_one(
        self,
        saga: Saga,
        definition: SagaDefinition,
        now: str,
        correlation: str | None,
        watchdog: _Watchdog,
    ) -> None:
        undo = [
            s
            for s in reversed(definition.steps)
            if s.name in saga.succeeded and s.compensate and s.name not in saga.compensated
        ]
        if not undo:
            saga.compensated_all(saga.failure or "failed", now)
            return
        step = undo[0]
        assert step.compensate is not None
        # Here the timer is also the retry of a compensation that fails: set it every time.
        await self.timers.schedule(saga.id, _at(now, step.backoff + step.timeout))
        watchdog.until = None
        try:
            context = self._context(saga, f"undo-{step.name}", correlation)
            await asyncio.wait_for(step.compensate(context), step.timeout)
        except Exception as exc:  # keep trying: the timer brings it back
            _log.error("saga_compensation_failed", saga_id=saga.id, step=step.name, error=repr(exc))
            return
        saga.step_compensated(step.name, self.clock())

    def _context(self, saga: Saga, step: str, correlation: str | None) -> SagaContext:
        return SagaContext(
            correlation_id=correlation,
            saga_id=saga.id,
            saga_type=saga.saga_type,
            step=step,
            attempt=saga.attempts.get(step, 0) + 1,
            data=dict(saga.data),
            commands=self.commands,
        )
