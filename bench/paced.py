"""Open-loop paced ``POST /api/leads`` and the p99 of the projection-lag histogram.

``paced_leads`` sends command ``i`` at ``begin + i / rate`` whatever the answers do (open
loop), with at most ``bound`` requests in flight: a command whose turn comes while the
bound is reached is not sent and counted as skipped, so an overloaded backend shows as a
lower achieved rate rather than as a queue inside the load generator. Every
``sample_every``-th accepted lead is then polled with ``GET /api/leads/{id}`` until it is
readable: the time from its 202 to that 200 is the lag a client sees (polling every ``poll``
seconds, or a fifth of the time waited so far if longer: resolution ~20% plus one GET; at
most ``_WATCHERS`` leads at once, further samples are left out and counted).
"""

from __future__ import annotations

import asyncio
import math
import re
import time
from collections import Counter
from dataclasses import dataclass, field

import httpx2
import uvloop

from bench.backend_proc import LEAD
from bench.pgtemp import count_rows
from bench.rawhttp import PostClient

__all__ = [
    "VISIBLE_TIMEOUT",
    "Paced",
    "Quantile",
    "lag_histogram",
    "lagging_streams",
    "p99",
    "paced_leads",
]

VISIBLE_TIMEOUT = 10.0  # seconds a sampled lead is polled for at most
_WATCHERS = 8  # sampled leads polled at once at most: the polling must not load the backend

_SERIES = re.compile(r"^aic_backend_projection_lag_seconds_bucket\{([^}]*)\} (\S+)$", re.M)
_LABEL = re.compile(r'(\w+)="([^"]*)"')
_LAGGING = """SELECT count(*) FROM (
    SELECT stream_id, max(version) AS version FROM events
    WHERE stream_id LIKE 'lead-%%' AND position <= %s GROUP BY stream_id) AS e
LEFT JOIN projection_streams AS p ON p.projection = 'leads' AND p.stream_id = e.stream_id
WHERE coalesce(p.version, 0) < e.version"""


@dataclass
class Paced:
    rate: float  # offered, commands/s
    seconds: float  # the schedule's length
    scheduled: int = 0
    accepted: int = 0
    errors: int = 0
    skipped: int = 0  # not sent: ``bound`` requests were in flight at its turn
    last_answer: float = 0.0  # seconds from the start to the last 202
    max_slip_ms: float = 0.0  # how late the generator itself sent a command
    visible_ms: list[float] = field(default_factory=list)
    failures: Counter[str] = field(default_factory=Counter)  # what the errors were
    invisible: int = 0  # sampled leads still not readable after ``VISIBLE_TIMEOUT`` s
    unsampled: int = 0  # samples left out: ``_WATCHERS`` were being polled already
    client_cpu_s: float = 0.0

    @property
    def achieved(self) -> float:
        return self.accepted / max(self.seconds, self.last_answer) if self.seconds else 0.0

    def visible_quantile(self, q: float) -> float:
        """Milliseconds; ``inf`` when it falls among the leads never seen in time."""
        seen = sorted(self.visible_ms) + [math.inf] * self.invisible
        return seen[min(len(seen) - 1, int(q * len(seen)))] if seen else math.nan


@dataclass(frozen=True)
class Quantile:
    value: float  # seconds, interpolated linearly inside its bucket
    lower: float  # the bucket's bounds
    upper: float
    count: int  # observations between the two scrapes


def lag_histogram(base_url: str, projection: str = "leads") -> dict[float, float]:
    """Cumulative bucket counts (``le`` → count) of ``projection`` from ``/metrics``."""
    text = httpx2.get(f"{base_url}/metrics", timeout=10.0).text
    found: dict[float, float] = {}
    for labels, value in _SERIES.findall(text):
        named = dict(_LABEL.findall(labels))
        if named.get("projection") == projection:
            found[float(named["le"])] = float(value)
    return found


