"""Concurrent embedding calls share runs on the worker thread, each getting its own rows."""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor

import numpy as np
import numpy.typing as npt
import pytest

from aic.ai.embeddings.batcher import CoalescingRunner

pytestmark = pytest.mark.anyio


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


class GatedEncoder:
    """Rows that spell each text's number; the first run waits for ``release``."""

    def __init__(self, fail_on: str | None = None) -> None:
        self.runs: list[list[str]] = []
        self.release = threading.Event()
        self.first_started = threading.Event()
        self.fail_on = fail_on

    def __call__(self, texts: list[str]) -> npt.NDArray[np.float32]:
        self.runs.append(texts)
        if len(self.runs) == 1:
            self.first_started.set()
            self.release.wait(5)
        if self.fail_on in texts:
            raise ValueError(f"cannot encode {self.fail_on}")
        return np.array([[float(t.removeprefix("t"))] * 2 for t in texts], dtype=np.float32)


async def started(encoder: GatedEncoder) -> None:
    await asyncio.to_thread(encoder.first_started.wait, 5)


def texts(*numbers: int) -> list[str]:
    return [f"t{n}" for n in numbers]


@pytest.fixture
def executor() -> Iterator[ThreadPoolExecutor]:
    pool = ThreadPoolExecutor(1)
    yield pool
    pool.shutdown(wait=True)


async def test_calls_that_arrive_during_a_run_share_the_next_run(
    executor: ThreadPoolExecutor,
) -> None:
    encoder = GatedEncoder()
    runner = CoalescingRunner(encoder, executor, max_texts=64)
    first = asyncio.create_task(runner.run(texts(0)))
    await started(encoder)
    waiting = [asyncio.create_task(runner.run(texts(n, n + 100))) for n in range(1, 6)]
    await asyncio.sleep(0.01)
    encoder.release.set()

    assert (await first)[:, 0].tolist() == [0]
    for n, task in enumerate(waiting, 1):
        assert (await task)[:, 0].tolist() == [n, n + 100]
    assert encoder.runs == [texts(0), texts(1, 101, 2, 102, 3, 103, 4, 104, 5, 105)]


async def test_a_lone_call_runs_at_once_and_no_texts_make_no_run(
    executor: ThreadPoolExecutor,
) -> None:
    encoder = GatedEncoder()
    encoder.release.set()
    runner = CoalescingRunner(encoder, executor, max_texts=8)
    rows = await runner.run(texts(7, 8))
    assert rows.shape == (2, 2)
    assert rows[:, 0].tolist() == [7, 8]
    assert encoder.runs == [texts(7, 8)]


async def test_a_long_call_is_cut_into_runs_that_others_can_join(
    executor: ThreadPoolExecutor,
) -> None:
    encoder = GatedEncoder()
    runner = CoalescingRunner(encoder, executor, max_texts=4)
    long = asyncio.create_task(runner.run(texts(*range(10))))
    await started(encoder)
    short = asyncio.create_task(runner.run(texts(99)))
    await asyncio.sleep(0.01)
    encoder.release.set()

    assert (await long)[:, 0].tolist() == list(range(10))
    assert (await short)[:, 0].tolist() == [99]
    assert encoder.runs[0] == texts(0, 1, 2, 3)
    assert encoder.runs[1] == texts(99)  # queued before the long call's second slice
    assert [t for run in encoder.runs[2:] for t in run] == texts(*range(4, 10))
    assert all(len(run) <= 4 for run in encoder.runs)


async def test_a_failed_run_fails_its_callers_and_the_next_run_goes_on(
    executor: ThreadPoolExecutor,
) -> None:
    encoder = GatedEncoder(fail_on="t13")
    runner = CoalescingRunner(encoder, executor, max_texts=3)
    first = asyncio.create_task(runner.run(texts(0)))
    await started(encoder)
    doomed = [asyncio.create_task(runner.run(texts(n))) for n in (11, 12, 13)]
    later = asyncio.create_task(runner.run(texts(14)))
    await asyncio.sleep(0.01)
    encoder.release.set()

    await first
    for task in doomed:
        with pytest.raises(ValueError, match="cannot encode t13"):
            await task
    assert (await later)[:, 0].tolist() == [14]


async def test_a_caller_that_gave_up_is_left_out_of_the_run(
    executor: ThreadPoolExecutor,
) -> None:
    encoder = GatedEncoder()
    runner = CoalescingRunner(encoder, executor, max_texts=8)
    first = asyncio.create_task(runner.run(texts(0)))
    await started(encoder)
    impatient = asyncio.create_task(runner.run(texts(1)))
    patient = asyncio.create_task(runner.run(texts(2)))
    await asyncio.sleep(0.01)
    impatient.cancel()
    encoder.release.set()

    await first
    assert (await patient)[:, 0].tolist() == [2]
    assert encoder.runs[1] == texts(2)


async def test_closing_fails_queued_calls_and_refuses_new_ones(
    executor: ThreadPoolExecutor,
) -> None:
    encoder = GatedEncoder()
    runner = CoalescingRunner(encoder, executor, max_texts=8)
    running = asyncio.create_task(runner.run(texts(0)))
    await started(encoder)
    queued = asyncio.create_task(runner.run(texts(1)))
    await asyncio.sleep(0.01)
    await runner.close()
    encoder.release.set()

    for task in (running, queued):
        with pytest.raises(RuntimeError, match="closed"):
            await task
    with pytest.raises(RuntimeError, match="closed"):
        await runner.run(texts(2))
