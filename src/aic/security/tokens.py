"""User access tokens (JWT, HS256 pinned) and opaque tokens that are stored only as a digest."""

from __future__ import annotations

import hashlib
import secrets
import time
import uuid
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

import jwt

__all__ = [
    "ALGORITHM",
    "LEEWAY_SECONDS",
    "AccessClaims",
    "AccessTokens",
    "InvalidToken",
    "looks_like_jwt",
    "new_opaque_token",
    "token_digest",
]

# The one algorithm accepted, whatever a token's header says: never `none`, never an
# asymmetric one whose "public key" could be replayed as an HMAC secret (RFC 8725 2.1).
ALGORITHM = "HS256"
# Clock skew tolerated between the replicas that issue and verify tokens.
LEEWAY_SECONDS = 10
MIN_SECRET_LENGTH = 32
_REQUIRED = ["exp", "iat", "iss", "aud", "sub", "jti"]


class InvalidToken(Exception):
    """A token that cannot be trusted; ``code`` says why (``token_expired`` ...)."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message


@dataclass(frozen=True, slots=True)
class AccessClaims:
    """What a verified access token asserts."""

    subject: str
    roles: frozenset[str]
    generation: int  # the account's token generation when issued (see AccessTokens)
    session_id: str | None
    token_id: str
    issued_at: int
    expires_at: int


class AccessTokens:
    """Issues and verifies short-lived access tokens.

    Besides the registered claims, a token carries ``roles``, ``gen`` (the account's token
    generation: ``logout-all`` and role changes increment it, which ends every token issued
    before) and ``sid`` (the session it was issued in, so logout can end that session).
    """

    def __init__(
        self,
        secret: str,
        *,
        issuer: str,
        audience: str,
        ttl_seconds: int,
        clock: Callable[[], float] = time.time,
    ) -> None:
        if len(secret) < MIN_SECRET_LENGTH:
            raise ValueError(f"the token secret must have at least {MIN_SECRET_LENGTH} characters")
        self._secret = secret
        self.issuer = issuer
        self.audience = audience
        self.ttl_seconds = ttl_seconds
        self._clock = clock

    def issue(
        self,
        subject: str,
        roles: Iterable[str],
        *,
        generation: int,
        session_id: str | None = None,
    ) -> tuple[str, AccessClaims]:
        now = int(self._clock())
        claims = AccessClaims(
            subject=subject,
            roles=frozenset(roles),
            generation=generation,
            session_id=session_id,
            token_id=uuid.uuid4().hex,
            issued_at=now,
            expires_at=now + self.ttl_seconds,
        )
        payload: dict[str, Any] = {
            "iss": self.issuer,
            "aud": self.audience,
            "sub": subject,
            "roles": sorted(claims.roles),
            "gen": generation,
            "iat": now,
            "exp": claims.expires_at,
            "jti": claims.token_id,
        }
        if session_id is not None:
            payload["sid"] = session_id
        return jwt.encode(payload, self._secret, algorithm=ALGORITHM), claims

    def verify(self, token: str) -> AccessClaims:
        """The token's claims, or ``InvalidToken`` (signature, algorithm, iss, aud, exp)."""
        try:
            payload = jwt.decode(
                token,
                self._secret,
                algorithms=[ALGORITHM],
                audience=self.audience,
                issuer=self.issuer,
                # Times are checked below against this class's clock, not PyJWT's.
                options={
                    "require": _REQUIRED,
                    "verify_exp": False,
                    "verify_iat": False,
                    "verify_nbf": False,
                },
            )
        except jwt.InvalidAudienceError:
            raise InvalidToken(
                "invalid_token", "The token is meant for another audience."
            ) from None
        except jwt.InvalidIssuerError:
            raise InvalidToken("invalid_token", "The token was issued by someone else.") from None
        except jwt.InvalidTokenError:
            raise InvalidToken("invalid_token", "The access token is not valid.") from None
        claims = _claims(payload)
        now = self._clock()
        if now > claims.expires_at + LEEWAY_SECONDS:
            raise InvalidToken("token_expired", "The access token has expired.")
        if claims.issued_at > now + LEEWAY_SECONDS:
            raise InvalidToken("invalid_token", "The token claims to be issued in the future.")
        return claims


def _claims(payload: dict[str, Any]) -> AccessClaims:
    roles, generation, sid = payload.get("roles"), payload.get("gen"), payload.get("sid")
    times = (payload["iat"], payload["exp"])
    if (
        not all(isinstance(t, int | float) and not isinstance(t, bool) for t in times)
        or not isinstance(payload["sub"], str)
        or not isinstance(payload["jti"], str)
        or not isinstance(roles, list)
        or not all(isinstance(r, str) for r in roles)
        or not isinstance(generation, int)
        or isinstance(generation, bool)
        or not (sid is None or isinstance(sid, str))
    ):
        raise InvalidToken("invalid_token", "The access token's claims are malformed.")
    return AccessClaims(
        subject=payload["sub"],
        roles=frozenset(roles),
        generation=generation,
        session_id=sid,
        token_id=payload["jti"],
        issued_at=int(payload["iat"]),
        expires_at=int(payload["exp"]),
    )


def looks_like_jwt(token: str) -> bool:
    """Three dot-separated parts: a JWT, as opposed to a service key or opaque token."""
    return token.count(".") == 2


def new_opaque_token(prefix: str) -> str:
    """A random token (256 bits); the prefix lets secret scanners recognise leaked ones."""
    return prefix + secrets.token_urlsafe(32)


def token_digest(token: str) -> str:
    """What is stored instead of an opaque token: a SHA-256 hex digest.

    The token is random with 256 bits of entropy, so a fast hash is enough: there is nothing
    to brute-force that a slow hash would protect.
    """
    return hashlib.sha256(token.encode()).hexdigest()
