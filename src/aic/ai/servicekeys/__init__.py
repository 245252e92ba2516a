"""Service keys issued through ai's admin API: stored hashed, cached briefly, revocable."""

from aic.ai.servicekeys.store import (
    SERVICE_KEY_MIGRATIONS,
    IssuedKey,
    ServiceKey,
    ServiceKeyStatus,
    SqlServiceKeyStore,
    hash_service_key,
)
from aic.ai.servicekeys.verifier import IssuedKeys, ServiceKeyRing

__all__ = [
    "SERVICE_KEY_MIGRATIONS",
    "IssuedKey",
    "IssuedKeys",
    "ServiceKey",
    "ServiceKeyRing",
    "ServiceKeyStatus",
    "SqlServiceKeyStore",
    "hash_service_key",
]
