"""Access tokens: what a forged, altered, expired or misdirected token gets (refused)."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
from typing import Any

import pytest

from aic.security.tokens import (
    LEEWAY_SECONDS,
    AccessTokens,
    InvalidToken,
    looks_like_jwt,
    new_opaque_token,
    token_digest,
)

SECRET = "s" * 40
NOW = 1_800_000_000.0


def _tokens(secret: str = SECRET, now: float = NOW, **overrides: Any) -> AccessTokens:
    options: dict[str, Any] = {"issuer": "aic-backend", "audience": "aic", "ttl_seconds": 900}
    return AccessTokens(secret, clock=lambda: now, **{**options, **overrides})


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def _forge(header: dict[str, Any], payload: dict[str, Any], key: bytes | None) -> str:
    """A JWT assembled by hand, signed with HMAC-SHA256 under ``key`` (or not at all)."""
    signing_input = f"{_b64(json.dumps(header).encode())}.{_b64(json.dumps(payload).encode())}"
    if key is None:
        return signing_input + "."
    digest = {"HS256": hashlib.sha256, "HS512": hashlib.sha512}.get(header["alg"], hashlib.sha256)
    signature = hmac.new(key, signing_input.encode(), digest).digest()
    return f"{signing_input}.{_b64(signature)}"


def _payload(token: str) -> dict[str, Any]:
    part = token.split(".")[1]
    decoded: dict[str, Any] = json.loads(base64.urlsafe_b64decode(part + "=" * (-len(part) % 4)))
    return decoded


def _refused(tokens: AccessTokens, token: str, code: str = "invalid_token") -> None:
    with pytest.raises(InvalidToken) as caught:
        tokens.verify(token)
    assert caught.value.code == code


def test_an_issued_token_verifies_with_its_claims() -> None:
    tokens = _tokens()
    token, issued = tokens.issue("acc-1", ["editor", "admin"], generation=3, session_id="s1")
    claims = tokens.verify(token)
    assert claims == issued
    assert claims.roles == {"admin", "editor"}
    assert claims.generation == 3
    assert claims.session_id == "s1"
    payload = _payload(token)
    assert payload["iss"] == "aic-backend"
    assert payload["aud"] == "aic"
    assert payload["exp"] - payload["iat"] == 900
    assert set(payload) >= {"iss", "aud", "sub", "roles", "exp", "iat", "jti"}


def test_a_token_with_a_changed_payload_is_refused() -> None:
    tokens = _tokens()
    token, _ = tokens.issue("acc-1", ["viewer"], generation=0)
    header, _, signature = token.split(".")
    claims = _payload(token) | {"roles": ["admin"]}
    _refused(tokens, f"{header}.{_b64(json.dumps(claims).encode())}.{signature}")


def test_a_token_signed_with_another_secret_is_refused() -> None:
    token, _ = _tokens(secret="x" * 40).issue("acc-1", ["admin"], generation=0)
    _refused(_tokens(), token)


def test_a_token_with_a_mangled_signature_is_refused() -> None:
    token, _ = _tokens().issue("acc-1", ["admin"], generation=0)
    head, _, signature = token.rpartition(".")
    _refused(_tokens(), f"{head}.{signature[::-1]}")


def test_an_expired_token_is_refused_after_the_leeway() -> None:
    token, claims = _tokens().issue("acc-1", ["admin"], generation=0)
    later = claims.expires_at + LEEWAY_SECONDS - 1
    assert _tokens(now=later).verify(token).subject == "acc-1"
    _refused(_tokens(now=claims.expires_at + LEEWAY_SECONDS + 1), token, "token_expired")


def test_a_token_for_another_audience_is_refused() -> None:
    token, _ = _tokens(audience="someone-else").issue("acc-1", ["admin"], generation=0)
    _refused(_tokens(), token)


def test_a_token_from_another_issuer_is_refused() -> None:
    token, _ = _tokens(issuer="evil").issue("acc-1", ["admin"], generation=0)
    _refused(_tokens(), token)


def _claims(**changes: Any) -> dict[str, Any]:
    base = {"iss": "aic-backend", "aud": "aic", "sub": "acc-1", "roles": ["admin"], "gen": 0,
            "iat": int(NOW), "exp": int(NOW) + 900, "jti": "j1"}  # fmt: skip
    return {k: v for k, v in (base | changes).items() if v is not None}


def test_an_unsigned_alg_none_token_is_refused() -> None:
    _refused(_tokens(), _forge({"alg": "none", "typ": "JWT"}, _claims(), None))
    _refused(_tokens(), _forge({"alg": "None", "typ": "JWT"}, _claims(), None))


def test_the_algorithm_is_pinned_whatever_the_header_says() -> None:
    # Signed with the right secret, but HS512: only HS256 is accepted.
    _refused(_tokens(), _forge({"alg": "HS512", "typ": "JWT"}, _claims(), SECRET.encode()))
    assert _tokens().verify(_forge({"alg": "HS256"}, _claims(), SECRET.encode())).subject


def test_rs256_tokens_and_hs_rs_key_confusion_are_refused() -> None:
    public_key = (
        b"-----BEGIN PUBLIC KEY-----\n"
        b"MFkwEwYHKoZIzj0CAQYIKoZIzj0DAQcDQgAE\n"
        b"-----END PUBLIC KEY-----\n"
    )
    # An RS256 header with any signature: asymmetric algorithms are never accepted.
    rs = _forge({"alg": "RS256", "typ": "JWT"}, _claims(), public_key).rpartition(".")[0]
    _refused(_tokens(), rs + "." + _b64(b"\x00" * 256))
    # The classic confusion: HS256 keyed with a public key a verifier might hold.
    _refused(_tokens(), _forge({"alg": "HS256", "typ": "JWT"}, _claims(), public_key))


@pytest.mark.parametrize(
    "changes",
    [
        {"sub": None}, {"exp": None}, {"iat": None}, {"jti": None}, {"aud": None},
        {"iss": None}, {"roles": "admin"}, {"roles": [1]}, {"gen": "0"}, {"gen": None},
        {"sub": 5},
    ],
)  # fmt: skip
def test_a_token_missing_or_mistyping_a_claim_is_refused(changes: dict[str, Any]) -> None:
    _refused(_tokens(), _forge({"alg": "HS256"}, _claims(**changes), SECRET.encode()))


def test_a_token_issued_in_the_future_is_refused() -> None:
    future = _claims(iat=int(NOW) + 3600, exp=int(NOW) + 4000)
    _refused(_tokens(), _forge({"alg": "HS256"}, future, SECRET.encode()))


def test_garbage_is_refused_as_invalid() -> None:
    for garbage in ("", "a.b.c", "not-a-token", "....", "eyJhbGciOiJIUzI1NiJ9.e30"):
        _refused(_tokens(), garbage)


def test_a_short_secret_is_refused_at_start() -> None:
    with pytest.raises(ValueError, match="32"):
        _tokens(secret="short")


def test_opaque_tokens_are_random_prefixed_and_stored_as_digests() -> None:
    first, second = new_opaque_token("aic_rt_"), new_opaque_token("aic_rt_")
    assert first != second
    assert first.startswith("aic_rt_")
    assert len(first) > 40
    assert token_digest(first) == hashlib.sha256(first.encode()).hexdigest() != first
    assert not looks_like_jwt(first)
    assert looks_like_jwt(_tokens().issue("a", [], generation=0)[0])


@pytest.mark.parametrize("changes", [{"exp": "later"}, {"iat": "now"}, {"exp": True}])
def test_times_that_are_not_numbers_are_refused(changes: dict[str, Any]) -> None:
    _refused(_tokens(), _forge({"alg": "HS256"}, _claims(**changes), SECRET.encode()))
