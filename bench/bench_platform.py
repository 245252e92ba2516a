"""The foundation's benchmarks: ``aic up`` start time, idle memory, backend request rate.

``up_time`` and ``idle_rss`` share one measurement (``platform_run``): each round starts the
bare anchor app, then ``aic up`` on free ports with a fresh data folder, times both until they
answer, serves a few requests, lets them idle and reads their RSS; then stops both.
"""

from __future__ import annotations

import contextlib
import json
import re
import statistics
import tempfile
import time
from contextlib import ExitStack
from dataclasses import dataclass, field
from pathlib import Path

import psutil

from bench.harness import Result, benchmark
from bench.loadgen import Load, load, load_tool
from bench.procs import Probe, Proc, aic_env, free_ports, hit, status_ok, tree_rss

__all__ = ["PlatformRun", "backend_rps", "idle_rss", "platform_run", "up_time"]

_PORTS = ("backend", "ai", "web_main", "web_smb", "web_enterprise", "web_nexus", "web_admin")
_ROLES = ("supervisor", "backend", "ai", "web")
_ROLE_NAMES = {
    "supervisor": "aic up (supervisor)",
    "backend": "backend",
    "ai": "ai",
    "web": "web (5 portals)",
}
_UP_GOAL_S = 15.0
_BACKEND_RSS_GOAL_MB = 150.0
_RPS_GOAL = 0.5
_LOCAL = "127.0.0.1"


@dataclass
class PlatformRun:
    """What the rounds of ``aic up`` and the bare anchor measured."""

    up_seconds: list[float] = field(default_factory=list)
    bare_seconds: list[float] = field(default_factory=list)
    reported: list[float] = field(default_factory=list)  # "all ready in X s" from aic up
    rss_mb: dict[str, list[float]] = field(default_factory=dict)
    bare_rss_mb: list[float] = field(default_factory=list)
    descendants: dict[str, int] = field(default_factory=dict)
    leftovers: list[str] = field(default_factory=list)


_RUNS: dict[bool, PlatformRun] = {}


def platform_run(smoke: bool) -> PlatformRun:
    """Measured once per process and mode, then shared by ``up_time`` and ``idle_rss``."""
    if smoke not in _RUNS:
        _RUNS[smoke] = _measure_platform(smoke)
    return _RUNS[smoke]


def _measure_platform(smoke: bool) -> PlatformRun:
    rounds, idle, requests = (1, 0.5, 3) if smoke else (3, 2.0, 20)
    run = PlatformRun()
    with tempfile.TemporaryDirectory(prefix="aic-bench-up-") as tmp:
        for number in range(rounds):
            _bare_round(Path(tmp), number, run, idle, requests)
            _up_round(Path(tmp), number, run, idle, requests)
    return run


def _bare_round(tmp: Path, number: int, run: PlatformRun, idle: float, requests: int) -> None:
    (port,) = free_ports(1)
    url = f"http://{_LOCAL}:{port}/live"
    with Proc.bare(port, tmp / f"bare-{number}.log") as bare:
        run.bare_seconds.append(bare.wait_ready([Probe(url)], timeout=30.0))
        hit([url], requests)
        time.sleep(idle)
        run.bare_rss_mb.append(tree_rss(psutil.Process(bare.pid))[0])
    run.leftovers += bare.leftovers


