"""Security headers for every response: CSP without inline scripts, nosniff, framing, referrer.

``aic.asgi.edge`` writes them on every HTTP response, crash responses included.
"""

from __future__ import annotations

__all__ = ["CONTENT_SECURITY_POLICY", "security_headers"]

CONTENT_SECURITY_POLICY = "; ".join(
    [
        "default-src 'self'",
        "script-src 'self'",
        "style-src 'self'",
        "img-src 'self' data:",
        "font-src 'self'",
        "connect-src 'self'",
        "object-src 'none'",
        "base-uri 'self'",
        "form-action 'self'",
        "frame-ancestors 'none'",
    ]
)
_BASE: list[tuple[bytes, bytes]] = [
    (b"content-security-policy", CONTENT_SECURITY_POLICY.encode()),
    (b"x-content-type-options", b"nosniff"),
    (b"x-frame-options", b"DENY"),
    (b"referrer-policy", b"strict-origin-when-cross-origin"),
    (b"cross-origin-opener-policy", b"same-origin"),
    (b"permissions-policy", b"camera=(), microphone=(), geolocation=(), payment=()"),
]
_HSTS = (b"strict-transport-security", b"max-age=63072000; includeSubDomains")


def security_headers(hsts: bool = False) -> list[tuple[bytes, bytes]]:
    """The raw ASGI headers, lower-case names; HSTS only when the service speaks TLS."""
    return [*_BASE, _HSTS] if hsts else list(_BASE)
