"""Portal sessions: the HttpOnly session cookie, its CSRF value, refresh and sign-out."""

from __future__ import annotations

from concurrent.futures import CancelledError
from contextlib import suppress
from datetime import timedelta
from types import SimpleNamespace
from typing import Any
from urllib.parse import urlencode

from fastapi.testclient import TestClient
from starlette.responses import Response

from aic.backend.application.sessions import SessionPolicy
from aic.backend.entrypoints.api.sessions import _set_session_cookies
from tests.integration.api.conftest import eventually
from tests.support.identity import PASSWORD, client_of, invite_and_join

FORM = "application/x-www-form-urlencoded"


def _browser(api: TestClient, roles: list[str]) -> tuple[TestClient, dict[str, Any]]:
    """A client signed in by a form post, as a portal page does, with its cookies."""
    email, _ = invite_and_join(api, roles)
    browser = client_of(api)
    response = browser.post(
        "/api/auth/login", data={"email": email, "password": PASSWORD}, headers={}
    )
    assert response.status_code == 200, response.text
    return browser, response.json()


def test_a_form_sign_in_sets_an_httponly_session_cookie_and_a_csrf_cookie(
    api: TestClient,
) -> None:
    browser, body = _browser(api, ["sales"])
    assert body["access_token"] is None
    assert body["refresh_token"] is None
    set_cookies = browser.cookies
    assert body["csrf_token"] == set_cookies["aic_csrf"]
    assert set_cookies["aic_session"].startswith("aic_rt_")
    response = client_of(api).post(
        "/api/auth/login",
        data={"email": body["account"]["email"], "password": PASSWORD},
    )
    headers = [v for k, v in response.headers.multi_items() if k == "set-cookie"]
    session = next(h for h in headers if h.startswith("aic_session="))
    csrf = next(h for h in headers if h.startswith("aic_csrf="))
    assert "HttpOnly" in session
    assert "SameSite=lax" in session
    assert "Path=/" in session
    assert "HttpOnly" not in csrf  # the page's script reads it to echo it
    assert "Secure" not in session  # plain HTTP here; set under TLS or AIC_COOKIE_SECURE


def test_json_sign_in_can_ask_for_a_cookie_session(api: TestClient) -> None:
    email, _ = invite_and_join(api, ["viewer"])
    browser = client_of(api)
    body = browser.post(
        "/api/auth/login", json={"email": email, "password": PASSWORD, "session": "cookie"}
    ).json()
    assert body["access_token"] is None
    assert browser.get("/api/auth/me").json()["via"] == "cookie"


def test_the_cookie_authenticates_reads_without_a_csrf_value(api: TestClient) -> None:
    browser, body = _browser(api, ["sales"])
    me = browser.get("/api/auth/me").json()
    assert me["id"] == body["account"]["account_id"]
    assert me["via"] == "cookie"
    assert browser.get("/api/leads").status_code == 200
    assert browser.get("/api/accounts").status_code == 403  # a cookie carries only its roles


def test_a_cookie_request_that_changes_something_needs_the_csrf_value(api: TestClient) -> None:
    browser, body = _browser(api, ["editor"])
    url = "/api/content/no-such-item/submit"
    missing = browser.post(url)
    assert missing.status_code == 403
    assert missing.json()["error"]["code"] == "csrf_failed"
    wrong = browser.post(url, headers={"X-CSRF-Token": body["csrf_token"][::-1]})
    assert wrong.status_code == 403
    right = browser.post(url, headers={"X-CSRF-Token": body["csrf_token"]})
    assert right.status_code == 404  # through the check, to the route: no such content
    as_form = browser.post(
        url, content=f"csrf_token={body['csrf_token']}", headers={"content-type": FORM}
    )
    assert as_form.status_code == 404


def test_a_csrf_value_of_another_session_does_not_pass(api: TestClient) -> None:
    browser, _ = _browser(api, ["editor"])
    _, other = _browser(api, ["editor"])
    browser.cookies.set("aic_csrf", other["csrf_token"])
    response = browser.post(
        "/api/content/no-such-item/submit", headers={"X-CSRF-Token": other["csrf_token"]}
    )
    assert response.status_code == 403


def test_without_the_csrf_value_a_public_form_counts_as_a_visitors(api: TestClient) -> None:
    browser, _ = _browser(api, ["sales"])
    lead = {"email": "visitor@cookie-test.example", "name": "Visitor", "consent": True}
    captured = browser.post("/api/leads", json=lead)
    assert captured.status_code == 202
    stream = f"lead-{captured.json()['id']}"

    def actor() -> Any:
        events = api.get("/api/events", params={"limit": 1000}).json()["events"]
        found = [e for e in events if e["stream_id"] == stream]
        return found and found[0]["metadata"]["actor"]

    assert eventually(actor) == "public"


