"""CSRF tokens for cookie sessions: a signed double-submit value bound to the session."""

from __future__ import annotations

import base64
import hashlib
import hmac

__all__ = ["CSRF_COOKIE", "CSRF_FORM_FIELD", "CSRF_HEADER", "csrf_token", "csrf_token_matches"]

CSRF_COOKIE = "aic_csrf"
CSRF_HEADER = "X-CSRF-Token"
CSRF_FORM_FIELD = "csrf_token"


def csrf_token(secret: str, session_id: str) -> str:
    """The CSRF value of a session.

    Derived from the session rather than random, so a value planted in the cookie by a
    sibling subdomain (which can set cookies but cannot read ours) does not match.
    """
    digest = hmac.new(secret.encode(), f"csrf:{session_id}".encode(), hashlib.sha256).digest()
    return base64.urlsafe_b64encode(digest).rstrip(b"=").decode()


def csrf_token_matches(
    secret: str, session_id: str, cookie: str | None, echoed: str | None
) -> bool:
    """The echoed value equals the cookie and is the session's own value (constant time)."""
    if not cookie or not echoed:
        return False
    expected = csrf_token(secret, session_id).encode()
    same = hmac.compare_digest(cookie.encode(), echoed.encode())
    return hmac.compare_digest(echoed.encode(), expected) and same
