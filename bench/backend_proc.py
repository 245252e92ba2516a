"""One backend on PostgreSQL + Redis for a benchmark run, and ``wrk`` posting leads to it.

``started_backend`` creates a temporary database, a Redis key prefix and a data folder, runs
``python -m aic backend`` on a free 127.0.0.1 port with the ai URL on a closed port (the
backend stays ready, "degraded") and removes all of it again when the block ends.
"""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import tempfile
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass
from pathlib import Path

import httpx2
import psycopg

from bench.pgtemp import REDIS_URL, count_rows, redis_prefix, temp_database
from bench.procs import Probe, Proc, aic_env, free_ports

__all__ = [
    "LEAD",
    "WORKER_KINDS",
    "Backend",
    "Posted",
    "StoreCounts",
    "captured_row",
    "post_leads",
    "post_leads_to",
    "started_backend",
    "store_counts",
    "warm_up",
    "warm_up_url",
]

LOCAL = "127.0.0.1"
LEAD: dict[str, object] = {
    "email": "ada@northwind.example",
    "name": "Ada Park",
    "company": "Northwind Traders",
    "job_title": "Head of Operations",
    "company_size": 120,
    "source_portal": "smb",
    "consent": True,
}
_LUA = """wrk.method = "POST"
wrk.headers["Content-Type"] = "application/json"
wrk.body = '%s'
local threads = {}
function setup(thread) table.insert(threads, thread) end
function init(args) accepted = 0; other = 0 end
function response(status, headers, body)
  if status == 202 then accepted = accepted + 1 else other = other + 1 end
end
function done(summary, latency, requests)
  local a, o = 0, 0
  for _, t in ipairs(threads) do a = a + t:get("accepted"); o = o + t:get("other") end
  io.write(string.format("ACCEPTED %%d OTHER %%d P50 %%d P99 %%d\\n", a, o,
    latency:percentile(50), latency:percentile(99)))
end
"""
_OURS = re.compile(r"ACCEPTED (\d+) OTHER (\d+) P50 (\d+) P99 (\d+)")
_ELAPSED = re.compile(r"requests in ([\d.]+)(us|ms|s|m)\b")
_SOCKET = re.compile(r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)")
_SCALE = {"us": 1e-6, "ms": 1e-3, "s": 1.0, "m": 60.0}
_COUNTS = (
    "SELECT count(*), count(*) FILTER (WHERE type = 'LeadCaptured'), "
    "count(*) FILTER (WHERE type = 'SagaCompleted'), coalesce(max(position), 0) FROM events"
)


@dataclass(frozen=True)
class Backend:
    url: str  # http://127.0.0.1:PORT
    database_url: str
    workers: int
    proc: Proc
    folder: Path
    ready_s: float  # process start until /api/health answered 200
    metrics_url: str  # where the projections' metrics are scraped (API or projections worker)
    split: tuple[str, ...] = ()  # background work run by `aic worker` processes

    @property
    def service_headers(self) -> dict[str, str]:
        """The service role's credentials: the key this backend generated at start."""
        key = (self.folder / "data" / "service_api_key").read_text().strip()
        return {"X-API-Key": key}

    def log_lines(self, text: str) -> int:
        """How many lines of the backend's logs (warnings and errors; its workers' too)
        contain ``text``."""
        logs = [self.proc.log_path, *(self.folder / f"worker-{k}.log" for k in self.split)]
        found = 0
        for log in logs:
            with log.open(errors="replace") as lines:
                found += sum(text in line for line in lines)
        return found


@dataclass(frozen=True)
class StoreCounts:
    events: int
    captured: int
    sagas_completed: int
    head: int


@dataclass(frozen=True)
class Posted:
    accepted: int  # 202 answers
    errors: int  # other answers plus socket errors
    seconds: float
    p50_ms: float
    p99_ms: float

    @property
    def rate(self) -> float:
        return self.accepted / self.seconds if self.seconds else 0.0


WORKER_KINDS = ("relay", "projections", "sagas")
SAGA_NICE = 10  # the saga worker's `--nice`: its backlog must not starve the request path


