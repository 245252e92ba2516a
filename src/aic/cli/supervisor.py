"""``aic up``: start every service as a child, wait until all are ready, stop them together."""

from __future__ import annotations

import contextlib
import ctypes
import os
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Sequence
from dataclasses import dataclass, field

import httpx2

__all__ = ["Child", "Supervisor"]

_PR_SET_PDEATHSIG = 1


def _die_with_parent() -> None:  # pragma: no cover - runs in the child between fork and exec
    """Linux: the child gets SIGTERM if ``aic up`` dies without cleaning up (even SIGKILL)."""
    if sys.platform.startswith("linux"):
        ctypes.CDLL(None, use_errno=True).prctl(_PR_SET_PDEATHSIG, signal.SIGTERM)


@dataclass
class Child:
    """A service process and the URLs that answer 200 once it is ready."""

    name: str
    argv: list[str]
    ready_urls: list[str]
    process: subprocess.Popen[bytes] | None = field(default=None, repr=False)

    @property
    def pid(self) -> int | None:
        return self.process.pid if self.process else None


class Supervisor:
    def __init__(self, children: Sequence[Child], env: dict[str, str], grace: float = 15.0) -> None:
        self.children = list(children)
        self.env = env
        self.grace = grace
        self.stopping = threading.Event()

    def start(self) -> None:
        for child in self.children:
            child.process = subprocess.Popen(
                child.argv,
                env=self.env,
                start_new_session=True,  # Ctrl-C reaches us only; we stop children in order
                preexec_fn=_die_with_parent,  # only calls prctl: safe between fork and exec
            )

    def exited(self) -> Child | None:
        """The first child that has exited, if any."""
        return next((c for c in self.children if c.process and c.process.poll() is not None), None)

    def wait_ready(self, timeout: float, on_progress: object = None) -> list[str]:
        """Poll every ready URL until all answer 200; return the names still not ready."""
        pending = {c.name: list(c.ready_urls) for c in self.children}
        deadline = time.monotonic() + timeout
        with httpx2.Client(timeout=1.0, verify=False) as client:
            while pending and time.monotonic() < deadline and not self.stopping.is_set():
                if self.exited():
                    break
                for name, urls in list(pending.items()):
                    urls[:] = [u for u in urls if not _answers(client, u)]
                    if not urls:
                        del pending[name]
                        if callable(on_progress):
                            on_progress(name)
                if pending:
                    time.sleep(0.1)
        return sorted(pending)

    def stop(self) -> None:
        """SIGTERM each child, wait for all, SIGKILL the process group of any that lingers."""
        self.stopping.set()
        live = [c for c in self.children if c.process and c.process.poll() is None]
        for child in live:
            assert child.process is not None
            child.process.send_signal(signal.SIGTERM)
        deadline = time.monotonic() + self.grace
        for child in live:
            assert child.process is not None
            try:
                child.process.wait(timeout=max(0.1, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                _kill_group(child.process.pid)
                child.process.wait()
        for child in self.children:
            if child.process is not None:
                _kill_group(child.process.pid)  # grandchildren left behind by a crashed child


def _answers(client: httpx2.Client, url: str) -> bool:
    try:
        return client.get(url).status_code == 200
    except httpx2.HTTPError:
        return False


def _kill_group(pgid: int) -> None:
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(pgid, signal.SIGKILL)