def test_refreshing_the_cookie_rotates_it_and_the_old_one_stops_working(api: TestClient) -> None:
    browser, body = _browser(api, ["viewer"])
    old = browser.cookies["aic_session"]
    csrf = {"X-CSRF-Token": body["csrf_token"]}
    refreshed = browser.post("/api/auth/refresh", headers=csrf)
    assert refreshed.status_code == 200, refreshed.text
    assert browser.cookies["aic_session"] != old
    assert browser.get("/api/auth/me").status_code == 200
    replay = client_of(api)
    replay.cookies.set("aic_session", old)
    assert replay.get("/api/auth/me").status_code == 401  # a rotated cookie is no session
    no_csrf = client_of(api)
    no_csrf.cookies.set("aic_session", browser.cookies["aic_session"])
    refused = no_csrf.post("/api/auth/refresh")
    assert refused.status_code == 403
    assert refused.json()["error"]["code"] == "csrf_failed"
    assert browser.get("/api/auth/me").status_code == 200  # the session was not touched


def test_signing_out_clears_the_cookies_and_ends_the_session(api: TestClient) -> None:
    browser, body = _browser(api, ["analyst"])
    session = browser.cookies["aic_session"]
    out = browser.post("/api/auth/logout", headers={"X-CSRF-Token": body["csrf_token"]})
    assert out.status_code == 204
    assert "aic_session" not in browser.cookies
    assert "aic_csrf" not in browser.cookies
    stolen = client_of(api)
    stolen.cookies.set("aic_session", session)
    assert stolen.get("/api/auth/me").status_code == 401


def test_under_tls_both_cookies_are_secure() -> None:
    policy = SessionPolicy(refresh_ttl=timedelta(hours=1), session_max_age=timedelta(days=1))
    identity: Any = SimpleNamespace(
        sessions=SimpleNamespace(policy=policy), csrf_secret="k" * 40, cookie_secure=True
    )
    issued: Any = SimpleNamespace(session_id="s1", refresh_token="aic_rt_x")
    response = Response()
    _set_session_cookies(response, identity, issued)
    cookies = [v for k, v in response.headers.items() if k == "set-cookie"]
    assert len(cookies) == 2
    assert all("Secure" in c and "Max-Age=3600" in c for c in cookies)


def test_a_websocket_opened_by_another_site_does_not_get_the_session(api: TestClient) -> None:
    browser, _ = _browser(api, ["viewer"])

    def first_reply(origin: str) -> Any:
        replies = []
        headers = {"Origin": origin}
        with suppress(CancelledError), browser.websocket_connect("/api/ws", headers=headers) as ws:
            ws.send_json({"type": "ping", "id": "origin"})
            replies.append(ws.receive())
        return replies[0]

    assert first_reply("https://evil.example")["code"] == 4401
    assert "pong" in first_reply("http://127.0.0.1:3005")["text"]  # the admin portal
    assert "pong" in first_reply("http://testserver")["text"]  # the backend itself


def test_a_portal_form_post_refreshes_the_cookie_with_its_csrf_field(api: TestClient) -> None:
    browser, body = _browser(api, ["viewer"])
    old = browser.cookies["aic_session"]
    refreshed = browser.post("/api/auth/refresh", data={"csrf_token": body["csrf_token"]})
    assert refreshed.status_code == 200, refreshed.text
    assert refreshed.json()["access_token"] is None  # still a cookie session
    assert browser.cookies["aic_session"] != old
    assert refreshed.json()["csrf_token"] == browser.cookies["aic_csrf"]
    assert browser.get("/api/auth/me").json()["via"] == "cookie"


def test_a_portal_form_post_signs_out_with_its_csrf_field(api: TestClient) -> None:
    browser, body = _browser(api, ["analyst"])
    session = browser.cookies["aic_session"]
    out = browser.post("/api/auth/logout", data={"csrf_token": body["csrf_token"]})
    assert out.status_code == 204, out.text
    assert "aic_session" not in browser.cookies
    stolen = client_of(api)
    stolen.cookies.set("aic_session", session)
    assert stolen.get("/api/auth/me").status_code == 401


def test_form_posts_to_refresh_or_sign_out_without_the_csrf_value_are_refused(
    api: TestClient,
) -> None:
    browser, body = _browser(api, ["viewer"])
    for url in ("/api/auth/refresh", "/api/auth/logout"):
        for form in ({}, {"csrf_token": ""}, {"csrf_token": body["csrf_token"][::-1]}):
            response = browser.post(url, content=urlencode(form), headers={"content-type": FORM})
            assert response.status_code == 403, (url, form, response.text)
            assert response.json()["error"]["code"] == "csrf_failed"
        assert browser.post(url).status_code == 403  # no body, no header
    assert browser.get("/api/auth/me").json()["via"] == "cookie"  # still signed in
    assert "aic_session" in browser.cookies  # and the cookies were not cleared


def test_sign_out_and_refresh_with_the_csrf_header_and_no_body(api: TestClient) -> None:
    browser, body = _browser(api, ["viewer"])
    csrf = {"X-CSRF-Token": body["csrf_token"]}
    refreshed = browser.post("/api/auth/refresh", headers=csrf)
    assert refreshed.status_code == 200, refreshed.text
    csrf = {"X-CSRF-Token": refreshed.json()["csrf_token"]}
    assert browser.post("/api/auth/logout", headers=csrf).status_code == 204
    assert browser.get("/api/auth/me").status_code == 401
