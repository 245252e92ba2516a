"""Projection lag: how far the leads read model trails the event store under paced load.

Open-loop paced ``POST /api/leads`` at fixed rates (a fresh backend per rate in a full run,
so no saga backlog carries over) against the deployment shape: one API worker, and the
relay, the projections and (in one of the two layouts) the sagas in ``aic worker`` processes
beside it (sagas at ``--nice 10``). The figure is the p99 of
``aic_backend_projection_lag_seconds`` for the ``leads`` projection (commit of an event to
its projection's commit), from the difference of two scrapes of the projections worker's
``/metrics``, once the projection applied every lead event stored during the run;
cross-checked by reading every 20th lead back over HTTP.
"""

from __future__ import annotations

import math
import time
from dataclasses import dataclass

from bench.backend_proc import WORKER_KINDS, Backend, started_backend, store_counts, warm_up
from bench.harness import Result, benchmark
from bench.paced import (
    VISIBLE_TIMEOUT,
    Paced,
    Quantile,
    lag_histogram,
    lagging_streams,
    p99,
    paced_leads,
)

__all__ = ["projection_lag"]

_LAG_GOAL_MS = 50.0
_TARGET_RATE = 500.0
_LIGHT_RATE = 20.0
_LADDER = (10.0, 50.0, 100.0, 250.0)  # full runs: where lag stays below the goal
WITH_SAGAS = WORKER_KINDS
SAGAS_STOPPED = ("relay", "projections")
GOAL_SPLIT = WITH_SAGAS


def _layout(split: tuple[str, ...]) -> str:
    sagas = "saga worker (nice 10)" if "sagas" in split else "no saga worker (sagas stopped)"
    return f"1 API worker + relay worker + projections worker + {sagas}"


@dataclass(frozen=True)
class LagRun:
    paced: Paced
    lag: Quantile
    caught_up_s: float  # after the run, until the projection applied every lead event
    behind: int  # lead streams still behind when the wait gave up (0: caught up)
    relay_failures: int  # "relay_publish_failed" lines in the backend's log so far


def _catch_up(backend: Backend, limit: float) -> tuple[float, int]:
    """Wait (at most ``limit`` s) until the leads projection applied every stored lead event."""
    head, begin = store_counts(backend.database_url).head, time.monotonic()
    behind = lagging_streams(backend.database_url, head)
    while behind and time.monotonic() - begin < limit:
        time.sleep(0.05)
        behind = lagging_streams(backend.database_url, head)
    return time.monotonic() - begin, behind


def _lag_run(backend: Backend, rate: float, seconds: float) -> LagRun:
    warm_up(backend, 5)
    _catch_up(backend, 10.0)
    before = lag_histogram(backend.metrics_url)
    paced = paced_leads(backend.url, rate, seconds, reader_headers=backend.service_headers)
    caught_up_s, behind = _catch_up(backend, 30.0)
    lag = p99(before, lag_histogram(backend.metrics_url))
    return LagRun(paced, lag, caught_up_s, behind, backend.log_lines("relay_publish_failed"))


def _ms(value: float) -> str:
    return "inf" if math.isinf(value) else f"{value * 1000:g}"


def _failures(paced: Paced) -> str:
    if not paced.failures:
        return ""
    return ": " + ", ".join(f"{count} {kind}" for kind, count in paced.failures.most_common())


def _describe(run: LagRun) -> str:
    paced, lag = run.paced, run.lag
    text = (
        f"{paced.rate:g}/s offered for {paced.seconds:g} s: {paced.achieved:.0f}/s accepted"
        f" ({paced.accepted} 202s, {paced.skipped} skipped at 64 in flight, {paced.errors}"
        f" errors{_failures(paced)}); histogram p99 {lag.value * 1000:.1f} ms in bucket"
        f" ({_ms(lag.lower)}, {_ms(lag.upper)}] ms of {lag.count} lead events"
    )
    sampled = len(paced.visible_ms) + paced.invisible
    if sampled:
        text += (
            f"; read back over HTTP (every 20th, {sampled} sampled, {paced.unsampled} left out):"
            f" median {paced.visible_quantile(0.5):.0f} ms, p99 {paced.visible_quantile(0.99):.0f}"
            f" ms ({paced.invisible} not readable within {VISIBLE_TIMEOUT:g} s count as inf)"
        )
    if run.behind:
        text += f"; {run.behind} lead streams still behind after 30 s"
    return text + (
        f"; projection caught up {run.caught_up_s:.1f} s after the run; relay_publish_failed log"
        f" lines: {run.relay_failures}; client CPU {paced.client_cpu_s:.1f} s, slip <="
        f" {paced.max_slip_ms:.0f} ms"
    )