@contextmanager
def started_backend(
    workers: int = 1,
    timeout: float = 90.0,
    *,
    split: tuple[str, ...] = (),
    background: bool = True,
) -> Iterator[Backend]:
    """A backend on a fresh database and Redis prefix, ready; everything removed after.

    ``split``: background work (``WORKER_KINDS``) moved out of the API process into one
    ``aic worker KIND`` process each, as a deployment runs it; the API process then runs
    none (``AIC_BACKGROUND_LOOPS=none``) and projection metrics come from the projections
    worker's ``--metrics-port``. Empty: ``aic backend`` runs all of it itself (the default).
    ``background=False``: nobody runs it (the write path alone: events pile up unpublished).
    """
    with ExitStack() as stack:
        database = stack.enter_context(temp_database())
        prefix = stack.enter_context(redis_prefix())
        folder = Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="aic-bench-be-")))
        port, ai_port, *worker_ports = free_ports(2 + len(WORKER_KINDS))
        env = aic_env(
            data_dir=folder / "data",
            database_url=database,
            redis_url=REDIS_URL,
            redis_prefix=prefix,
            log_level="warning",
            backend_host=LOCAL,
            ai_url=f"http://{LOCAL}:{ai_port}",  # closed: the backend runs "degraded"
        )
        if split or not background:
            env["AIC_BACKGROUND_LOOPS"] = "none"
        argv = ["backend", "--port", str(port), "--workers", str(workers)]
        proc = stack.enter_context(Proc.aic(argv, env, folder / "backend.log"))
        url = f"http://{LOCAL}:{port}"
        ready_s = proc.wait_ready([Probe(f"{url}/api/health")], timeout=timeout)
        metrics_url = url
        for kind in split:  # after the API: it created the schema
            # Each worker serves /metrics once it has started: measuring begins after that,
            # not while one is still importing (its start-up CPU would count as load).
            worker_url = f"http://{LOCAL}:{worker_ports[WORKER_KINDS.index(kind)]}"
            extra = ["--metrics-port", worker_url.rsplit(":", 1)[1]]
            extra += ["--nice", str(SAGA_NICE)] if kind == "sagas" else []
            worker = stack.enter_context(
                Proc.aic(["worker", kind, *extra], env, folder / f"worker-{kind}.log")
            )
            worker.wait_ready([Probe(f"{worker_url}/metrics")], timeout=timeout)
            if kind == "projections":
                metrics_url = worker_url
        yield Backend(url, database, workers, proc, folder, ready_s, metrics_url, split)


def store_counts(database_url: str) -> StoreCounts:
    found = count_rows(database_url, _COUNTS)
    return StoreCounts(*found) if found else StoreCounts(0, 0, 0, 0)


def captured_row(database_url: str) -> tuple[str, str]:
    """The JSON data and metadata of a stored ``LeadCaptured`` event (the anchor's row)."""
    with psycopg.connect(database_url, autocommit=True, connect_timeout=5) as connection:
        row = connection.execute(
            "SELECT data::text, metadata::text FROM events WHERE type = 'LeadCaptured' LIMIT 1"
        ).fetchone()
    if row is None:
        raise RuntimeError("the backend stored no LeadCaptured event")
    return str(row[0]), str(row[1])


def warm_up(backend: Backend, posts: int) -> None:
    """A few sequential POSTs (all must answer 202), not measured."""
    warm_up_url(backend.url, posts)


def warm_up_url(url: str, posts: int) -> None:
    """``warm_up`` against any server answering ``POST {url}/api/leads``."""
    with httpx2.Client(timeout=10.0) as client:
        for _ in range(posts):
            response = client.post(f"{url}/api/leads", json=LEAD)
            if response.status_code != 202:
                raise RuntimeError(f"POST /api/leads -> {response.status_code}: {response.text}")


def post_leads(backend: Backend, seconds: int, connections: int) -> Posted:
    """``wrk -t1 -cN`` POSTing one lead form per request; 202s counted by its Lua script."""
    return post_leads_to(backend.url, backend.folder, seconds, connections)


def post_leads_to(url: str, folder: Path, seconds: int, connections: int) -> Posted:
    """``post_leads`` against any server answering ``POST {url}/api/leads``."""
    wrk = shutil.which("wrk")
    if wrk is None:
        raise RuntimeError("wrk is not installed (apt-get install wrk)")
    script = folder / "post_lead.lua"
    script.write_text(_LUA % json.dumps(LEAD))
    argv = [wrk, "-t1", f"-c{connections}", f"-d{seconds}s", "-s", str(script)]
    argv.append(f"{url}/api/leads")
    done = subprocess.run(argv, capture_output=True, text=True, timeout=seconds + 60, check=False)
    ours, elapsed = _OURS.search(done.stdout), _ELAPSED.search(done.stdout)
    if done.returncode != 0 or ours is None or elapsed is None:
        raise RuntimeError(f"{' '.join(argv)} failed ({done.returncode}):\n{done.stdout}")
    accepted, other, p50, p99 = (int(value) for value in ours.groups())
    socket_errors = _SOCKET.search(done.stdout)
    errors = other + (sum(int(n) for n in socket_errors.groups()) if socket_errors else 0)
    seconds_run = float(elapsed.group(1)) * _SCALE[elapsed.group(2)]
    return Posted(accepted, errors, seconds_run, p50 / 1000, p99 / 1000)
