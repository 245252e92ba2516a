"""Issued service keys in ai's database: each kept as a SHA-256, never as the key itself.

SHA-256, not argon2: an issued key is 256 random bits, so no guessing or precomputed table can
find it from its hash, and a slow hash would only cost every request milliseconds (argon2 is
for passwords people choose). Being deterministic, the hash is also what keys are looked up by.
"""

from __future__ import annotations

import hashlib
import secrets
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, Literal

from aic.storage import MigrationSet, SqlDatabase

__all__ = [
    "KEY_PREFIX",
    "SERVICE_KEY_MIGRATIONS",
    "IssuedKey",
    "ServiceKey",
    "ServiceKeyStatus",
    "SqlServiceKeyStore",
    "hash_service_key",
    "utc_now",
]

KEY_PREFIX = "aic_sk_"  # recognisable by secret scanners, like the generated bootstrap key
SERVICE_KEY_MIGRATIONS = MigrationSet("service_keys", "aic.ai.servicekeys")
ServiceKeyStatus = Literal["active", "expired", "revoked"]
_TIME = "%Y-%m-%dT%H:%M:%S.%fZ"  # fixed width: text comparison is time order
_COLUMNS = "id, name, hint, created_at, expires_at, last_used_at, revoked_at"


def utc_now() -> datetime:
    return datetime.now(UTC)


def hash_service_key(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


def _text(moment: datetime | None) -> str | None:
    return None if moment is None else moment.astimezone(UTC).strftime(_TIME)


def _time(text: str | None) -> datetime | None:
    return None if text is None else datetime.strptime(text, _TIME).replace(tzinfo=UTC)


@dataclass(frozen=True, slots=True)
class ServiceKey:
    """What is known about an issued key; never the key."""

    id: str
    name: str
    hint: str  # the key's last four characters, to tell keys apart
    created_at: datetime
    expires_at: datetime | None = None
    last_used_at: datetime | None = None
    revoked_at: datetime | None = None

    def status(self, now: datetime) -> ServiceKeyStatus:
        if self.revoked_at is not None:
            return "revoked"
        if self.expires_at is not None and self.expires_at <= now:
            return "expired"
        return "active"

    @classmethod
    def from_row(cls, row: dict[str, Any]) -> ServiceKey:
        created = _time(row["created_at"])
        assert created is not None
        return cls(
            id=row["id"],
            name=row["name"],
            hint=row["hint"],
            created_at=created,
            expires_at=_time(row["expires_at"]),
            last_used_at=_time(row["last_used_at"]),
            revoked_at=_time(row["revoked_at"]),
        )


@dataclass(frozen=True, slots=True)
class IssuedKey:
    """A key just issued: ``secret`` is the plaintext, shown this once."""

    key: ServiceKey
    secret: str


class SqlServiceKeyStore:
    """Issue, list, look up and revoke keys in the ``service_keys`` table."""

    def __init__(self, database: SqlDatabase, clock: Callable[[], datetime] = utc_now) -> None:
        self._db = database
        self._clock = clock

    async def issue(self, name: str, expires_at: datetime | None = None) -> IssuedKey:
        secret = KEY_PREFIX + secrets.token_urlsafe(32)
        key = ServiceKey(
            id=f"sk_{secrets.token_hex(8)}",
            name=name,
            hint=secret[-4:],
            created_at=self._clock(),
            expires_at=expires_at,
        )
        async with self._db.transaction() as tx:
            await tx.execute(
                "INSERT INTO service_keys (id, name, key_hash, hint, created_at, expires_at) "
                "VALUES (:id, :name, :hash, :hint, :created, :expires)",
                {
                    "id": key.id,
                    "name": key.name,
                    "hash": hash_service_key(secret),
                    "hint": key.hint,
                    "created": _text(key.created_at),
                    "expires": _text(expires_at),
                },
            )
        return IssuedKey(key, secret)

    async def list(self) -> list[ServiceKey]:
        rows = await self._db.fetch_all(
            f"SELECT {_COLUMNS} FROM service_keys ORDER BY created_at DESC, id"  # noqa: S608 -- constants
        )
        return [ServiceKey.from_row(row) for row in rows]

    async def get(self, key_id: str) -> ServiceKey | None:
        row = await self._db.fetch_one(
            f"SELECT {_COLUMNS} FROM service_keys WHERE id = :id",  # noqa: S608 -- constants
            {"id": key_id},
        )
        return None if row is None else ServiceKey.from_row(row)

    async def find(self, key_hash: str) -> ServiceKey | None:
        """The key with this hash, whatever its status (the caller decides)."""
        row = await self._db.fetch_one(
            f"SELECT {_COLUMNS} FROM service_keys WHERE key_hash = :hash",  # noqa: S608 -- constants
            {"hash": key_hash},
        )
        return None if row is None else ServiceKey.from_row(row)

    async def revoke(self, key_id: str) -> ServiceKey | None:
        """Revoke (once: the first revocation time stays); ``None`` if there is no such key."""
        async with self._db.transaction() as tx:
            await tx.execute(
                "UPDATE service_keys SET revoked_at = :now WHERE id = :id AND revoked_at IS NULL",
                {"id": key_id, "now": _text(self._clock())},
            )
        return await self.get(key_id)

    async def touch(self, key_id: str, at: datetime, unless_since: datetime) -> None:
        """Record a use at ``at``, unless one since ``unless_since`` is recorded already
        (so replicas do not all write on every use)."""
        async with self._db.transaction() as tx:
            await tx.execute(
                "UPDATE service_keys SET last_used_at = :at WHERE id = :id "
                "AND (last_used_at IS NULL OR last_used_at < :since)",
                {"id": key_id, "at": _text(at), "since": _text(unless_since)},
            )
