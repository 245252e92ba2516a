"""Background tasks: ended for sure (even when a cancellation is swallowed); coalesced runs."""

from __future__ import annotations

import asyncio

import pytest

from aic.tasks import Coalesced, cancel_and_wait


async def swallows_one_cancellation(ended: list[str]) -> None:
    """A retrying loop over a client that, once, eats the cancellation (as redis-py can)."""
    swallowed = False
    try:
        while True:
            try:
                await asyncio.sleep(0.01)
            except asyncio.CancelledError:
                if swallowed:
                    raise
                swallowed = True  # a library caught it and carried on
    finally:
        ended.append("ended")


def test_a_swallowed_cancellation_is_repeated_until_the_task_ends() -> None:
    async def scenario() -> list[str]:
        ended: list[str] = []
        task = asyncio.create_task(swallows_one_cancellation(ended))
        await asyncio.sleep(0.02)
        await asyncio.wait_for(cancel_and_wait(task, every=0.01), 2.0)
        assert task.cancelled()
        return ended

    assert asyncio.run(scenario()) == ["ended"]


def test_the_first_error_of_a_task_is_raised_once_all_have_ended() -> None:
    async def fails() -> None:
        raise ValueError("broken")

    async def scenario() -> None:
        ended: list[str] = []
        failed = asyncio.create_task(fails())
        looping = asyncio.create_task(swallows_one_cancellation(ended))
        await asyncio.sleep(0.02)
        with pytest.raises(ValueError, match="broken"):
            await cancel_and_wait(failed, looping, every=0.01)
        assert looping.done()
        assert ended == ["ended"]

    asyncio.run(scenario())


def test_a_cancelled_caller_still_ends_its_tasks_before_giving_up() -> None:
    async def scenario() -> None:
        ended: list[str] = []
        task = asyncio.create_task(swallows_one_cancellation(ended))
        await asyncio.sleep(0.02)
        closer = asyncio.create_task(cancel_and_wait(task, every=0.05))
        await asyncio.sleep(0.01)
        closer.cancel()
        with pytest.raises(asyncio.CancelledError):
            await closer
        assert task.done()
        assert ended == ["ended"]

    asyncio.run(scenario())


def test_tasks_already_done_are_left_as_they_are() -> None:
    async def scenario() -> None:
        async def quick() -> int:
            return 1

        task = asyncio.create_task(quick())
        await task
        await cancel_and_wait(task)
        assert task.result() == 1

    asyncio.run(scenario())


class Runs:
    def __init__(self, fail_first: int = 0) -> None:
        self.started: list[float] = []
        self.fail_first = fail_first

    async def action(self) -> None:
        self.started.append(asyncio.get_running_loop().time())
        await asyncio.sleep(0.002)
        if len(self.started) <= self.fail_first:
            raise RuntimeError("notification queue full")


def test_a_poke_after_a_quiet_spell_runs_at_once() -> None:
    async def scenario() -> float:
        runs = Runs()
        coalesced = Coalesced(runs.action, 0.05, "test")
        poked = asyncio.get_running_loop().time()
        coalesced.poke()
        await coalesced.wait_idle()
        await coalesced.aclose()
        assert len(runs.started) == 1
        return runs.started[0] - poked

    assert asyncio.run(scenario()) < 0.01


def test_a_burst_of_pokes_is_served_by_few_runs_and_the_last_poke_by_a_later_run() -> None:
    async def scenario() -> None:
        runs = Runs()
        coalesced = Coalesced(runs.action, 0.02, "test")
        loop = asyncio.get_running_loop()
        pokes = []
        for _ in range(50):  # ~0.1 s of pokes every 2 ms
            pokes.append(loop.time())
            coalesced.poke()
            await asyncio.sleep(0.002)
        await coalesced.wait_idle()
        await coalesced.aclose()
        span = pokes[-1] - pokes[0]
        assert 2 <= len(runs.started) <= span / 0.02 + 2
        for poke in pokes:  # every poke is followed by a run that started after it
            assert any(start >= poke for start in runs.started)
        gaps = [b - a for a, b in zip(runs.started, runs.started[1:], strict=False)]
        assert min(gaps) >= 0.02

    asyncio.run(scenario())


def test_a_failed_run_is_logged_and_the_next_poke_runs_again() -> None:
    async def scenario() -> int:
        runs = Runs(fail_first=1)
        coalesced = Coalesced(runs.action, 0.001, "test")
        coalesced.poke()
        await coalesced.wait_idle()
        coalesced.poke()
        await coalesced.wait_idle()
        await coalesced.aclose()
        return len(runs.started)

    assert asyncio.run(scenario()) == 2


def test_a_grace_lets_a_task_stop_by_itself_even_while_the_caller_is_cancelled_again() -> None:
    async def scenario() -> None:
        stop, ended = asyncio.Event(), []

        async def winds_down() -> None:
            await stop.wait()
            await asyncio.sleep(0.2)  # finishing its step: must not be cut short
            ended.append("by itself")

        task = asyncio.create_task(winds_down())
        await asyncio.sleep(0.01)
        stop.set()
        closer = asyncio.create_task(cancel_and_wait(task, grace=2.0, every=0.01))
        for _ in range(5):  # as a closing loop cancels its loops, again and again
            await asyncio.sleep(0.02)
            closer.cancel()
        with pytest.raises(asyncio.CancelledError):
            await closer
        assert ended == ["by itself"]
        assert not task.cancelled()

    asyncio.run(scenario())


def test_a_task_that_outlasts_its_grace_is_cancelled() -> None:
    async def scenario() -> bool:
        task = asyncio.create_task(asyncio.sleep(10))
        await asyncio.wait_for(cancel_and_wait(task, grace=0.05), 2.0)
        return task.cancelled()

    assert asyncio.run(scenario())