def _up_round(tmp: Path, number: int, run: PlatformRun, idle: float, requests: int) -> None:
    ports = dict(zip(_PORTS, free_ports(len(_PORTS)), strict=True))
    env = aic_env(
        data_dir=tmp / f"data-{number}",
        log_level="warning",
        backend_host=_LOCAL,
        ai_host=_LOCAL,
        web_host=_LOCAL,
        **{f"{name}_port": port for name, port in ports.items()},
    )
    base = {name: f"http://{_LOCAL}:{port}" for name, port in ports.items()}
    portals = [url for name, url in base.items() if name.startswith("web_")]
    probes = [
        Probe(f"{base['backend']}/api/health", status_ok),
        Probe(f"{base['ai']}/health"),
        *(Probe(f"{url}/health") for url in portals),
    ]
    served = [
        f"{base['backend']}/api/health/live",
        f"{base['backend']}/api/health",
        f"{base['ai']}/health",
        *(f"{url}{path}" for url in portals for path in ("/", "/health")),
    ]
    with Proc.aic(["up", "--no-seed"], env, tmp / f"up-{number}.log") as up:
        run.up_seconds.append(up.wait_ready(probes, timeout=60.0))
        hit(served, requests)
        time.sleep(idle)
        for role, (mb, descendants) in _rss_by_role(psutil.Process(up.pid)).items():
            run.rss_mb.setdefault(role, []).append(mb)
            run.descendants[role] = descendants
    run.leftovers += up.leftovers
    said = re.search(r"all ready in ([\d.]+) s", up.log_path.read_text(errors="replace"))
    if said:
        run.reported.append(float(said.group(1)))


def _rss_by_role(supervisor: psutil.Process) -> dict[str, tuple[float, int]]:
    """RSS of the supervisor alone, and of each ``python -m aic ROLE`` child with its tree."""
    found = {"supervisor": (supervisor.memory_info().rss / 1_000_000, 0)}
    for child in supervisor.children():
        argv = child.cmdline()
        if "aic" in argv and argv.index("aic") + 1 < len(argv):
            found[argv[argv.index("aic") + 1]] = tree_rss(child)
    missing = set(_ROLES) - set(found)
    if missing:
        raise RuntimeError(f"aic up has no child process for {sorted(missing)}")
    return found


def _access_lines(log: Path) -> int:
    """How many JSON access-log lines (``"event": "request"``) a service wrote."""
    count = 0
    with log.open(errors="replace") as lines:
        for line in lines:
            if '"request"' in line:
                with contextlib.suppress(json.JSONDecodeError):
                    count += json.loads(line).get("event") == "request"
    return count


def _median(values: list[float]) -> float:
    return statistics.median(values)


def _runs(values: list[float], unit: str) -> str:
    return ", ".join(f"{v:.2f}" for v in values) + f" {unit}"


@benchmark("up_time")
def up_time(smoke: bool) -> list[Result]:
    """`aic up` time from start until backend, ai and every portal answer /health."""
    run = platform_run(smoke)
    figure, anchor = _median(run.up_seconds), _median(run.bare_seconds)
    rounds = len(run.up_seconds)
    note = (
        f"median of {rounds} round(s), each with a fresh data folder; aic up: "
        f"{_runs(run.up_seconds, 's')}; bare app: {_runs(run.bare_seconds, 's')}; "
        "ready = backend /api/health 200 with status ok, ai /health 200, 5 portals /health 200"
    )
    if run.reported:
        note += f"; aic up itself reported {_runs(run.reported, 's')}"
    if run.leftovers:
        note += f"; LEFT BEHIND after SIGTERM (killed): {'; '.join(run.leftovers)}"
    met = None if smoke else figure < _UP_GOAL_S and not run.leftovers
    return [
        Result(
            name="aic up: start to all ready",
            figure=figure,
            unit="s",
            anchor=anchor,
            anchor_label="bare FastAPI, 1st answer",
            better="lower",
            goal=f"< {_UP_GOAL_S:g} s (warm install)",
            met=met,
            note=note,
            smoke=smoke,
        )
    ]


