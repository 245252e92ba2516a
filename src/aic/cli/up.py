"""``aic up``: the whole platform on one machine, embedded defaults unless configured."""

from __future__ import annotations

import os
import signal
import ssl
import sys
import time

import httpx2
from pydantic import ValidationError
from rich.table import Table

from aic.cli.admin import admin_hint
from aic.cli.output import console, fail, settings_error
from aic.cli.settings import PlatformSettings, local_url
from aic.cli.supervisor import Child, Supervisor
from aic.web.portals import PORTALS, portal_port

__all__ = ["run_up"]


def _children(settings: PlatformSettings) -> list[Child]:
    tls = settings.tls_enabled
    backend = local_url(settings.backend_host, settings.backend_port, tls=tls)
    ai = local_url(settings.ai_host, settings.ai_port, tls=tls)
    portals = [local_url(settings.web_host, portal_port(settings, p), tls=tls) for p in PORTALS]
    run = [sys.executable, "-m", "aic"]
    return [
        Child("ai", [*run, "ai"], [f"{ai}/health"]),
        Child("backend", [*run, "backend"], [f"{backend}/api/health"]),
        Child("web", [*run, "web"], [f"{url}/health" for url in portals]),
    ]


def _environment(settings: PlatformSettings) -> dict[str, str]:
    env = dict(os.environ)
    tls = settings.tls_enabled
    # Children find each other where this command starts them, unless told otherwise.
    env.setdefault("AIC_AI_URL", local_url(settings.ai_host, settings.ai_port, tls=tls))
    env.setdefault(
        "AIC_BACKEND_URL", local_url(settings.backend_host, settings.backend_port, tls=tls)
    )
    env["AIC_DATA_DIR"] = str(settings.data_dir.resolve())
    # The backend accepts browser calls from the portals where this command starts them.
    env.setdefault("AIC_CORS_ORIGINS", ",".join(_portal_origins(settings)))
    return env


def _portal_origins(settings: PlatformSettings) -> list[str]:
    """Each portal's origin as a browser here writes it: by address, and as localhost."""
    origins = []
    for portal in PORTALS:
        url = local_url(settings.web_host, portal_port(settings, portal), tls=settings.tls_enabled)
        origins.append(url)
        scheme, _, rest = url.partition("://")
        host, _, port = rest.rpartition(":")
        if host in ("127.0.0.1", "[::1]"):
            origins.append(f"{scheme}://localhost:{port}")
    return list(dict.fromkeys(origins))


def _url_table(settings: PlatformSettings) -> Table:
    tls = settings.tls_enabled
    table = Table(title="AIC platform is up", title_justify="left")
    table.add_column("service")
    table.add_column("URL")
    table.add_row("backend API", local_url(settings.backend_host, settings.backend_port, tls=tls))
    table.add_row("ai service", local_url(settings.ai_host, settings.ai_port, tls=tls))
    for portal in PORTALS:
        url = local_url(settings.web_host, portal_port(settings, portal), tls=tls)
        table.add_row(f"{portal.name} portal", url)
    return table


def _warn_if_degraded(settings: PlatformSettings) -> None:
    """Ready but degraded (say ai unreachable over TLS): say so instead of looking fine."""
    url = local_url(settings.backend_host, settings.backend_port, tls=settings.tls_enabled)
    try:
        verify: ssl.SSLContext | bool = (
            ssl.create_default_context(cafile=settings.tls_ca_file)
            if settings.tls_ca_file
            else not settings.tls_enabled
        )
        report = httpx2.get(f"{url}/api/health", timeout=5.0, verify=verify).json()
    except (httpx2.HTTPError, ValueError):
        return
    down = [
        f"{n} ({c.get('error')})"
        for n, c in report.get("checks", {}).items()
        if c["status"] == "down"
    ]
    if down:
        console.print(f"[yellow]warning:[/] backend is {report['status']}: {', '.join(down)}")


def run_up(timeout: float, seed: bool) -> None:
    try:
        settings = PlatformSettings()
    except ValidationError as exc:
        settings_error(exc)
    if seed:
        from aic.cli.operations import seed_if_empty

        seed_if_empty(settings)
    supervisor = Supervisor(_children(settings), _environment(settings))

    def request_stop(signum: int, _frame: object) -> None:
        supervisor.stopping.set()

    signal.signal(signal.SIGINT, request_stop)
    signal.signal(signal.SIGTERM, request_stop)
    begin = time.monotonic()
    supervisor.start()
    try:
        with console.status("starting backend, ai and the portals ...") as status:
            ready: list[str] = []

            def progress(name: str) -> None:
                ready.append(name)
                status.update(f"ready: {', '.join(ready)} ...")

            missing = supervisor.wait_ready(timeout, progress)
        if supervisor.stopping.is_set():
            return
        crashed = supervisor.exited()
        if crashed is not None:
            code = crashed.process.returncode if crashed.process else "?"
            fail(f"{crashed.name} exited with code {code} while starting: see its log above.", 1)
        if missing:
            fail(f"not ready after {timeout:g} s: {', '.join(missing)}; see the log above.", 1)
        console.print(_url_table(settings))
        _warn_if_degraded(settings)
        from aic.cli.reindex import reindex_if_empty

        reindex_if_empty(settings)
        admin_hint(settings)
        console.print(f"all ready in {time.monotonic() - begin:.1f} s; Ctrl-C stops everything.")
        while not supervisor.stopping.wait(0.5):
            crashed = supervisor.exited()
            if crashed is not None:
                code = crashed.process.returncode if crashed.process else "?"
                fail(f"{crashed.name} exited with code {code}; stopping the platform.", 1)
    finally:
        console.print("stopping ...")
        supervisor.stop()
        console.print("stopped.")
