"""CSRF values: bound to the session and the secret, and both copies must agree."""

from __future__ import annotations

from aic.security.csrf import csrf_token, csrf_token_matches

SECRET = "k" * 40


def test_the_value_depends_on_the_session_and_the_secret() -> None:
    value = csrf_token(SECRET, "session-1")
    assert value == csrf_token(SECRET, "session-1")
    assert value != csrf_token(SECRET, "session-2")
    assert value != csrf_token("other" * 8, "session-1")


def test_only_the_sessions_own_value_echoed_as_in_the_cookie_matches() -> None:
    value = csrf_token(SECRET, "session-1")
    assert csrf_token_matches(SECRET, "session-1", value, value)
    assert not csrf_token_matches(SECRET, "session-1", value, None)
    assert not csrf_token_matches(SECRET, "session-1", None, value)
    assert not csrf_token_matches(SECRET, "session-1", value, value + "x")
    # A value planted in both places, not derived from this session, does not match.
    planted = csrf_token(SECRET, "attacker-session")
    assert not csrf_token_matches(SECRET, "session-1", planted, planted)
