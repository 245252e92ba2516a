"""An open stream's credential check: at most once an interval, lost for good, expiry."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable
from typing import TypeVar

import pytest

from aic.backend.entrypoints.realtime.credentials import CredentialCheck, Lost

T = TypeVar("T")


def run(test: Callable[[], Awaitable[T]]) -> T:
    return asyncio.run(asyncio.wait_for(test(), 10))


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


class Checks:
    """A check that answers ``answer`` and counts its calls."""

    def __init__(self) -> None:
        self.answer: Lost | None = None
        self.calls = 0
        self.error: Exception | None = None

    async def __call__(self) -> Lost | None:
        self.calls += 1
        await asyncio.sleep(0)
        if self.error is not None:
            raise self.error
        return self.answer


def test_no_check_runs_before_the_interval_has_passed() -> None:
    checks, clock = Checks(), Clock()
    credential = CredentialCheck(checks, 5.0, clock=clock)

    async def scenario() -> Lost | None:
        clock.now += 4.9
        return await credential.verify()

    assert run(scenario) is None
    assert checks.calls == 0


def test_a_check_runs_once_an_interval_and_concurrent_callers_share_it() -> None:
    checks, clock = Checks(), Clock()
    credential = CredentialCheck(checks, 5.0, clock=clock)

    async def scenario() -> list[Lost | None]:
        clock.now += 5.0
        answers = await asyncio.gather(*(credential.verify() for _ in range(10)))
        answers.append(await credential.verify())
        return answers

    assert run(scenario) == [None] * 11
    assert checks.calls == 1


def test_once_lost_it_stays_lost_without_checking_again() -> None:
    checks, clock = Checks(), Clock()
    credential = CredentialCheck(checks, 5.0, clock=clock)
    checks.answer = "revoked"

    async def scenario() -> tuple[Lost | None, Lost | None]:
        clock.now += 5.0
        first = await credential.verify()
        checks.answer = None
        clock.now += 60.0
        return first, await credential.verify()

    assert run(scenario) == ("revoked", "revoked")
    assert checks.calls == 1
    assert credential.lost == "revoked"


def test_a_failing_check_raises_and_is_tried_again() -> None:
    checks, clock = Checks(), Clock()
    credential = CredentialCheck(checks, 5.0, clock=clock)
    checks.error = ConnectionError("the identity store is down")

    async def scenario() -> Lost | None:
        clock.now += 5.0
        with pytest.raises(ConnectionError):
            await credential.verify()
        checks.error = None
        return await credential.verify()

    assert run(scenario) is None
    assert checks.calls == 2


def test_an_expired_token_is_lost_at_once_without_a_check() -> None:
    checks, wall = Checks(), Clock()
    credential = CredentialCheck(checks, 5.0, expires_at=wall.now + 1, wall_clock=wall)

    async def scenario() -> tuple[Lost | None, Lost | None]:
        before = await credential.verify()
        wall.now += 1
        return before, await credential.verify()

    assert run(scenario) == (None, "expired")
    assert checks.calls == 0


def test_watch_returns_once_a_check_finds_the_credential_lost() -> None:
    checks = Checks()
    credential = CredentialCheck(checks, 0.02)

    async def scenario() -> Lost:
        watching = asyncio.ensure_future(credential.watch())
        await asyncio.sleep(0.1)
        assert not watching.done()  # several checks passed meanwhile
        checks.answer = "roles_changed"
        return await watching

    assert run(scenario) == "roles_changed"
    assert checks.calls >= 3


def test_watch_returns_at_the_token_expiry() -> None:
    checks = Checks()
    credential = CredentialCheck(checks, 60.0, expires_at=time.time() + 0.1)

    assert run(credential.watch) == "expired"
    assert checks.calls == 0


def test_the_interval_must_be_positive() -> None:
    with pytest.raises(ValueError, match="positive"):
        CredentialCheck(Checks(), 0)
