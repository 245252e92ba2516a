"""Which service keys ai accepts: the verifier port and the bootstrap keys from settings."""

from __future__ import annotations

import hmac
from collections.abc import Iterable
from typing import Protocol

__all__ = ["BootstrapKeys", "ServiceKeyVerifier"]


class ServiceKeyVerifier(Protocol):
    """Answers which key id a presented key is, or ``None`` if it is not valid."""

    async def verify(self, key: str) -> str | None: ...


class BootstrapKeys:
    """Keys from settings: valid while configured; id ``bootstrap-N``."""

    def __init__(self, keys: Iterable[str]) -> None:
        self._keys = [k.encode() for k in keys if k]

    async def verify(self, key: str) -> str | None:
        presented = key.encode()
        found = None
        for index, candidate in enumerate(self._keys):  # no early exit: constant time per key
            if hmac.compare_digest(presented, candidate):
                found = f"bootstrap-{index}"
        return found
