"""The saga orchestrator: happy path, retries, compensation in reverse, timeouts, restarts."""

from __future__ import annotations

import asyncio
from collections.abc import Mapping
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from typing import Any

from aic.backend.application.bus import CommandBus
from aic.backend.application.handlers import register_aggregate_handlers
from aic.backend.application.repository import AggregateRepository
from aic.backend.application.sagas import SagaContext, SagaDefinition, SagaOrchestrator, Step
from aic.backend.application.serialization import EventCodec
from aic.backend.domain.sagas import Saga
from tests.support.memory_event_store import MemoryEventStore


class Clock:
    def __init__(self) -> None:
        self.now = datetime(2026, 11, 26, 10, 0, tzinfo=UTC)

    def __call__(self) -> str:
        return self.now.isoformat()

    def advance(self, seconds: float) -> None:
        self.now += timedelta(seconds=seconds)


class MemoryTimers:
    def __init__(self) -> None:
        self.due_at: dict[str, str] = {}

    async def schedule(self, saga_id: str, due_at: str) -> None:
        self.due_at[saga_id] = due_at

    async def cancel(self, saga_id: str) -> None:
        self.due_at.pop(saga_id, None)

    async def due(self, now: str, limit: int = 100) -> list[str]:
        return [s for s, at in self.due_at.items() if at <= now][:limit]


class Journal:
    """Steps record what they did; a step can be told to fail a number of times."""

    def __init__(self, failures: Mapping[str, int] | None = None) -> None:
        self.calls: list[str] = []
        self.failures = dict(failures or {})

    def step(self, name: str, *, hang: bool = False) -> Step:
        """A hanging step times out fast; others get room for a slow, loaded machine."""

        async def action(context: SagaContext) -> Mapping[str, Any]:
            self.calls.append(name)
            if hang:
                await asyncio.sleep(10)
            if self.failures.get(name, 0) > 0:
                self.failures[name] -= 1
                raise RuntimeError(f"{name} is down")
            return {name: True}

        async def undo(context: SagaContext) -> Mapping[str, Any]:
            self.calls.append(f"undo-{name}")
            return {}

        timeout = 0.2 if hang else 5.0
        return Step(name, action, compensate=undo, retries=2, backoff=1.0, timeout=timeout)


def _orchestrator(
    steps: tuple[Step, ...], store: MemoryEventStore, clock: Clock
) -> tuple[SagaOrchestrator, MemoryTimers]:
    repository = AggregateRepository(store, EventCodec())
    commands = CommandBus()
    register_aggregate_handlers(commands, repository, clock)
    timers = MemoryTimers()
    definition = SagaDefinition("test_saga", steps)
    return SagaOrchestrator([definition], repository, commands, timers, clock), timers


async def _saga(store: MemoryEventStore, saga_id: str) -> Saga:
    repository = AggregateRepository(store, EventCodec())
    return (await repository.load(Saga, saga_id)).aggregate


def test_the_happy_path_runs_every_step_once_in_order() -> None:
    async def scenario() -> None:
        store, clock, journal = MemoryEventStore(), Clock(), Journal()
        sagas, timers = _orchestrator((journal.step("a"), journal.step("b")), store, clock)
        await sagas.start("test_saga", "s1", {"x": 1})
        saga = await _saga(store, "s1")
        assert saga.status == "completed"
        assert journal.calls == ["a", "b"]
        assert saga.data == {"x": 1, "a": True, "b": True}
        assert timers.due_at == {}
        await sagas.start("test_saga", "s1", {"x": 1})  # started again: nothing runs
        assert journal.calls == ["a", "b"]

    asyncio.run(scenario())


def test_a_failing_step_is_retried_with_backoff_by_the_timer() -> None:
    async def scenario() -> None:
        store, clock, journal = MemoryEventStore(), Clock(), Journal({"b": 1})
        sagas, _timers = _orchestrator((journal.step("a"), journal.step("b")), store, clock)
        await sagas.start("test_saga", "s1", {})
        assert (await _saga(store, "s1")).status == "running"
        assert await sagas.run_due() == 0  # not due yet
        clock.advance(1.5)
        assert await sagas.run_due() == 1
        assert (await _saga(store, "s1")).status == "completed"
        assert journal.calls == ["a", "b", "b"]

    asyncio.run(scenario())


def test_a_step_that_keeps_failing_is_compensated_in_reverse_order() -> None:
    async def scenario() -> None:
        store, clock, journal = MemoryEventStore(), Clock(), Journal({"c": 99})
        steps = (journal.step("a"), journal.step("b"), journal.step("c"))
        sagas, _ = _orchestrator(steps, store, clock)
        await sagas.start("test_saga", "s1", {})
        for _ in range(5):
            clock.advance(10)
            await sagas.run_due()
        saga = await _saga(store, "s1")
        assert saga.status == "compensated"
        assert journal.calls == ["a", "b", "c", "c", "c", "undo-b", "undo-a"]
        assert saga.failure == "c: RuntimeError: c is down"

    asyncio.run(scenario())


def test_a_step_that_hangs_times_out_and_is_retried() -> None:
    async def scenario() -> None:
        store, clock, journal = MemoryEventStore(), Clock(), Journal()
        sagas, _ = _orchestrator((journal.step("slow", hang=True),), store, clock)
        await sagas.start("test_saga", "s1", {})
        saga = await _saga(store, "s1")
        assert saga.attempts == {"slow": 1}
        assert saga.status == "running"
        assert saga.retry_at is not None

    asyncio.run(scenario())


