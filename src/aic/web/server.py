"""Serve all five portals from one process: one uvicorn server per port, one event loop."""

from __future__ import annotations

import asyncio
import contextlib
import signal
from collections.abc import Iterator

import uvicorn

from aic.observability.logging import configure_logging
from aic.web.app import create_portal_app
from aic.web.portals import PORTALS, portal_port
from aic.web.settings import WebSettings

__all__ = ["serve_portals"]


class _SharedSignalServer(uvicorn.Server):
    """A server that leaves signals to ``serve_portals``, which stops all servers at once."""

    @contextlib.contextmanager
    def capture_signals(self) -> Iterator[None]:
        yield


async def serve_portals(settings: WebSettings) -> None:
    configure_logging("web", settings.log_level, settings.log_format)
    servers = [
        _SharedSignalServer(
            uvicorn.Config(
                create_portal_app(portal, settings),
                host=settings.web_host,
                port=portal_port(settings, portal),
                log_config=None,
                access_log=False,
                server_header=False,
                ssl_certfile=settings.tls_certfile,
                ssl_keyfile=settings.tls_keyfile,
            )
        )
        for portal in PORTALS
    ]

    def stop_all() -> None:
        for server in servers:
            server.should_exit = True

    loop = asyncio.get_running_loop()
    for signum in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(signum, stop_all)
    await asyncio.gather(*(server.serve() for server in servers))
