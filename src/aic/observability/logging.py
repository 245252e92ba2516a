"""Structured logs: one JSON object a line (timestamp, level, service, event, correlation_id)."""

from __future__ import annotations

import logging
import os
import sys
from typing import Any

import structlog
from structlog.typing import EventDict, WrappedLogger

from aic.observability.correlation import current_correlation_id

__all__ = ["configure_logging", "get_logger"]


def _add_context(service: str) -> structlog.typing.Processor:
    pid = os.getpid()

    def processor(_: WrappedLogger, __: str, event_dict: EventDict) -> EventDict:
        event_dict.pop("color_message", None)  # uvicorn's terminal copy of the message
        event_dict.setdefault("service", service)
        event_dict.setdefault("correlation_id", current_correlation_id())
        event_dict["pid"] = pid
        return event_dict

    return processor


def configure_logging(service: str, level: str = "info", fmt: str = "json") -> None:
    """Send structlog and standard-library logs (uvicorn's too) to stdout in one format."""
    shared: list[structlog.typing.Processor] = [
        structlog.stdlib.add_log_level,
        structlog.processors.TimeStamper(fmt="iso", utc=True),
        _add_context(service),
    ]
    renderer: structlog.typing.Processor = (
        structlog.processors.JSONRenderer()
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
    structlog.configure(
        processors=[
            structlog.stdlib.filter_by_level,
            *shared,
            structlog.stdlib.ProcessorFormatter.wrap_for_formatter,
        ],
        logger_factory=structlog.stdlib.LoggerFactory(),
        wrapper_class=structlog.stdlib.BoundLogger,
        cache_logger_on_first_use=True,
    )


def get_logger(name: str, **bound: Any) -> structlog.stdlib.BoundLogger:
    logger: structlog.stdlib.BoundLogger = structlog.stdlib.get_logger(name)
    return logger.bind(**bound) if bound else logger
