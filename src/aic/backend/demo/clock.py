"""A handler clock that tells a seeded command's historic time, and the real time otherwise."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from datetime import UTC, datetime

from aic.backend.application.handlers import Clock, utc_now

__all__ = ["happening_at", "iso", "seed_aware_clock"]

# Set only by the seed, around one dispatch, in its own task: a request handler never sees it.
_HAPPENED_AT: ContextVar[str | None] = ContextVar("aic_demo_happened_at", default=None)


def iso(moment: datetime) -> str:
    """The format ``utc_now`` uses, so seeded and live times sort together as text."""
    text = moment.astimezone(UTC).isoformat(timespec="microseconds")
    return text.replace("+00:00", "Z")


def seed_aware_clock(clock: Clock = utc_now) -> Clock:
    """``clock``, unless the seed is dispatching a command that happened in the past.

    Wire it into ``register_aggregate_handlers`` and the demo's leads are captured over the
    last 60 days instead of all at seeding time; without it the seed still works.
    """

    def now() -> str:
        return _HAPPENED_AT.get() or clock()

    return now


@contextmanager
def happening_at(moment: datetime) -> Iterator[None]:
    token = _HAPPENED_AT.set(iso(moment))
    try:
        yield
    finally:
        _HAPPENED_AT.reset(token)
