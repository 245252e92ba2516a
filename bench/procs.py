"""Start processes on free loopback ports, wait until they answer, measure them, stop them all."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from types import TracebackType

import httpx2
import psutil

__all__ = [
    "BARE_APP",
    "MB",
    "REPO",
    "Probe",
    "Proc",
    "aic_env",
    "free_ports",
    "hit",
    "status_ok",
    "tree_rss",
]

REPO = Path(__file__).resolve().parent.parent
BARE_APP = REPO / "bench" / "anchors" / "bare_app.py"
MB = 1_000_000  # bytes; the goals are stated in MB
_POLL = 0.05  # seconds between readiness probes


def free_ports(count: int) -> list[int]:
    """Ports free right now on 127.0.0.1: bound together so they are distinct, then released."""
    sockets: list[socket.socket] = []
    try:
        for _ in range(count):
            sock = socket.socket()
            sock.bind(("127.0.0.1", 0))
            sockets.append(sock)
        return [s.getsockname()[1] for s in sockets]
    finally:
        for sock in sockets:
            sock.close()


def aic_env(**settings: str | int | Path) -> dict[str, str]:
    """This process's environment without any ``AIC_*``, plus ``settings`` as ``AIC_<NAME>``."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("AIC_")}
    env.update({f"AIC_{name.upper()}": str(value) for name, value in settings.items()})
    env["PYTHONUNBUFFERED"] = "1"
    # One load generator is one client address: per-client limits would measure themselves.
    env.setdefault("AIC_RATE_LIMITS_ENABLED", "false")
    return env


@dataclass(frozen=True)
class Probe:
    """A URL that must answer 200 (and pass ``check``, if given) once the process is ready."""

    url: str
    check: Callable[[httpx2.Response], bool] | None = None

    def passes(self, client: httpx2.Client) -> bool:
        try:
            response = client.get(self.url)
        except httpx2.HTTPError:
            return False
        if response.status_code != 200:
            return False
        return self.check is None or self.check(response)


def status_ok(response: httpx2.Response) -> bool:
    body = response.json()
    return isinstance(body, dict) and body.get("status") == "ok"


class Proc:
    """A benchmark subprocess with its output in a log file; a context manager that stops it.

    ``stop()`` sends SIGTERM, waits, then SIGKILLs every process of the tree that is left
    (children of ``aic up`` run in their own sessions, so the tree is followed with psutil)
    and returns a description of each process it had to kill.
    """

    def __init__(self, argv: Sequence[str], env: dict[str, str], log_path: Path) -> None:
        self.argv = list(argv)
        self.log_path = log_path
        self._log = log_path.open("wb")
        self.started = time.monotonic()
        self.process = subprocess.Popen(
            self.argv, env=env, cwd=REPO, stdout=self._log, stderr=subprocess.STDOUT
        )
        self._seen: dict[int, psutil.Process] = {}
        self.leftovers: list[str] = []

    @classmethod
    def aic(cls, args: Sequence[str], env: dict[str, str], log_path: Path) -> Proc:
        return cls([sys.executable, "-m", "aic", *args], env, log_path)

    @classmethod
    def bare(cls, port: int, log_path: Path) -> Proc:
        return cls([sys.executable, str(BARE_APP), "--port", str(port)], aic_env(), log_path)

    @property
    def pid(self) -> int:
        return self.process.pid

    def tail(self, lines: int = 30) -> str:
        self._log.flush()
        return "\n".join(self.log_path.read_text(errors="replace").splitlines()[-lines:])

    def wait_ready(self, probes: Sequence[Probe], timeout: float = 60.0) -> float:
        """Seconds from the start of the process until every probe passed (each polled until
        it passes once); raise with the log's tail if the process exits or time runs out."""
        pending = list(probes)
        deadline = self.started + timeout
        with httpx2.Client(timeout=1.0) as client:
            while True:
                pending = [p for p in pending if not p.passes(client)]
                now = time.monotonic()
                if not pending:
                    self.remember_tree()
                    return now - self.started
                if self.process.poll() is not None:
                    raise RuntimeError(
                        f"{self.argv} exited with {self.process.returncode}:\n{self.tail()}"
                    )
                if now > deadline:
                    urls = ", ".join(p.url for p in pending)
                    raise RuntimeError(f"not ready after {timeout:g} s: {urls}\n{self.tail()}")
                time.sleep(_POLL)

    def remember_tree(self) -> list[psutil.Process]:
        """The process and its descendants now; remembered so ``stop`` can check them all."""
        try:
            root = psutil.Process(self.pid)
            tree = [root, *root.children(recursive=True)]
        except psutil.NoSuchProcess:
            return []
        for proc in tree:
            self._seen.setdefault(proc.pid, proc)
        return tree

    def stop(self, timeout: float = 30.0) -> list[str]:
        self.remember_tree()
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=timeout)
            except subprocess.TimeoutExpired:
                self.leftovers.append(f"pid {self.pid} ignored SIGTERM for {timeout:g} s")
        others = [p for p in self._seen.values() if p.pid != self.pid]
        _gone, alive = psutil.wait_procs(others, timeout=5.0)
        for proc in alive:
            self.leftovers.append(f"pid {proc.pid} ({_describe(proc)}) outlived its parent")
            _kill(proc)
        if self.process.poll() is None:
            self.process.kill()
            self.process.wait(timeout=10)
        self._log.close()
        return self.leftovers

    def __enter__(self) -> Proc:
        return self

    def __exit__(
        self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.stop()


def _describe(proc: psutil.Process) -> str:
    try:
        return " ".join(proc.cmdline()[-3:])
    except psutil.Error:
        return "?"


def _kill(proc: psutil.Process) -> None:
    try:
        proc.kill()
        proc.wait(timeout=5)
    except psutil.Error:
        pass


def tree_rss(proc: psutil.Process) -> tuple[float, int]:
    """RSS in MB of a process plus its descendants, and how many descendants it has."""
    tree = [proc, *proc.children(recursive=True)]
    total = 0
    for member in tree:
        try:
            total += member.memory_info().rss
        except psutil.NoSuchProcess:
            continue
    return total / MB, len(tree) - 1


def hit(urls: Sequence[str], times: int) -> None:
    """Serve a few requests: each URL ``times`` times (answers are not checked)."""
    with httpx2.Client(timeout=5.0) as client:
        for _ in range(times):
            for url in urls:
                try:
                    client.get(url)
                except httpx2.HTTPError:
                    continue
