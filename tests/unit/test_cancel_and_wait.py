"""Background tasks end for sure, even when something inside swallows a cancellation."""

from __future__ import annotations

import asyncio

import pytest

from aic.tasks import cancel_and_wait


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