def _lag_runs(
    rates: tuple[float, ...], seconds: float, fresh: bool, split: tuple[str, ...]
) -> dict[float, LagRun]:
    found: dict[float, LagRun] = {}
    if not fresh:  # smoke: one backend for every rate, lightest first
        with started_backend(split=split) as backend:
            for rate in rates:
                found[rate] = _lag_run(backend, rate, seconds)
        return found
    for rate in rates:
        with started_backend(split=split) as backend:
            found[rate] = _lag_run(backend, rate, seconds)
    return found


@benchmark("projection_lag")
def projection_lag(smoke: bool) -> list[Result]:
    """Leads projection lag p99 at 500 commands/s (paced) versus at 20/s, same run."""
    seconds = 1.0 if smoke else 10.0
    ladder = () if smoke else _LADDER
    results: list[Result] = []
    for split in (GOAL_SPLIT,) if smoke else (WITH_SAGAS, SAGAS_STOPPED):
        goal = split == GOAL_SPLIT
        rates = (_LIGHT_RATE, *(ladder if goal else ()), _TARGET_RATE)
        runs = _lag_runs(rates, seconds, not smoke, split)
        results += _rows(runs, split, goal, smoke)
    return results


def _rows(
    runs: dict[float, LagRun], split: tuple[str, ...], goal: bool, smoke: bool
) -> list[Result]:
    light, heavy = runs[_LIGHT_RATE], runs[_TARGET_RATE]
    sustained = heavy.paced.achieved >= 0.95 * _TARGET_RATE
    figure, anchor = heavy.lag.value * 1000, light.lag.value * 1000
    note = (
        f"{_layout(split)}, PostgreSQL + Redis Streams, AIC_LOG_LEVEL=warning, fresh backend"
        f" per rate{'' if not smoke else ' (smoke: one backend)'}; open-loop asyncio generator"
        f" (bench.rawhttp), at most 64 in flight. {_describe(heavy)}. Anchor: {_describe(light)}"
    )
    if not sustained:
        note += f". The backend did NOT sustain {_TARGET_RATE:g}/s: this lag is at the rate reached"
    short = "with sagas" if "sagas" in split else "sagas stopped"
    results = [
        Result(
            name=f"projection lag p99 (leads) at {_TARGET_RATE:g} cmd/s offered, {short}",
            figure=figure,
            unit="ms",
            anchor=anchor,
            anchor_label=f"same at {_LIGHT_RATE:g} cmd/s",
            better="lower",
            goal=f"< {_LAG_GOAL_MS:g} ms at {_TARGET_RATE:g}/s sustained" if goal else "-",
            met=None
            if smoke or not goal
            else sustained and figure < _LAG_GOAL_MS and not heavy.behind,
            note=note,
            smoke=smoke,
        )
    ]
    ladder = sorted(rate for rate in runs if rate not in (_LIGHT_RATE, _TARGET_RATE))
    for rate in ladder:
        results.append(
            Result(
                name=f"  projection lag p99 (leads) at {rate:g} cmd/s offered, {short}",
                figure=runs[rate].lag.value * 1000,
                unit="ms",
                anchor=anchor,
                anchor_label=f"same at {_LIGHT_RATE:g} cmd/s",
                note=_describe(runs[rate]),
                smoke=smoke,
            )
        )
    if ladder:
        under = [r.paced.achieved for r in runs.values() if r.lag.value * 1000 < _LAG_GOAL_MS]
        results.append(
            Result(
                name=f"  highest accepted rate with lag p99 < {_LAG_GOAL_MS:g} ms, {short}",
                figure=max(under) if under else 0.0,
                unit="cmd/s",
                anchor=_TARGET_RATE,
                anchor_label="target rate",
                better="higher",
                note=("" if under else "none of the rates tried; ")
                + "rates offered (a fresh backend each): "
                + ", ".join(f"{rate:g}" for rate in sorted(runs)),
                smoke=smoke,
            )
        )
    return results
