"""A provider's HTTP failure: its status as a kind, and how long it asks us to wait."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from aic.ai.providers.errors import kind_for_status, retry_after, status_error


@pytest.mark.parametrize(
    ("status", "kind"),
    [
        (429, "rate_limited"),
        (401, "auth"),
        (403, "auth"),
        (408, "timeout"),
        (500, "server_error"),
        (503, "server_error"),
        (529, "server_error"),
        (400, "bad_request"),
        (404, "bad_request"),
        (200, "server_error"),  # an error event inside a streamed answer
    ],
)
def test_a_status_has_a_kind(status: int, kind: str) -> None:
    assert kind_for_status(status) == kind


NOW = datetime(2026, 11, 26, 12, 0, 0, tzinfo=UTC)


@pytest.mark.parametrize(
    ("headers", "seconds"),
    [
        ({"retry-after": "3"}, 3.0),
        ({"retry-after": "0.25"}, 0.25),
        ({"retry-after-ms": "1500", "retry-after": "9"}, 1.5),
        ({"retry-after": "Thu, 26 Nov 2026 12:00:30 GMT"}, 30.0),
        ({"retry-after": "Thu, 26 Nov 2026 11:00:00 GMT"}, 0.0),
        ({"retry-after": "soon"}, None),
        ({"retry-after": "-4"}, None),
        ({"retry-after": "nan"}, None),
        ({}, None),
    ],
)
def test_retry_after_is_read_in_seconds_or_as_a_date(
    headers: dict[str, str], seconds: float | None
) -> None:
    assert retry_after(headers, now=NOW) == seconds


def test_a_status_error_keeps_the_wait_of_a_429_and_a_short_message() -> None:
    error = status_error(
        "openai", 429, "slow\n down " * 100, model="m", headers={"retry-after": "2"}
    )
    assert (error.kind, error.status_code, error.retry_after, error.model) == (
        "rate_limited",
        429,
        2.0,
        "m",
    )
    assert error.transient
    assert error.message.startswith("HTTP 429: slow down slow down")
    assert len(error.message) < 320
    assert (
        status_error("openai", 500, "", model=None, headers={"retry-after": "2"}).retry_after
        is None
    )
