"""HTTP load: ``wrk`` when installed, else a small asyncio load generator on httpx2."""

from __future__ import annotations

import asyncio
import re
import shutil
import subprocess
import time
from dataclasses import dataclass

import httpx2

__all__ = ["Load", "load", "load_tool"]


@dataclass(frozen=True)
class Load:
    """What one load run measured against one URL."""

    url: str
    seconds: float
    requests: int
    errors: int  # non-2xx/3xx answers plus socket errors
    rps: float
    tool: str


def load_tool() -> str:
    """``"wrk"`` if it is on PATH, else ``"python"`` (far weaker: it measures itself too)."""
    return "wrk" if shutil.which("wrk") else "python"


def load(url: str, seconds: float, threads: int = 2, connections: int = 32) -> Load:
    if load_tool() == "wrk":
        return _wrk(url, seconds, threads, connections)
    return asyncio.run(_python(url, seconds, connections))


_REQUESTS = re.compile(r"(\d+) requests in ([\d.]+)(us|ms|s|m)\b")
_RPS = re.compile(r"Requests/sec:\s+([\d.]+)")
_NON_2XX = re.compile(r"Non-2xx or 3xx responses: (\d+)")
_SOCKET = re.compile(r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)")
_SCALE = {"us": 1e-6, "ms": 1e-3, "s": 1.0, "m": 60.0}


def _wrk(url: str, seconds: float, threads: int, connections: int) -> Load:
    wrk = shutil.which("wrk") or "wrk"
    argv = [wrk, f"-t{threads}", f"-c{connections}", f"-d{max(1, round(seconds))}s", url]
    done = subprocess.run(argv, capture_output=True, text=True, timeout=seconds + 30, check=False)
    out = done.stdout
    total, rps = _REQUESTS.search(out), _RPS.search(out)
    if done.returncode != 0 or total is None or rps is None:
        raise RuntimeError(f"{' '.join(argv)} failed ({done.returncode}):\n{out}{done.stderr}")
    non_2xx = _NON_2XX.search(out)
    errors = int(non_2xx.group(1)) if non_2xx else 0
    socket_errors = _SOCKET.search(out)
    if socket_errors:
        errors += sum(int(n) for n in socket_errors.groups())
    elapsed = float(total.group(2)) * _SCALE[total.group(3)]
    return Load(url, elapsed, int(total.group(1)), errors, float(rps.group(1)), "wrk")


async def _python(url: str, seconds: float, connections: int) -> Load:
    limits = httpx2.Limits(max_connections=connections, max_keepalive_connections=connections)
    counts = {"ok": 0, "errors": 0}
    async with httpx2.AsyncClient(limits=limits, timeout=5.0) as client:
        begin = time.monotonic()
        end = begin + seconds

        async def worker() -> None:
            while time.monotonic() < end:
                try:
                    response = await client.get(url)
                except httpx2.HTTPError:
                    counts["errors"] += 1
                    continue
                counts["ok" if response.status_code < 400 else "errors"] += 1

        await asyncio.gather(*(worker() for _ in range(connections)))
        elapsed = time.monotonic() - begin
    total = counts["ok"] + counts["errors"]
    return Load(url, elapsed, total, counts["errors"], total / elapsed, "python")
