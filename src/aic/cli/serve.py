"""``aic backend``, ``aic ai``, ``aic web``: run one service in the foreground."""

from __future__ import annotations

import asyncio
import os
import shutil
import signal
import tempfile
from pathlib import Path

import uvicorn
from pydantic import ValidationError

from aic.ai.settings import AISettings
from aic.backend.settings import BackendSettings
from aic.cli.output import fail, settings_error
from aic.observability.logging import configure_logging
from aic.observability.metrics import MULTIPROCESS_ENV
from aic.runtime import SETTLE_HEAP_ENV
from aic.settings import CommonSettings
from aic.web.settings import WebSettings

__all__ = ["run_ai", "run_backend", "run_web"]

_SRC = Path(__file__).resolve().parent.parent


def _export(**values: object) -> None:
    """Put CLI overrides in the environment, where worker processes read their settings."""
    for name, value in values.items():
        if value is not None:
            os.environ[f"AIC_{name.upper()}"] = str(value)


def _run_uvicorn(
    service: str, factory: str, settings: CommonSettings, host: str, port: int, workers: int,
    reload: bool,
) -> None:  # fmt: skip
    if reload and workers > 1:
        fail("--reload runs one process: drop --workers, or drop --reload.")
    missing = settings.missing_tls_files()
    if missing:
        fail(f"TLS file(s) not found: {', '.join(missing)}; fix AIC_TLS_CERTFILE/KEYFILE/CA_FILE.")
    configure_logging(service, settings.log_level, settings.log_format)
    os.environ[SETTLE_HEAP_ENV] = "1"  # the app's start-up freezes its heap (aic.runtime)
    # Several processes (workers, or the reloader's child) write metrics to files that
    # /metrics adds up; one process keeps them in memory.
    own_dir = (workers > 1 or reload) and MULTIPROCESS_ENV not in os.environ
    if own_dir:
        os.environ[MULTIPROCESS_ENV] = tempfile.mkdtemp(prefix=f"aic-{service}-metrics-")
    # uvicorn handles SIGINT/SIGTERM itself, then re-raises the signal to the handler it found
    # in place: a no-op one lets a graceful stop end with exit code 0 instead of -15.
    for signum in (signal.SIGINT, signal.SIGTERM):
        signal.signal(signum, lambda *_: None)
    # uvicorn would believe X-Forwarded-* from 127.0.0.1 by default; AIC_TRUSTED_PROXIES is
    # the one list of proxies to believe, here as in the rate limiter.
    proxies = [str(network) for network in settings.trusted_proxy_networks]
    try:
        uvicorn.run(
            factory,
            factory=True,
            host=host,
            port=port,
            workers=workers if workers > 1 else None,
            reload=reload,
            reload_dirs=[str(_SRC)] if reload else None,
            log_config=None,
            access_log=False,
            server_header=False,
            proxy_headers=bool(proxies),
            forwarded_allow_ips=proxies or None,
            timeout_graceful_shutdown=10,
            ssl_certfile=settings.tls_certfile,
            ssl_keyfile=settings.tls_keyfile,
        )
    finally:
        if own_dir:
            shutil.rmtree(os.environ.pop(MULTIPROCESS_ENV), ignore_errors=True)


def run_backend(host: str | None, port: int | None, workers: int, reload: bool) -> None:
    _export(backend_host=host, backend_port=port)
    try:
        settings = BackendSettings()
    except ValidationError as exc:
        settings_error(exc)
    if workers > 1 and settings.redis_url is None:
        fail(
            f"--workers {workers} needs state shared between processes, but the in-process event "
            "bus and memory cache live inside one process. Set AIC_REDIS_URL=redis://HOST:6379/0 "
            "(Redis Streams bus, shared cache and rate limits), or run --workers 1 and add "
            "replicas behind a load balancer once Redis is configured."
        )
    _run_uvicorn(
        "backend", "aic.backend.entrypoints.app:create_app", settings,
        settings.backend_host, settings.backend_port, workers, reload,
    )  # fmt: skip


def run_ai(host: str | None, port: int | None, workers: int, reload: bool) -> None:
    _export(ai_host=host, ai_port=port)
    try:
        settings = AISettings()
    except ValidationError as exc:
        settings_error(exc)
    _run_uvicorn(
        "ai", "aic.ai.entrypoints.app:create_app", settings,
        settings.ai_host, settings.ai_port, workers, reload,
    )  # fmt: skip


def run_web(host: str | None) -> None:
    _export(web_host=host)
    try:
        settings = WebSettings()
    except ValidationError as exc:
        settings_error(exc)
    from aic.web.server import serve_portals

    asyncio.run(serve_portals(settings))
