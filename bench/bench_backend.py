"""The event-sourced core end to end: ``POST /api/leads`` commands/s against raw INSERTs.

``wrk`` POSTs lead forms on 32 connections to a backend on PostgreSQL + Redis Streams (each
run on a fresh database and Redis prefix), in three layouts: the write path alone (API
worker(s) with relay, projections and sagas stopped: what the anchor measures too, storing
only); ``aic backend`` running its background work in its own event loop, as one command
starts it; and the deployment shape, API worker(s) with that work in ``aic worker relay``,
``aic worker projections`` and ``aic worker sagas --nice 10`` processes beside it (all on
the same two cores as PostgreSQL, Redis and wrk). The anchor is 32 asyncio psycopg
connections doing autocommit single-row INSERTs of the stored ``LeadCaptured`` row into a
plain table; runs interleave backend layouts, raw and the bare-FastAPI floor, with a raw run
next to each run of the goal layout (the machine's speed drifts). The
projection lag is in ``bench_lag``.
"""

from __future__ import annotations

import dataclasses
import statistics
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

from bench.anchors.raw_insert import RawRate, raw_insert_rate
from bench.backend_proc import (
    WORKER_KINDS,
    Posted,
    captured_row,
    post_leads,
    post_leads_to,
    started_backend,
    store_counts,
    warm_up,
    warm_up_url,
)
from bench.harness import Result, benchmark
from bench.pgtemp import temp_database
from bench.procs import Probe, Proc, free_ports

__all__ = ["backend_commands"]

_CONNECTIONS = 32  # wrk connections, and the anchor's database connections
_RATIO_GOAL = 0.4
_IDLE_S = 3.0  # after each command run: how fast the saga backlog drains with no HTTP load


@dataclass(frozen=True)
class Layout:
    name: str
    workers: int  # uvicorn workers of the API
    split: tuple[str, ...] = ()  # background work in `aic worker` processes
    background: bool = True  # False: nobody runs it (relay, projections, sagas stopped)

    @property
    def label(self) -> str:
        if not self.background:
            return (
                f"{self.workers} API worker(s), relay, projections and sagas stopped"
                " (AIC_BACKGROUND_LOOPS=none, no worker): the write path alone"
            )
        if not self.split:
            return f"`aic backend`, {self.workers} worker(s), background work in-process"
        return f"{self.workers} API worker(s) + relay, projections, sagas (nice) workers"


ALL_IN_ONE = Layout("all-in-one", 1)
DEPLOYED = (Layout("deployed", 1, WORKER_KINDS), Layout("deployed", 2, WORKER_KINDS))
WRITE_PATH = (Layout("write path", 1, background=False), Layout("write path", 2, background=False))
GOAL_LAYOUT = WRITE_PATH[1]


@dataclass(frozen=True)
class CommandRun:
    layout: Layout
    posted: Posted
    events: int  # appended to the store during the wrk run (sagas included)
    sagas: int  # lead-qualification sagas completed during it
    start_s: float  # process start until /api/health answered
    idle_s: float  # seconds waited after the run, with no HTTP load
    idle_sagas: float  # sagas completed per second in those seconds
    relay_failures: int  # "relay_publish_failed" lines in the backend's log


def _spread(values: list[float], unit: str = "/s") -> str:
    return ", ".join(f"{v:,.0f}" for v in values) + unit


def _commands_run(
    layout: Layout, seconds: int, warm: int, idle: float, rows: list[tuple[str, str]]
) -> CommandRun:
    with started_backend(
        layout.workers, split=layout.split, background=layout.background
    ) as backend:
        warm_up(backend, warm)
        if not rows:
            rows.append(captured_row(backend.database_url))
        before = store_counts(backend.database_url)
        posted = post_leads(backend, seconds, _CONNECTIONS)
        after = store_counts(backend.database_url)
        time.sleep(idle)  # the saga backlog, worked off with no HTTP load
        idle_sagas = store_counts(backend.database_url).sagas_completed - after.sagas_completed
        failures = backend.log_lines("relay_publish_failed")
    sagas = after.sagas_completed - before.sagas_completed
    return CommandRun(
        layout, posted, after.events - before.events, sagas, backend.ready_s, idle,
        idle_sagas / idle, failures,
    )  # fmt: skip


def _floor_rate(seconds: int, warm: int) -> Posted:
    """wrk against the bare FastAPI app's ``POST /api/leads``: validation only, no store."""
    with tempfile.TemporaryDirectory(prefix="aic-bench-floor-") as tmp:
        folder = Path(tmp)
        (port,) = free_ports(1)
        with Proc.bare(port, folder / "bare.log") as bare:
            url = f"http://127.0.0.1:{port}"
            bare.wait_ready([Probe(f"{url}/live")], timeout=30.0)
            warm_up_url(url, warm)
            return post_leads_to(url, folder, seconds, _CONNECTIONS)


