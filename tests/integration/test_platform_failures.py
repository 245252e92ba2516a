"""``aic up`` when things go wrong: a child dies, the supervisor is killed, TLS end to end."""

from __future__ import annotations

import signal
import ssl
import subprocess
import time
from pathlib import Path

import httpx2
import psutil
import pytest

from tests.integration.platform import start_platform
from tests.support.services import require_tool

pytestmark = pytest.mark.slow


def _children(pid: int) -> list[psutil.Process]:
    return psutil.Process(pid).children(recursive=True)


def test_a_child_that_dies_stops_the_platform_with_an_error(tmp_path: Path) -> None:
    running = start_platform(tmp_path)
    children = _children(running.process.process.pid)
    ai = next(p for p in children if p.cmdline()[-1] == "ai")
    ai.kill()
    assert running.process.process.wait(timeout=30) == 1
    _, alive = psutil.wait_procs(children, timeout=10)
    assert alive == []
    assert "ai exited with code" in running.process.output()
    running.process.stop()


def test_killing_the_supervisor_takes_its_children_down(tmp_path: Path) -> None:
    running = start_platform(tmp_path)
    children = _children(running.process.process.pid)
    running.process.process.send_signal(signal.SIGKILL)  # no chance to clean up
    _, alive = psutil.wait_procs(children, timeout=15)
    assert alive == [], [p.cmdline() for p in alive]
    running.process.stop()


def test_sigint_stops_everything_cleanly(tmp_path: Path) -> None:
    running = start_platform(tmp_path)
    children = _children(running.process.process.pid)
    assert running.process.stop(signal.SIGINT) == 0
    _, alive = psutil.wait_procs(children, timeout=10)
    assert alive == []


def test_tls_end_to_end_with_a_private_ca(tmp_path: Path) -> None:
    openssl = require_tool("openssl")
    cert, key = tmp_path / "cert.pem", tmp_path / "key.pem"
    subprocess.run(
        [
            openssl, "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1",
            "-keyout", str(key), "-out", str(cert), "-subj", "/CN=127.0.0.1",
            "-addext", "subjectAltName=IP:127.0.0.1,DNS:localhost",
        ],
        check=True,
        capture_output=True,
    )  # fmt: skip
    env = {"AIC_TLS_CERTFILE": str(cert), "AIC_TLS_KEYFILE": str(key), "AIC_TLS_CA_FILE": str(cert)}
    running = start_platform(tmp_path, scheme="https", **env)
    try:
        context = ssl.create_default_context(cafile=str(cert))
        deadline = time.monotonic() + 20
        while True:
            response = httpx2.get(f"{running.backend}/api/health", verify=context)
            if response.json()["status"] == "ok" or time.monotonic() > deadline:
                break
            time.sleep(0.2)
        assert response.json()["checks"]["ai"]["status"] == "up"  # the gateway trusts the CA
        assert response.headers["strict-transport-security"].startswith("max-age=")
        with pytest.raises(httpx2.ConnectError):
            httpx2.get(f"{running.ai}/health")  # an unknown CA is refused
    finally:
        running.process.stop()
