"""Verifying issued keys (database behind a short cache), and the ring of every accepted key."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from aic.ai.keys import BootstrapKeys, KeyStoreUnavailable
from aic.ai.servicekeys.store import (
    IssuedKey,
    ServiceKey,
    SqlServiceKeyStore,
    hash_service_key,
    utc_now,
)
from aic.observability.logging import get_logger

__all__ = ["IssuedKeys", "ServiceKeyRing"]

_log = get_logger("aic.ai.keys")


@dataclass(slots=True)
class _Verified:
    key: ServiceKey
    checked_at: float  # monotonic
    touched_at: float = field(default=float("-inf"))  # monotonic; when we last wrote a use


class IssuedKeys:
    """Keys issued through the admin API.

    A key found valid is trusted for ``cache_seconds`` before the database is asked again, so
    a revocation takes effect on every replica within that time (at once on the replica that
    revoked it), while a busy key costs one lookup per interval instead of one per request.
    Only valid keys are cached: junk cannot grow the cache. ``last_used_at`` is written at most
    every ``touch_seconds`` per key.

    Looking a key up by its hash leaks nothing through timing: what an attacker could learn is
    about the hash, and from a hash nothing about the key.
    """

    def __init__(
        self,
        store: SqlServiceKeyStore,
        *,
        cache_seconds: float = 5.0,
        touch_seconds: float = 300.0,
        clock: Callable[[], datetime] = utc_now,
        monotonic: Callable[[], float] = time.monotonic,
    ) -> None:
        self.store = store
        self._cache_seconds = cache_seconds
        self._touch_seconds = touch_seconds
        self._clock = clock
        self._monotonic = monotonic
        self._cache: dict[str, _Verified] = {}

    async def verify(self, key: str) -> str | None:
        digest = hash_service_key(key)
        now = self._monotonic()
        verified = self._cache.get(digest)
        if verified is None or now - verified.checked_at >= self._cache_seconds:
            try:
                found = await self.store.find(digest)
            except Exception as exc:  # any driver's error: the store cannot answer now
                _log.warning("service_key_store_unavailable", error=repr(exc))
                raise KeyStoreUnavailable(str(exc)) from exc
            if found is None or found.revoked_at is not None:
                self._cache.pop(digest, None)
                return None
            touched = verified.touched_at if verified is not None else float("-inf")
            verified = self._cache[digest] = _Verified(found, now, touched)
        wall = self._clock()
        if verified.key.expires_at is not None and verified.key.expires_at <= wall:
            return None
        if now - verified.touched_at >= self._touch_seconds:
            verified.touched_at = now
            await self._touch(verified.key.id, wall)
        return verified.key.id

    async def issue(self, name: str, expires_at: datetime | None = None) -> IssuedKey:
        return await self.store.issue(name, expires_at)

    async def list(self) -> list[ServiceKey]:
        return await self.store.list()

    async def revoke(self, key_id: str) -> ServiceKey | None:
        revoked = await self.store.revoke(key_id)
        for digest in [d for d, v in self._cache.items() if v.key.id == key_id]:
            del self._cache[digest]
        return revoked

    async def _touch(self, key_id: str, at: datetime) -> None:
        try:
            await self.store.touch(key_id, at, at - timedelta(seconds=self._touch_seconds))
        except Exception as exc:  # bookkeeping: a failed write must not fail the request
            _log.warning("service_key_touch_failed", key_id=key_id, error=repr(exc))


class ServiceKeyRing:
    """Every key ai accepts: the bootstrap keys from settings, then the issued ones."""

    def __init__(self, bootstrap: BootstrapKeys, issued: IssuedKeys) -> None:
        self._bootstrap = bootstrap
        self._issued = issued

    async def verify(self, key: str) -> str | None:
        return await self._bootstrap.verify(key) or await self._issued.verify(key)
