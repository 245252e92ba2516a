"""Which service keys ai accepts: the verifier port and the bootstrap keys from settings."""

from __future__ import annotations

import hmac
from collections.abc import Iterable
from typing import Protocol

__all__ = [
    "BOOTSTRAP_KEY_ID_PREFIX",
    "BootstrapKeys",
    "KeyStoreUnavailable",
    "ServiceKeyVerifier",
    "is_bootstrap_key_id",
]

BOOTSTRAP_KEY_ID_PREFIX = "bootstrap-"


class KeyStoreUnavailable(Exception):
    """The verifier cannot tell whether a key is valid right now (its database is down)."""


class ServiceKeyVerifier(Protocol):
    """Answers which key id a presented key is, or ``None`` if it is not valid.

    Raises ``KeyStoreUnavailable`` when it cannot decide (never guesses either way).
    """

    async def verify(self, key: str) -> str | None: ...


def is_bootstrap_key_id(key_id: str) -> bool:
    """Bootstrap keys (from settings) hold the admin capability; issued keys do not."""
    return key_id.startswith(BOOTSTRAP_KEY_ID_PREFIX)


class BootstrapKeys:
    """Keys from settings: valid while configured; id ``bootstrap-N``."""

    def __init__(self, keys: Iterable[str]) -> None:
        self._keys = [k.encode() for k in keys if k]

    async def verify(self, key: str) -> str | None:
        presented = key.encode()
        found = None
        for index, candidate in enumerate(self._keys):  # no early exit: constant time per key
            if hmac.compare_digest(presented, candidate):
                found = f"{BOOTSTRAP_KEY_ID_PREFIX}{index}"
        return found
