"""An HTTP failure of a provider as a ``ProviderError``: its status as a kind, its Retry-After."""

from __future__ import annotations

import math
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from types import ModuleType

import httpx2

from aic.ai.providers.ports import ErrorKind, ProviderError

__all__ = ["kind_for_status", "retry_after", "status_error", "translated_sdk_errors"]

_MESSAGE_CHARS = 300


def kind_for_status(status: int) -> ErrorKind:
    if status < 400:  # an error event inside a 200 stream: the provider failed mid-answer
        return "server_error"
    if status == 429:
        return "rate_limited"
    if status in (401, 403):
        return "auth"
    if status == 408:
        return "timeout"
    if status >= 500:
        return "server_error"
    return "bad_request"


def retry_after(headers: Mapping[str, str], now: datetime | None = None) -> float | None:
    """Seconds to wait from ``retry-after-ms`` or ``Retry-After`` (seconds or an HTTP date)."""
    millis = _number(headers.get("retry-after-ms"))
    if millis is not None:
        return millis / 1000
    value = headers.get("retry-after")
    if not value:
        return None
    seconds = _number(value)
    if seconds is not None:
        return seconds
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return max(0.0, (when - (now or datetime.now(UTC))).total_seconds())


def _number(value: str | None) -> float | None:
    if value is None:
        return None
    try:
        number = float(value)
    except ValueError:
        return None
    return number if math.isfinite(number) and number >= 0 else None


def status_error(
    provider: str,
    status: int,
    message: str,
    *,
    model: str | None,
    headers: Mapping[str, str] | None = None,
) -> ProviderError:
    """The error for an HTTP status a provider answered with."""
    where = f"HTTP {status}" if status >= 400 else "error event in the stream"
    text = " ".join(message.split())[:_MESSAGE_CHARS] or where
    return ProviderError(
        provider,
        kind_for_status(status),
        f"{where}: {text}",
        model=model,
        status_code=status if status >= 400 else None,
        retry_after=retry_after(headers) if headers is not None and status == 429 else None,
    )


@contextmanager
def translated_sdk_errors(sdk: ModuleType, provider: str, model: str) -> Iterator[None]:
    """The exceptions of ``sdk`` (``openai`` or ``anthropic``: both SDKs come from one
    generator and share their error classes' names) and of httpx2 as ``ProviderError``."""
    try:
        yield
    except sdk.APIStatusError as exc:
        raise status_error(
            provider, exc.status_code, exc.message, model=model, headers=exc.response.headers
        ) from exc
    except (sdk.APITimeoutError, httpx2.TimeoutException) as exc:
        raise ProviderError(provider, "timeout", "no answer in time", model=model) from exc
    except (sdk.APIConnectionError, httpx2.TransportError) as exc:
        raise ProviderError(provider, "connection", str(exc), model=model) from exc
    except (sdk.APIError, ValueError) as exc:  # an error event or garbage mid-stream
        raise ProviderError(provider, "server_error", str(exc)[:300], model=model) from exc