def p99(before: dict[float, float], after: dict[float, float], q: float = 0.99) -> Quantile:
    """The ``q`` quantile of what was observed between two scrapes of the histogram."""
    bounds = sorted(after)
    cumulative = [after[b] - before.get(b, 0.0) for b in bounds]
    total = cumulative[-1] if cumulative else 0.0
    if total <= 0:
        return Quantile(math.nan, 0.0, 0.0, 0)
    target, lower, below = q * total, 0.0, 0.0
    for bound, count in zip(bounds, cumulative, strict=True):
        if count >= target:
            if math.isinf(bound):  # beyond the last finite bucket: only its bound is known
                return Quantile(lower, lower, bound, int(total))
            value = lower + (bound - lower) * (target - below) / max(count - below, 1e-12)
            return Quantile(value, lower, bound, int(total))
        lower, below = bound, count
    return Quantile(math.nan, lower, math.inf, int(total))


def lagging_streams(database_url: str, head: int) -> int:
    """Lead streams whose events up to position ``head`` the leads projection has not all
    applied yet (0: caught up)."""
    found = count_rows(database_url, _LAGGING, (head,))
    return found[0] if found else 0


async def _paced(
    url: str,
    rate: float,
    seconds: float,
    bound: int,
    sample_every: int,
    poll: float,
    reader_headers: dict[str, str],
) -> Paced:
    run = Paced(rate, seconds, scheduled=max(1, round(rate * seconds)))
    readers = httpx2.Limits(max_connections=16, max_keepalive_connections=16)
    in_flight = watching = 0
    tasks: set[asyncio.Task[None]] = set()
    cpu = time.process_time()
    client = PostClient(f"{url}/api/leads", LEAD, bound)
    async with httpx2.AsyncClient(limits=readers, timeout=5.0, headers=reader_headers) as reader:
        begin = time.monotonic()

        async def watch(lead_id: str, since: float) -> None:
            nonlocal watching
            watching += 1
            deadline = since + VISIBLE_TIMEOUT
            try:
                await poll_until_visible(lead_id, since, deadline)
            finally:
                watching -= 1

        async def poll_until_visible(lead_id: str, since: float, deadline: float) -> None:
            while time.monotonic() < deadline:
                try:
                    response = await reader.get(f"{url}/api/leads/{lead_id}")
                except httpx2.HTTPError:
                    response = None
                waited = time.monotonic() - since
                if response is not None and response.status_code == 200:
                    run.visible_ms.append(waited * 1000)
                    return
                await asyncio.sleep(max(poll, waited / 5))  # resolution ~20% of the wait
            run.invisible += 1

        async def send(number: int) -> None:
            nonlocal in_flight
            try:
                response = await client.post()
            except (OSError, TimeoutError, ValueError, asyncio.IncompleteReadError) as exc:
                run.errors += 1
                run.failures[type(exc).__name__] += 1
                return
            finally:
                in_flight -= 1
            if response.status != 202:
                run.errors += 1
                run.failures[str(response.status)] += 1
                return
            answered = time.monotonic()
            run.accepted += 1
            run.last_answer = max(run.last_answer, answered - begin)
            if number % sample_every == 0:
                if watching >= _WATCHERS:
                    run.unsampled += 1
                    return
                answer = response.json()
                assert isinstance(answer, dict)
                await watch(str(answer["id"]), answered)

        for number in range(run.scheduled):
            delay = begin + number / rate - time.monotonic()
            if delay > 0:
                await asyncio.sleep(delay)
            else:
                run.max_slip_ms = max(run.max_slip_ms, -delay * 1000)
            if in_flight >= bound:
                run.skipped += 1
                continue
            in_flight += 1
            task = asyncio.create_task(send(number))
            tasks.add(task)
            task.add_done_callback(tasks.discard)
        if tasks:  # answers still due, and sampled leads still being polled
            await asyncio.wait(set(tasks), timeout=15.0)
        for task in set(tasks):
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
    await client.aclose()
    run.client_cpu_s = time.process_time() - cpu
    return run


def paced_leads(
    url: str,
    rate: float,
    seconds: float,
    *,
    bound: int = 64,
    sample_every: int = 20,
    poll: float = 0.005,
    reader_headers: dict[str, str] | None = None,
) -> Paced:
    """``reader_headers``: credentials of the polling reads (the lead list is not public)."""
    return uvloop.run(_paced(url, rate, seconds, bound, sample_every, poll, reader_headers or {}))
