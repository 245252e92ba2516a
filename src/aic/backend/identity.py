"""Builds the identity services (sessions, staff accounts, the service key) from settings."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from aic.backend.adapters.identity import SqlIdentityStore
from aic.backend.application.bus import CommandBus
from aic.backend.application.repository import AggregateRepository
from aic.backend.application.sessions import SessionPolicy, Sessions, utc_clock
from aic.backend.application.staff import AccountDirectory, StaffAccounts
from aic.backend.settings import BackendSettings
from aic.security.passwords import PasswordHashing
from aic.security.service_keys import load_or_create_secret
from aic.security.tokens import AccessTokens
from aic.storage import SqlDatabase

__all__ = ["JWT_SECRET_FILE", "IdentityServices", "build_identity"]

JWT_SECRET_FILE = "jwt_secret"  # noqa: S105 - a file name, not a secret


@dataclass(frozen=True)
class IdentityServices:
    """What authentication needs at every request, built once per process."""

    sessions: Sessions
    staff: StaffAccounts
    store: SqlIdentityStore
    service_key: str  # the key `aic` commands and the platform's processes present
    csrf_secret: str
    cookie_secure: bool


def build_identity(
    settings: BackendSettings,
    database: SqlDatabase,
    repository: AggregateRepository,
    commands: CommandBus,
    directory: AccountDirectory,
    service_key: str,
) -> IdentityServices:
    secret = settings.jwt_secret or load_or_create_secret(settings.data_dir, JWT_SECRET_FILE)
    store = SqlIdentityStore(database)
    hashing = PasswordHashing()
    tokens = AccessTokens(
        secret,
        issuer=settings.jwt_issuer,
        audience=settings.jwt_audience,
        ttl_seconds=settings.jwt_ttl_seconds,
    )
    policy = SessionPolicy(
        refresh_ttl=timedelta(seconds=settings.refresh_ttl_seconds),
        session_max_age=timedelta(seconds=settings.session_max_age_seconds),
    )
    invitation_ttl = timedelta(seconds=settings.invitation_ttl_seconds)
    return IdentityServices(
        sessions=Sessions(store, repository, tokens, hashing, policy),
        staff=StaffAccounts(
            store, repository, commands, directory, hashing, invitation_ttl, utc_clock
        ),
        store=store,
        service_key=service_key,
        csrf_secret=f"{secret}:csrf",
        cookie_secure=settings.tls_enabled
        if settings.cookie_secure is None
        else settings.cookie_secure,
    )
