"""Run AIC commands as subprocesses on free ports, and read their JSON logs."""

from __future__ import annotations

import json
import os
import shutil
import signal
import socket
import ssl
import subprocess
import sys
import time
from pathlib import Path
from typing import Any, NoReturn

import httpx2
import pytest

__all__ = ["ServiceProcess", "free_ports", "require", "require_tool"]


def require(condition: bool, reason: str) -> None:
    """Skip unless ``condition``; in CI the skip becomes a failure (see conftest)."""
    if not condition:
        _skip(reason)


def _skip(reason: str) -> NoReturn:
    pytest.skip(reason)


def require_tool(name: str) -> str:
    path = shutil.which(name)
    require(path is not None, f"{name} is not installed (Debian package; .ci/run installs it)")
    assert path is not None
    return path


def free_ports(count: int) -> list[int]:
    """Ports free right now: bound together so they are distinct, then released."""
    sockets = []
    try:
        for _ in range(count):
            sock = socket.socket()
            sock.bind(("127.0.0.1", 0))
            sockets.append(sock)
        return [s.getsockname()[1] for s in sockets]
    finally:
        for sock in sockets:
            sock.close()


class ServiceProcess:
    """``python -m aic ARGS`` with its stdout (JSON logs) in a file we can read back."""

    def __init__(self, args: list[str], env: dict[str, str], log_path: Path) -> None:
        self.log_path = log_path
        self._log = log_path.open("wb")
        full_env = {k: v for k, v in os.environ.items() if not k.startswith("AIC_")}
        full_env.update(env)
        full_env.setdefault("AIC_LOG_FORMAT", "json")
        full_env.setdefault("AIC_RATE_LIMITS_ENABLED", "false")  # unless the test is about them
        self.process = subprocess.Popen(
            [sys.executable, "-m", "aic", *args],
            env=full_env,
            stdout=self._log,
            stderr=subprocess.STDOUT,
        )

    def wait_until(
        self, url: str, timeout: float = 30.0, status: int = 200, verify: str | None = None
    ) -> httpx2.Response:
        deadline = time.monotonic() + timeout
        last: str = "no answer"
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise AssertionError(f"exited with {self.process.returncode}:\n{self.output()}")
            try:
                tls = ssl.create_default_context(cafile=verify) if verify else True
                response = httpx2.get(url, timeout=2.0, verify=tls)
                if response.status_code == status:
                    return response
                last = f"{response.status_code} {response.text[:300]}"
            except httpx2.HTTPError as exc:
                last = repr(exc)
            time.sleep(0.1)
        raise AssertionError(f"{url} not {status} after {timeout} s ({last}):\n{self.output()}")

    def output(self) -> str:
        if not self._log.closed:
            self._log.flush()
        return self.log_path.read_text(errors="replace")

    def log_lines(self) -> list[dict[str, Any]]:
        lines = []
        for line in self.output().splitlines():
            if line.startswith("{"):
                try:
                    lines.append(json.loads(line))
                except json.JSONDecodeError:
                    continue
        return lines

    def stop(self, sig: int = signal.SIGTERM, timeout: float = 20.0) -> int:
        if self.process.poll() is None:
            self.process.send_signal(sig)
            try:
                self.process.wait(timeout=timeout)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        self._log.close()
        return self.process.returncode