def _command_rows(
    runs: list[CommandRun], raws: list[RawRate], floors: list[Posted], smoke: bool
) -> list[Result]:
    anchor = statistics.median(r.rate for r in raws)
    raw_note = (
        f"anchor: {_CONNECTIONS} asyncio psycopg connections, autocommit single-row INSERT of the"
        f" backend's own stored LeadCaptured row (data + metadata JSON) into a plain table, same"
        f" concurrency as wrk's {_CONNECTIONS} connections: {_spread([r.rate for r in raws])}"
        f" ({sum(r.errors for r in raws)} errors)"
    )
    results: list[Result] = [
        Result(
            name="  framework floor: bare FastAPI POST /api/leads (validate, 202, no store)",
            figure=statistics.median(f.rate for f in floors),
            unit="req/s",
            anchor=anchor,
            anchor_label=f"raw INSERT, {_CONNECTIONS} connections",
            better="higher",
            note=f"one uvicorn worker, the backend's lead form model, wrk -t1 -c{_CONNECTIONS}:"
            f" {_spread([f.rate for f in floors])}; the ceiling any one-worker FastAPI command"
            " route reaches on this machine",
            smoke=smoke,
        )
    ]
    for layout in dict.fromkeys(r.layout for r in runs):
        results += _layout_rows(layout, [r for r in runs if r.layout == layout], anchor, smoke)
    last = results[-1]
    results[-1] = dataclasses.replace(last, note="; ".join(n for n in (last.note, raw_note) if n))
    return results


def _layout_rows(
    layout: Layout, mine: list[CommandRun], anchor: float, smoke: bool
) -> list[Result]:
    rates = [r.posted.rate for r in mine]
    events = [r.events / r.posted.seconds for r in mine]
    sagas = [r.sagas / r.posted.seconds for r in mine]
    figure = statistics.median(rates)
    errors = sum(r.posted.errors for r in mine)
    accepted = sum(r.posted.accepted for r in mine)
    note = (
        f"{layout.label}; AIC_LOG_LEVEL=warning, PostgreSQL + Redis Streams, ai down (degraded);"
        f" wrk -t1 -c{_CONNECTIONS}, {len(mine)} interleaved run(s) of"
        f" {mine[0].posted.seconds:.1f} s, each on a fresh database after a warm-up; only 202s"
        f" counted: {_spread(rates)} ({errors} errors / {accepted} accepted); latency p50"
        f" {statistics.median(r.posted.p50_ms for r in mine):.0f} ms, p99"
        f" {max(r.posted.p99_ms for r in mine):.0f} ms (worst run); events appended (captures"
        f" + saga work): {_spread(events)}; lead sagas completed: {_spread(sagas, '/s')} (each"
        f" capture starts one that writes ~11 more events), and in the {mine[0].idle_s:g} s"
        f" after the run with no HTTP load: {_spread([r.idle_sagas for r in mine], '/s')};"
        f" relay_publish_failed log lines: {sum(r.relay_failures for r in mine)}; start to"
        f" ready: {', '.join(f'{r.start_s:.1f}' for r in mine)} s"
    )
    clean = errors <= 0.01 * max(1, accepted)
    goal_row = layout == GOAL_LAYOUT
    return [
        Result(
            name=f"POST /api/leads end-to-end, {layout.name}, {layout.workers} API worker(s)",
            figure=figure,
            unit="cmd/s",
            anchor=anchor,
            anchor_label=f"raw INSERT, {_CONNECTIONS} connections",
            better="higher",
            goal=f">= {_RATIO_GOAL:g}x raw INSERT" if goal_row else "-",
            met=None if smoke or not goal_row else figure / anchor >= _RATIO_GOAL and clean,
            note=note,
            smoke=smoke,
        ),
        Result(
            name=f"  same runs ({layout.name}, {layout.workers}): events appended/s, sagas too",
            figure=statistics.median(events),
            unit="rows/s",
            anchor=anchor,
            anchor_label="raw INSERT rows/s",
            better="higher",
            smoke=smoke,
        ),
    ]


@benchmark("backend_commands")
def backend_commands(smoke: bool) -> list[Result]:
    """POST /api/leads commands/s (five layouts) versus raw single-row INSERTs, same run."""
    seconds, rounds, warm = (1, 1, 5) if smoke else (5, 3, 20)
    idle = 0.5 if smoke else _IDLE_S
    layouts = (DEPLOYED[0],) if smoke else (*WRITE_PATH, ALL_IN_ONE, *DEPLOYED)
    runs: list[CommandRun] = []
    raws: list[RawRate] = []
    floors: list[Posted] = []
    rows: list[tuple[str, str]] = []  # the captured lead row, read from the first backend
    goal = [lay for lay in layouts if lay == GOAL_LAYOUT]
    others = [lay for lay in layouts if lay != GOAL_LAYOUT]
    with temp_database() as raw_database:
        # The goal layout's run and a raw run always side by side (the machine's speed drifts
        # over minutes): goal, raw, floor, others; then others, floor, raw, goal; ...
        for number in range(rounds):
            kinds = ("goal", "raw", "floor", "others") if goal else ("others", "raw", "floor")
            for kind in kinds if number % 2 == 0 else reversed(kinds):
                if kind == "raw":
                    raws.append(raw_insert_rate(raw_database, _CONNECTIONS, seconds, *rows[0]))
                elif kind == "floor":
                    floors.append(_floor_rate(seconds, warm))
                else:
                    chosen = goal if kind == "goal" else others
                    runs += [_commands_run(lay, seconds, warm, idle, rows) for lay in chosen]
    return _command_rows(runs, raws, floors, smoke)