def test_a_saga_cut_off_mid_step_resumes_from_its_timer_without_rerunning_done_steps() -> None:
    async def scenario() -> None:
        store, clock, journal = MemoryEventStore(), Clock(), Journal()
        steps = (journal.step("a"), journal.step("b", hang=True), journal.step("c"))
        sagas, timers = _orchestrator(steps, store, clock)
        run = asyncio.create_task(sagas.start("test_saga", "s1", {}))
        for _ in range(500):  # bounded: b starts within a few event-loop turns
            if "b" in journal.calls:
                break
            await asyncio.sleep(0.01)
        run.cancel()  # the process dies while b runs
        await asyncio.gather(run, return_exceptions=True)
        assert "s1" in timers.due_at  # the watchdog outlives the process
        # A new process with the same store and timers: b works now.
        journal.calls.clear()
        fixed = (journal.step("a"), journal.step("b"), journal.step("c"))
        restarted, _ = _orchestrator(fixed, store, clock)
        restarted.timers = timers
        clock.advance(60)
        assert await restarted.run_due() == 1
        assert journal.calls == ["b", "c"]
        assert (await _saga(store, "s1")).status == "completed"

    asyncio.run(scenario())


def test_a_failing_compensation_is_retried_by_the_timer_until_it_succeeds() -> None:
    async def scenario() -> None:
        store, clock, journal = MemoryEventStore(), Clock(), Journal({"b": 99})
        flaky = {"undo": 2}

        async def undo_a(context: SagaContext) -> Mapping[str, Any]:
            journal.calls.append("undo-a")
            if flaky["undo"] > 0:
                flaky["undo"] -= 1
                raise RuntimeError("undo is down")
            return {}

        base = journal.step("a")
        a = Step("a", base.action, compensate=undo_a, retries=0, timeout=5.0)
        b = Step("b", journal.step("b").action, retries=0, timeout=5.0)
        sagas, _ = _orchestrator((a, b), store, clock)
        await sagas.start("test_saga", "s1", {})
        for _ in range(6):
            clock.advance(5)
            await sagas.run_due()
        assert (await _saga(store, "s1")).status == "compensated"
        assert journal.calls.count("undo-a") == 3

    asyncio.run(scenario())


class CountingTimers(MemoryTimers):
    def __init__(self) -> None:
        super().__init__()
        self.writes: list[str] = []

    async def schedule(self, saga_id: str, due_at: str) -> None:
        self.writes.append(due_at)
        await super().schedule(saga_id, due_at)


def test_quick_steps_share_one_watchdog_that_always_outlasts_the_running_step() -> None:
    async def scenario() -> None:
        store, clock, journal = MemoryEventStore(), Clock(), Journal()
        b = journal.step("b")

        async def b_later(context: SagaContext) -> Mapping[str, Any]:
            clock.advance(8)  # b takes a while: c needs a later watchdog than a's
            return await b.action(context)

        steps = (journal.step("a"), replace(b, action=b_later), journal.step("c"))
        sagas, _ = _orchestrator(steps, store, clock)
        timers = sagas.timers = CountingTimers()
        start = clock.now
        await sagas.start("test_saga", "s1", {})
        assert journal.calls == ["a", "b", "c"]
        # a set one (covering b, which started at once); c, 8 s later, needed a new one.
        grace = sagas.watchdog_grace
        assert timers.writes == [
            (start + timedelta(seconds=5 + 2 * grace)).isoformat(),
            (start + timedelta(seconds=8 + 5 + 2 * grace)).isoformat(),
        ]
        assert "s1" not in timers.due_at  # completed: cancelled

    asyncio.run(scenario())


def test_sagas_give_way_while_the_projections_are_behind_but_never_for_long() -> None:
    async def scenario() -> None:
        store, clock, journal = MemoryEventStore(), Clock(), Journal()
        looks: list[bool] = []
        behind = [True, True, True]  # three looks say "behind", then it has caught up

        async def busy() -> bool:
            looks.append(bool(behind))
            return bool(behind and behind.pop())

        sagas, _ = _orchestrator((journal.step("a"),), store, clock)
        sagas._busy, sagas._yield_at_most = busy, 1.0
        await sagas.start("test_saga", "s1", {}, wait=False)
        assert await sagas.run_due() == 1
        assert looks == [True, True, True, False]  # waited until it caught up, then ran
        assert journal.calls == ["a"]

        always = Journal()
        stuck, _ = _orchestrator((always.step("a"),), MemoryEventStore(), clock)

        stuck_looks: list[float] = []

        async def never_done() -> bool:
            stuck_looks.append(asyncio.get_running_loop().time())
            return True

        stuck._busy, stuck._yield_at_most = never_done, 0.05
        await stuck.start("test_saga", "s2", {}, wait=False)
        assert await stuck.run_due() == 1  # a burst delays sagas; it never stops them
        assert always.calls == ["a"]
        assert len(stuck_looks) >= 3  # it did wait, looking again every 10 ms ...
        assert stuck_looks[-1] - stuck_looks[0] < 1.0  # ... for about 50 ms, not longer

    asyncio.run(scenario())
