"""Deliver events to webhook URLs: HMAC-SHA256 signed, retried with backoff, logged.

The receiver checks ``X-AIC-Signature: sha256=<hex>`` = HMAC(secret, "<timestamp>.<body>")
with the ``X-AIC-Timestamp`` header, and may drop deliveries older than a few minutes
(replay protection); ``X-AIC-Event-Id`` lets it ignore a delivery it already has, since
delivery is at least once.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import time
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta

import httpx2

from aic.backend.adapters.transport.codec import event_to_dict
from aic.backend.application.ports import StoredEvent
from aic.observability.logging import get_logger
from aic.storage import SqlDatabase

__all__ = ["WebhookSender", "signature"]

_log = get_logger("aic.webhooks")


def _now(later: float = 0.0) -> str:
    """UTC ISO text (comparable as text in both databases), ``later`` seconds from now."""
    return (datetime.now(UTC) + timedelta(seconds=later)).isoformat()


def signature(secret: str, timestamp: str, body: bytes) -> str:
    digest = hmac.new(secret.encode(), timestamp.encode() + b"." + body, hashlib.sha256)
    return f"sha256={digest.hexdigest()}"


class WebhookSender:
    """Queues each selected event for every URL (``handle``, called by the bus consumer),
    then delivers due ones (``deliver_due``, a leased loop): attempts back off exponentially,
    up to ``attempts``; every attempt is logged. A receiver that is down never holds up the
    event bus, and a queued delivery survives restarts."""

    def __init__(
        self,
        database: SqlDatabase,
        urls: Sequence[str],
        secret: str,
        event_types: frozenset[str],
        *,
        attempts: int = 8,
        backoff: float = 1.0,
        timeout: float = 5.0,
        transport: httpx2.AsyncBaseTransport | None = None,
    ) -> None:
        self.database = database
        self.urls = list(urls)
        self.secret = secret
        self.event_types = event_types
        self.attempts = attempts
        self.backoff = backoff
        self._http = httpx2.AsyncClient(timeout=timeout, transport=transport)

    def wants(self, event: StoredEvent) -> bool:
        return bool(self.urls) and ("*" in self.event_types or event.type in self.event_types)

    async def handle(self, event: StoredEvent) -> None:
        if not self.wants(event):
            return
        body = json.dumps(event_to_dict(event), separators=(",", ":"))
        async with self.database.transaction() as tx:
            for url in self.urls:
                await tx.execute(
                    "INSERT INTO webhook_outbox (event_id, url, body, event_type, "
                    "next_attempt_at) VALUES (:e, :u, :b, :t, :now) ON CONFLICT DO NOTHING",
                    {"e": str(event.event_id), "u": url, "b": body, "t": event.type, "now": _now()},
                )

    async def deliver_due(self, limit: int = 50) -> int:
        """Send what is due; return how many attempts were made."""
        due = await self.database.fetch_all(
            "SELECT event_id, url, body, event_type, attempts FROM webhook_outbox "
            "WHERE state = 'pending' AND next_attempt_at <= :now "
            "ORDER BY next_attempt_at LIMIT :limit",
            {"now": _now(), "limit": limit},
        )
        for row in due:
            attempt = int(row["attempts"]) + 1
            status, error = await self._post(
                row["url"], row["event_id"], row["event_type"], row["body"].encode()
            )
            delivered = status is not None and 200 <= status < 300
            await self._log_attempt(row["event_id"], row["url"], attempt, status, error, delivered)
            if delivered:
                state, next_at = "delivered", _now()
            elif attempt >= self.attempts:
                state, next_at = "failed", _now()
                _log.warning("webhook_failed", url=row["url"], event_id=row["event_id"])
            else:
                state = "pending"
                next_at = _now(self.backoff * 2 ** (attempt - 1))
            async with self.database.transaction() as tx:
                await tx.execute(
                    "UPDATE webhook_outbox SET attempts = :a, state = :s, next_attempt_at = :n "
                    "WHERE event_id = :e AND url = :u",
                    {"a": attempt, "s": state, "n": next_at, "e": row["event_id"], "u": row["url"]},
                )
        return len(due)

    async def _post(
        self, url: str, event_id: str, event_type: str, body: bytes
    ) -> tuple[int | None, str | None]:
        timestamp = str(int(time.time()))
        headers = {
            "Content-Type": "application/json",
            "User-Agent": "aic-webhooks/1",
            "X-AIC-Event-Id": event_id,
            "X-AIC-Event-Type": event_type,
            "X-AIC-Timestamp": timestamp,
            "X-AIC-Signature": signature(self.secret, timestamp, body),
        }
        try:
            response = await self._http.post(url, content=body, headers=headers)
        except httpx2.HTTPError as exc:
            return None, f"{type(exc).__name__}: {exc}"[:300]
        return response.status_code, None if response.is_success else response.text[:300]

    async def _log_attempt(
        self, event_id: str, url: str, attempt: int, status: int | None, error: str | None,
        delivered: bool,
    ) -> None:  # fmt: skip
        async with self.database.transaction() as tx:
            await tx.execute(
                "INSERT INTO webhook_deliveries (event_id, url, attempt, status_code, error, "
                "delivered, at) VALUES (:e, :u, :a, :s, :err, :d, :at) ON CONFLICT DO NOTHING",
                {
                    "e": event_id,
                    "u": url,
                    "a": attempt,
                    "s": status,
                    "err": error,
                    "d": delivered,
                    "at": _now(),
                },
            )

    async def deliveries(self, event_id: str) -> list[dict[str, object]]:
        """The delivery log of one event, oldest attempt first."""
        return await self.database.fetch_all(
            "SELECT url, attempt, status_code, error, delivered, at FROM webhook_deliveries "
            "WHERE event_id = :e ORDER BY url, attempt",
            {"e": event_id},
        )

    async def aclose(self) -> None:
        await self._http.aclose()
