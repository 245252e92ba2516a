"""Deliver events to webhook URLs: HMAC-SHA256 signed, retried with backoff, logged.

The receiver checks ``X-AIC-Signature: sha256=<hex>`` = HMAC(secret, "<timestamp>.<body>")
with the ``X-AIC-Timestamp`` header, and may drop deliveries older than a few minutes
(replay protection); ``X-AIC-Event-Id`` lets it ignore a delivery it already has, since
delivery is at least once.
"""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import json
import time
from collections.abc import Sequence
from datetime import UTC, datetime

import httpx2

from aic.backend.adapters.sql import SqlDatabase
from aic.backend.adapters.transport.codec import event_to_dict
from aic.backend.application.ports import StoredEvent
from aic.observability.logging import get_logger

__all__ = ["WebhookSender", "signature"]

_log = get_logger("aic.webhooks")


def signature(secret: str, timestamp: str, body: bytes) -> str:
    digest = hmac.new(secret.encode(), timestamp.encode() + b"." + body, hashlib.sha256)
    return f"sha256={digest.hexdigest()}"


class WebhookSender:
    """Sends each selected event to every URL; raises if one URL keeps failing, so the
    event stays unacknowledged and the bus hands it again later (then dead-letters it)."""

    def __init__(
        self,
        database: SqlDatabase,
        urls: Sequence[str],
        secret: str,
        event_types: frozenset[str],
        *,
        attempts: int = 3,
        backoff: float = 0.5,
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
        body = json.dumps(event_to_dict(event), separators=(",", ":")).encode()
        failures = []
        for url in self.urls:
            if not await self._deliver(url, event, body):
                failures.append(url)
        if failures:
            raise ConnectionError(f"webhook delivery failed for {', '.join(failures)}")

    async def _deliver(self, url: str, event: StoredEvent, body: bytes) -> bool:
        event_id = str(event.event_id)
        done = await self.database.fetch_one(
            "SELECT 1 AS ok FROM webhook_deliveries WHERE event_id = :e AND url = :u "
            "AND delivered = :yes",
            {"e": event_id, "u": url, "yes": True},
        )
        if done:
            return True  # delivered before a crash or a redelivery: not again
        previous = await self.database.fetch_one(
            "SELECT COALESCE(MAX(attempt), 0) AS n FROM webhook_deliveries "
            "WHERE event_id = :e AND url = :u",
            {"e": event_id, "u": url},
        )
        attempt = int(previous["n"]) if previous else 0
        for round_ in range(self.attempts):
            attempt += 1
            status, error = await self._post(url, event, body)
            delivered = status is not None and 200 <= status < 300
            await self._log_attempt(event_id, url, attempt, status, error, delivered)
            if delivered:
                return True
            if round_ + 1 < self.attempts:
                await asyncio.sleep(self.backoff * 2**round_)
        _log.warning("webhook_failed", url=url, event_id=event_id, attempts=attempt)
        return False

    async def _post(
        self, url: str, event: StoredEvent, body: bytes
    ) -> tuple[int | None, str | None]:
        timestamp = str(int(time.time()))
        headers = {
            "Content-Type": "application/json",
            "User-Agent": "aic-webhooks/1",
            "X-AIC-Event-Id": str(event.event_id),
            "X-AIC-Event-Type": event.type,
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
                    "at": datetime.now(UTC).isoformat(),
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
