"""Identity storage: credentials, sessions and invitations in the backend database."""

from aic.backend.adapters.identity.store import SqlIdentityStore

__all__ = ["SqlIdentityStore"]
