"""Whether an open realtime stream's credential still holds, re-checked while it runs.

A stream is authenticated when it opens; signing out everywhere, a role change, a
deactivation or a revoked key must end it too, not only the expiry of its access token.
``CredentialCheck`` runs the check a new request would get at most every few seconds (a
timer, and before a batch of events is delivered when the last check is older than that), so
that thousands of open streams cost a few reads a second, and never lets an event out once a
check failed.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable
from typing import Literal

__all__ = ["CredentialCheck", "CredentialLost", "Lost"]

# Why a stream's credential no longer holds: its access token expired; it was revoked (signed
# out, every session ended, the account deactivated, the token's generation bumped, the key
# no longer valid); or the account's roles changed (what it may see must be decided afresh).
Lost = Literal["expired", "revoked", "roles_changed"]

# A timer may fire a hair before its time (asyncio's clock resolution): never wait less than
# this, so a watcher does not spin until the interval has passed.
_MIN_WAIT = 0.001


class CredentialLost(Exception):
    """A stream's credential no longer holds: it ends, delivering nothing more."""

    def __init__(self, reason: Lost) -> None:
        super().__init__(reason)
        self.reason: Lost = reason


class CredentialCheck:
    """The credential a stream opened with: ``check`` (``None`` while it holds, else why not)
    runs at most every ``every`` seconds, and the access token's ``expires_at`` (seconds since
    the epoch) ends it at once. Once lost, it stays lost.

    The stream was authenticated as it opened, so the first re-check is ``every`` seconds
    later. Concurrent callers share one check.
    """

    def __init__(
        self,
        check: Callable[[], Awaitable[Lost | None]],
        every: float,
        expires_at: float | None = None,
        *,
        clock: Callable[[], float] = time.monotonic,
        wall_clock: Callable[[], float] = time.time,
    ) -> None:
        if every <= 0:
            raise ValueError("the re-check interval must be positive")
        self._check = check
        self._every = every
        self._expires_at = expires_at
        self._clock = clock
        self._wall_clock = wall_clock
        self._checked = clock()
        self._lost: Lost | None = None
        self._lock = asyncio.Lock()

    @property
    def lost(self) -> Lost | None:
        """Why the credential was found lost (``None``: it held at the last check)."""
        return self._lost

    async def verify(self) -> Lost | None:
        """``None`` while the credential holds: checked afresh when the last check is older
        than the interval (a check that fails raises, and is tried again next time)."""
        if self._lost is None and self._expired():
            self._lost = "expired"
        if self._lost is not None or not self._due():
            return self._lost
        async with self._lock:
            if self._lost is None and self._due():  # else another caller just checked
                self._lost = await self._check()
                self._checked = self._clock()
        return self._lost

    async def watch(self) -> Lost:
        """Check every interval (and at the token's expiry) until the credential is lost."""
        while True:
            lost = await self.verify()
            if lost is not None:
                return lost
            await asyncio.sleep(self._until_next())

    def _due(self) -> bool:
        return self._clock() - self._checked >= self._every

    def _expired(self) -> bool:
        return self._expires_at is not None and self._wall_clock() >= self._expires_at

    def _until_next(self) -> float:
        wait = self._checked + self._every - self._clock()
        if self._expires_at is not None:
            wait = min(wait, self._expires_at - self._wall_clock())
        return max(wait, _MIN_WAIT)
