"""Structured logs: one JSON object a line (timestamp, level, service, event, correlation_id)."""

from __future__ import annotations

import logging
import os
import sys
from typing import Any

import orjson
import structlog
from structlog.typing import EventDict, Processor, WrappedLogger

from aic.observability.correlation import current_correlation_id

__all__ = ["configure_logging", "get_logger"]


def _add_context(service: str) -> Processor:
    pid = os.getpid()

    def processor(_: WrappedLogger, __: str, event_dict: EventDict) -> EventDict:
        event_dict.pop("color_message", None)  # uvicorn's terminal copy of the message
        event_dict.setdefault("service", service)
        event_dict.setdefault("correlation_id", current_correlation_id())
        event_dict["pid"] = pid
        return event_dict

    return processor


class _CurrentStdout:
    """Whatever ``sys.stdout`` is when a line is written, not when logging was configured
    (a test runner or a supervisor may swap it; a closed old stream must not break logs)."""

    def write(self, text: str) -> int:
        return sys.stdout.write(text)

    def flush(self) -> None:
        sys.stdout.flush()


def _json(event_dict: Any, **_: Any) -> str:
    return orjson.dumps(event_dict, default=str).decode()


def configure_logging(service: str, level: str = "info", fmt: str = "json") -> None:
    """Our logs go straight through structlog (fast path: no stdlib ``LogRecord``); other
    libraries' stdlib logs (uvicorn's) are rendered the same way by a stdlib handler."""
    shared: list[Processor] = [
        structlog.processors.add_log_level,
        structlog.processors.TimeStamper(fmt="iso", utc=True),
        _add_context(service),
    ]
    renderer: Processor = (
        structlog.processors.JSONRenderer(serializer=_json)
        if fmt == "json"
        else structlog.dev.ConsoleRenderer(colors=sys.stdout.isatty())
    )
    formatter = structlog.stdlib.ProcessorFormatter(
        foreign_pre_chain=[structlog.stdlib.ExtraAdder(), *shared],
        processors=[
            structlog.stdlib.ProcessorFormatter.remove_processors_meta,
            structlog.processors.format_exc_info,
            renderer,
        ],
    )
    handler = logging.StreamHandler(sys.stdout)
    handler.setFormatter(formatter)
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level.upper())
    for name in ("uvicorn", "uvicorn.error"):
        logging.getLogger(name).handlers[:] = []
        logging.getLogger(name).propagate = True
    # Our own middleware writes one access line per request, with the route template.
    logging.getLogger("uvicorn.access").disabled = True
    logging.getLogger("httpx2").setLevel(logging.WARNING)
    global _generation
    _generation += 1
    structlog.configure(
        processors=[*shared, structlog.processors.format_exc_info, renderer],
        wrapper_class=structlog.make_filtering_bound_logger(logging.getLevelName(level.upper())),
        logger_factory=structlog.WriteLoggerFactory(file=_CurrentStdout()),  # type: ignore[arg-type]
        cache_logger_on_first_use=False,
    )


def get_logger(name: str, **bound: Any) -> Any:
    """A structlog logger bound to ``logger=name`` and ``bound``.

    Module-level loggers are made at import, before ``configure_logging``: the logger is
    resolved again after each configuration, so they log in the configured format too.
    """
    return _ConfiguredLogger({"logger": name, **bound})


_generation = 0  # bumped by configure_logging: loggers resolved before it are stale


class _ConfiguredLogger:
    """A bound logger resolved from structlog's configuration in force when it logs."""

    __slots__ = ("_resolved", "_values")

    def __init__(self, values: dict[str, Any]) -> None:
        self._values = values
        self._resolved: tuple[int, Any] | None = None

    def _logger(self) -> Any:
        if self._resolved is None or self._resolved[0] != _generation:
            self._resolved = (_generation, structlog.get_logger().bind(**self._values))
        return self._resolved[1]

    def bind(self, **values: Any) -> _ConfiguredLogger:
        return _ConfiguredLogger(self._values | values)

    def __getattr__(self, method: str) -> Any:  # info, warning, error, exception, debug ...
        return getattr(self._logger(), method)