@benchmark("idle_rss")
def idle_rss(smoke: bool) -> list[Result]:
    """Idle RSS of each `aic up` process after a few requests, versus the bare app's."""
    run = platform_run(smoke)
    anchor = _median(run.bare_rss_mb)
    results = []
    for role in _ROLES:
        figure = _median(run.rss_mb[role])
        note = ""
        if run.descendants.get(role):
            note = f"{role}: includes {run.descendants[role]} child process(es) of its own"
        goal, met = "-", None
        if role == "backend":
            goal = f"< {_BACKEND_RSS_GOAL_MB:g} MB"
            met = None if smoke else figure < _BACKEND_RSS_GOAL_MB
            note = "; ".join(
                filter(
                    None,
                    [
                        note,
                        f"RSS after serving requests and idling, median of {len(run.bare_rss_mb)}"
                        " round(s); MB = 10^6 bytes; anchor = bare FastAPI/uvicorn process",
                    ],
                )
            )
        results.append(
            Result(
                name=f"idle RSS: {_ROLE_NAMES[role]}",
                figure=figure,
                unit="MB",
                anchor=anchor,
                anchor_label="bare FastAPI",
                better="lower",
                goal=goal,
                met=met,
                note=note,
                smoke=smoke,
            )
        )
    return results


@benchmark("backend_rps")
def backend_rps(smoke: bool) -> list[Result]:
    """Backend GET /api/health/live req/s versus a bare FastAPI endpoint, one worker each."""
    seconds, rounds = (1.0, 1) if smoke else (5.0, 3)
    bare_port, backend_port, ai_port = free_ports(3)
    urls = {
        "backend": f"http://{_LOCAL}:{backend_port}/api/health/live",
        "bare": f"http://{_LOCAL}:{bare_port}/live",
    }
    loads: dict[str, list[Load]] = {"backend": [], "bare": []}
    with tempfile.TemporaryDirectory(prefix="aic-bench-rps-") as tmp:
        log = Path(tmp) / "backend.log"
        env = aic_env(
            data_dir=Path(tmp) / "data",
            log_level="info",  # as in production: one JSON access-log line per request
            backend_host=_LOCAL,
            ai_url=f"http://{_LOCAL}:{ai_port}",  # nothing listens: /live does not need ai
        )
        with ExitStack() as stack:
            bare = stack.enter_context(Proc.bare(bare_port, Path(tmp) / "bare.log"))
            backend = stack.enter_context(
                Proc.aic(["backend", "--port", str(backend_port)], env, log)
            )
            bare.wait_ready([Probe(urls["bare"])], timeout=30.0)
            backend.wait_ready([Probe(urls["backend"])], timeout=60.0)
            if not smoke:
                for url in urls.values():
                    load(url, 1.0)  # warm-up, not counted
            for number in range(rounds):  # interleaved: backend, bare, bare, backend, ...
                order = ("backend", "bare") if number % 2 == 0 else ("bare", "backend")
                for name in order:
                    loads[name].append(load(urls[name], seconds))
        log_lines = _access_lines(log)
    figure = _median([x.rps for x in loads["backend"]])
    anchor = _median([x.rps for x in loads["bare"]])
    requests = sum(x.requests for x in loads["backend"])
    errors = sum(x.errors for x in loads["backend"] + loads["bare"])
    tool = load_tool()
    how = "wrk -t2 -c32" if tool == "wrk" else "python/httpx2 load generator, 32 connections"
    note = (
        f"{how}, {seconds:g} s per run, {rounds} interleaved run(s) each, median; backend: "
        f"{_runs([x.rps for x in loads['backend']], 'req/s')}; bare: "
        f"{_runs([x.rps for x in loads['bare']], 'req/s')}; {errors} error answers; the backend "
        f"wrote {log_lines} access-log lines (AIC_LOG_LEVEL=info, JSON to a file) for "
        f"{requests} measured requests, plus probes and warm-up"
    )
    name = "backend GET /api/health/live (1 worker, AIC_LOG_LEVEL=info)"
    if tool != "wrk":
        name += " [wrk missing: python load generator]"
    ratio = figure / anchor if anchor else 0.0
    clean = errors <= 0.01 * max(1, requests)
    return [
        Result(
            name=name,
            figure=figure,
            unit="req/s",
            anchor=anchor,
            anchor_label="bare FastAPI /live",
            better="higher",
            goal=f">= {_RPS_GOAL:g}x of bare FastAPI",
            met=None if smoke else ratio >= _RPS_GOAL and clean,
            note=note,
            smoke=smoke,
        )
    ]
