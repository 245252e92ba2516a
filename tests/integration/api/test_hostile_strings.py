"""SQL injection, odd quotes, NUL, nesting and oversize in every string field of the public routes.

The string fields come from the OpenAPI document, so a new field is covered as soon as it is
declared; a public route of the access table (``aic.security.rbac``) that takes text and has
no test here fails ``test_every_public_route_that_takes_text_is_covered``. Each answer must be
a 4xx in the one error format, or a 2xx that stored the text exactly as sent (read back); no
request may be slow (an injected ``pg_sleep`` never ran), the database keeps every table, and
a body over the limit is a 413 that stores nothing.
"""

from __future__ import annotations

import time
import uuid
from collections.abc import Callable, Iterator
from typing import Any, TypeVar
from urllib.parse import quote

import httpx2
import pytest
from fastapi.testclient import TestClient

from aic.security.rbac import ACCESS
from tests.integration.api.conftest import eventually
from tests.support.identity import ADMIN_EMAIL, PASSWORD, bearer, client_of, container, sign_in

INJECTIONS = [
    "' OR 1=1 --",
    "'; DROP TABLE events; --",
    '" OR ""="',
    "1; SELECT pg_sleep(10)",
    "x'); SELECT pg_sleep(10); --",
    "1' UNION SELECT password_hash, 1 FROM auth_accounts --",
    "\u2018 OR \u20181\u2019=\u20181\u2019 --",  # typographic quotes
    "\u02bc; DROP TABLE leads; --",  # a letter apostrophe some systems fold into '
    "%00' OR 1=1 --",  # an escaped NUL, as text
    "$$; DROP TABLE events; $$",
    "\\'; DROP TABLE events; --",
    "admin'/*",
]
NUL = "nul\x00byte"  # PostgreSQL text cannot hold it: a 4xx on every database alike
NOT_STRINGS: list[Any] = [{"$ne": None}, ["' OR 1=1 --"], {"a": {"b": "' OR 1=1 --"}}]
OVERLONG = "x" * 100_000  # far over every declared maximum, well under the body limit
SLOW_SECONDS = 5.0  # the injected sleeps last 10 s; nothing else here comes close
Problems = list[str]
Test = TypeVar("Test", bound=Callable[..., None])
# The public routes a test below sends hostile text to (see ``covers``).
COVERED: set[tuple[str, str]] = set()


def covers(*routes: tuple[str, str]) -> Callable[[Test], Test]:
    """Marks a test as the hostile-text test of ``routes`` (method, path template)."""

    def mark(test: Test) -> Test:
        COVERED.update(routes)
        return test

    return mark


# --- the string fields, from the OpenAPI document ---------------------------------------------


def _resolve(document: dict[str, Any], schema: dict[str, Any]) -> dict[str, Any]:
    while "$ref" in schema:
        name = schema["$ref"].rsplit("/", 1)[-1]
        schema = document["components"]["schemas"][name]
    return schema


def string_schema(schema: dict[str, Any]) -> dict[str, Any] | None:
    """The string alternative of a property's schema (``str | None`` is an ``anyOf``)."""
    if schema.get("type") == "string":
        return schema
    for option in schema.get("anyOf", []) + schema.get("oneOf", []):
        if option.get("type") == "string":
            return dict(option)
    return None


def string_fields(document: dict[str, Any], schema: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """Each string property of an object schema; a map of strings counts as its key ``note``."""
    fields: dict[str, dict[str, Any]] = {}
    for name, prop in _resolve(document, schema).get("properties", {}).items():
        prop = _resolve(document, prop)
        found = string_schema(prop)
        if found is not None:
            fields[name] = found
        elif isinstance(prop.get("additionalProperties"), dict):
            found = string_schema(prop["additionalProperties"])
            if found is not None:
                fields[f"{name}.note"] = found
    return fields


def takes_text(document: dict[str, Any], schema: Any, seen: frozenset[str] = frozenset()) -> bool:
    """Whether a schema holds a string anywhere (properties, items, maps, alternatives)."""
    if not isinstance(schema, dict):
        return False
    ref = schema.get("$ref")
    if isinstance(ref, str):
        return ref not in seen and takes_text(document, _resolve(document, schema), seen | {ref})
    if schema.get("type") == "string":
        return True
    nested = [
        *schema.get("properties", {}).values(),
        *schema.get("anyOf", []),
        *schema.get("oneOf", []),
        *schema.get("allOf", []),
        schema.get("items"),
        schema.get("additionalProperties"),
    ]
    return any(takes_text(document, inner, seen) for inner in nested)


def operation_takes_text(document: dict[str, Any], operation: dict[str, Any]) -> bool:
    """A string parameter, or a string anywhere in a request body of any media type."""
    if any(takes_text(document, p.get("schema")) for p in operation.get("parameters", [])):
        return True
    content = operation.get("requestBody", {}).get("content", {})
    return any(takes_text(document, media.get("schema")) for media in content.values())


def body_fields(document: dict[str, Any], method: str, path: str) -> dict[str, dict[str, Any]]:
    content = document["paths"][path][method]["requestBody"]["content"]
    return string_fields(document, content["application/json"]["schema"])


def parameters(document: dict[str, Any], method: str, path: str, where: str) -> list[str]:
    return [
        p["name"]
        for p in document["paths"][path][method].get("parameters", [])
        if p["in"] == where and string_schema(p["schema"]) is not None
    ]


def with_value(base: dict[str, Any], field: str, value: Any) -> dict[str, Any]:
    name, _, key = field.partition(".")
    return {**base, name: {key: value} if key else value}


def value_of(stored: dict[str, Any], field: str) -> Any:
    name, _, key = field.partition(".")
    value = stored.get(name)
    return value.get(key) if key and isinstance(value, dict) else value


# --- what every answer must be ----------------------------------------------------------------


class Calls:
    """Sends requests, timing each, and notes every answer that breaks the rules."""

    def __init__(self) -> None:
        self.problems: Problems = []

    def send(
        self, what: str, request: Callable[..., httpx2.Response], url: str, **options: Any
    ) -> httpx2.Response:
        started = time.monotonic()
        response = request(url, **options)
        took = time.monotonic() - started
        if took > SLOW_SECONDS:
            self.problems.append(f"{what}: took {took:.1f} s")
        if response.status_code >= 500:
            self.problems.append(f"{what}: {response.status_code} {response.text[:300]}")
        elif response.status_code >= 400 and not _error_format(response):
            self.problems.append(f"{what}: {response.status_code} not the error format")
        return response

    def expect(self, what: str, condition: bool, detail: object = "") -> None:
        if not condition:
            self.problems.append(f"{what}: {detail}")


def _error_format(response: httpx2.Response) -> bool:
    try:
        error = response.json()["error"]
    except (ValueError, KeyError, TypeError):
        return False
    return isinstance(error, dict) and {"code", "message", "details"} <= set(error)


def hostile_strings(schema: dict[str, Any]) -> list[str]:
    """The injections, NUL, and a string far over the field's declared maximum (if any)."""
    strings = [*INJECTIONS, NUL]
    if "maxLength" in schema:
        strings.append(OVERLONG)
    return strings


def must_refuse(schema: dict[str, Any], value: Any) -> bool:
    """Input the document itself declares invalid: it may not be stored."""
    if not isinstance(value, str) or "\x00" in value:
        return True
    if "enum" in schema and value not in schema["enum"]:
        return True
    longest: int = schema.get("maxLength", len(value))
    return len(value) > longest


@pytest.fixture(scope="module")
def document(api: TestClient) -> dict[str, Any]:
    found: dict[str, Any] = api.get("/api/openapi.json").json()
    return found


@pytest.fixture(scope="module")
def visitor(api: TestClient) -> TestClient:
    return client_of(api)


@pytest.fixture(scope="module")
def tables(api: TestClient) -> Iterator[set[str]]:
    """The database's tables before this module's requests; all still there after them."""
    before = _tables(api)
    yield before
    assert _tables(api) == before


def _read(api: TestClient, url: str) -> dict[str, Any]:
    """What ``url`` shows once the read model has caught up."""
    found: dict[str, Any] = eventually(lambda: (r := api.get(url)).is_success and r.json())
    return found


def _sql(api: TestClient, sql: str, params: dict[str, Any] | None = None) -> list[dict[str, Any]]:
    database = container(api).database
    rows: list[dict[str, Any]] = api.portal.call(database.fetch_all, sql, params)  # type: ignore[union-attr]
    return rows


def _tables(api: TestClient) -> set[str]:
    if container(api).settings.sqlite_path is not None:
        rows = _sql(api, "SELECT name FROM sqlite_master WHERE type = 'table'")
    else:
        rows = _sql(api, "SELECT tablename AS name FROM pg_tables WHERE schemaname = 'public'")
    return {row["name"] for row in rows}


# --- the public routes ------------------------------------------------------------------------


@covers(("POST", "/api/leads"))
def test_lead_fields_store_hostile_text_verbatim_or_refuse_it(
    api: TestClient, visitor: TestClient, document: dict[str, Any], tables: set[str]
) -> None:
    calls = Calls()
    stored: list[tuple[str, str, Any]] = []
    for field, schema in body_fields(document, "post", "/api/leads").items():
        values: list[Any] = [*hostile_strings(schema), *NOT_STRINGS]
        if schema.get("format") == "email":
            values += ["o'or'1'='1@hostile.example", "x'--@hostile.example"]
        for value in values:
            base = {"email": f"h-{uuid.uuid4().hex[:12]}@hostile.example", "name": "Hostile"}
            what = f"POST /api/leads {field}={value!r:.60}"
            body = with_value(base, field, value)
            response = calls.send(what, visitor.post, "/api/leads", json=body)
            if response.status_code == 202:
                calls.expect(what, not must_refuse(schema, value), "accepted")
                stored.append((response.json()["id"], field, value))
            else:
                calls.expect(what, response.status_code == 422, response.status_code)
    for lead_id, field, value in stored:
        detail = _read(api, f"/api/leads/{lead_id}")
        kept = value_of({**detail, **detail["summary"]}, field)
        if field == "email":
            kept, value = kept.lower(), value.lower()  # addresses are kept lowercased
        calls.expect(f"lead {lead_id} {field}", kept == value, f"stored {kept!r:.80}")
    assert stored, "no hostile text was accepted anywhere: the test sends nothing useful"
    assert calls.problems == []


@covers(("POST", "/api/track"))
def test_tracked_event_fields_store_hostile_text_verbatim_or_refuse_it_alone(
    api: TestClient, visitor: TestClient, document: dict[str, Any], tables: set[str]
) -> None:
    calls = Calls()
    batch_schema = _resolve(document, _track_schema(document))
    item_fields = string_fields(document, batch_schema["properties"]["events"]["items"])
    assert {"visitor_id", "path", "query"} <= set(item_fields)
    for field, schema in item_fields.items():
        values: list[Any] = [*hostile_strings(schema), *NOT_STRINGS]
        marker = f"v-{uuid.uuid4().hex[:12]}"
        key = "session_id" if field == "event_id" else "event_id"  # tells the rows apart
        events = [
            with_value(
                {"kind": "page_view", "visitor_id": marker, key: f"{marker}-{n}"}, field, value
            )
            for n, value in enumerate(values)
        ]
        what = f"POST /api/track {field}"
        response = calls.send(what, visitor.post, "/api/track", json={"events": events})
        if response.status_code != 200:
            calls.expect(what, False, f"{response.status_code}: the batch, not single events")
            continue
        refused = {r["index"] for r in response.json()["rejected"]}
        rows = _sql(api, "SELECT * FROM tracking_events WHERE visitor_id = :v", {"v": marker})
        by_key = {row[key]: row for row in rows}
        for n, value in enumerate(values):
            if n in refused:
                calls.expect(f"{what}={value!r:.60}", f"{marker}-{n}" not in by_key, "stored")
                continue
            calls.expect(f"{what}={value!r:.60}", not must_refuse(schema, value), "accepted")
            row = by_key.get(f"{marker}-{n}") or {}
            kept = value_of(_decoded(row), field)
            calls.expect(f"{what}={value!r:.60}", kept == value, f"stored {kept!r:.80}")
    assert calls.problems == []


def _track_schema(document: dict[str, Any]) -> dict[str, Any]:
    content = document["paths"]["/api/track"]["post"]["requestBody"]["content"]
    schema: dict[str, Any] = content["application/json"]["schema"]
    return schema


def _decoded(row: dict[str, Any]) -> dict[str, Any]:
    import json

    properties = row.get("properties")
    if isinstance(properties, str):
        properties = json.loads(properties)
    return {**row, "properties": properties}


@covers(("GET", "/api/content"), ("GET", "/api/content/{slug}"))
def test_content_queries_with_hostile_filters_find_nothing_or_refuse(
    api: TestClient, visitor: TestClient, document: dict[str, Any], tables: set[str]
) -> None:
    calls = Calls()
    slug = f"hostile-{uuid.uuid4().hex[:8]}"
    draft = {"title": "Hostile", "slug": slug, "content_type": "article", "portals": ["main"]}
    assert api.post("/api/content", json=draft).status_code == 202
    eventually(lambda: api.get(f"/api/content/{slug}?preview=true").status_code == 200)
    for name in parameters(document, "get", "/api/content", "query"):
        for value in [*INJECTIONS, NUL, OVERLONG[:5000]]:
            for who, client in (("staff", api), ("visitor", visitor)):
                what = f"GET /api/content {who} {name}={value!r:.60}"
                response = calls.send(what, client.get, "/api/content", params={name: value})
                if response.status_code == 200:
                    items = response.json()["items"]
                    calls.expect(what, items == [], f"{len(items)} items matched")
                else:
                    calls.expect(what, response.status_code == 422, response.status_code)
    assert parameters(document, "get", "/api/content/{slug}", "path") == ["slug"]
    for value in [*INJECTIONS, OVERLONG[:5000]]:
        for who, client in (("staff", api), ("visitor", visitor)):
            what = f"GET /api/content/{{slug}} {who} {value!r:.60}"
            preview = {"preview": "true"} if who == "staff" else {}
            url = f"/api/content/{quote(value, safe='')}"
            response = calls.send(what, client.get, url, params=preview)
            calls.expect(what, response.status_code in (404, 422), response.status_code)
    assert calls.problems == []


def test_lead_search_with_hostile_text_finds_only_leads_holding_it(
    api: TestClient, document: dict[str, Any], tables: set[str]
) -> None:
    calls = Calls()
    lead = {"email": f"s-{uuid.uuid4().hex[:12]}@search.example", "name": "Searchable"}
    lead_id = api.post("/api/leads", json=lead).json()["id"]
    eventually(lambda: api.get(f"/api/leads/{lead_id}").status_code == 200)
    for name in parameters(document, "get", "/api/leads", "query"):
        for value in [*INJECTIONS, NUL, OVERLONG[:5000]]:
            what = f"GET /api/leads {name}={value!r:.60}"
            response = calls.send(what, api.get, "/api/leads", params={name: value})
            if response.status_code == 200:  # a match must hold the text (as search reads it)
                needle = value.lower().replace("\\", "").replace("%", "").replace("_", "")
                items = response.json()["items"]
                wrong = [i for i in items if not _holds(i, needle)] if name == "search" else items
                calls.expect(what, wrong == [], f"{len(wrong)} leads matched without the text")
            else:
                calls.expect(what, response.status_code == 422, response.status_code)
    assert calls.problems == []


def _holds(lead: dict[str, Any], needle: str) -> bool:
    return any(needle in (lead[key] or "").lower() for key in ("email", "name", "company"))


@covers(("POST", "/api/auth/login"))
def test_sign_in_with_hostile_credentials_never_succeeds(
    api: TestClient, visitor: TestClient, document: dict[str, Any], tables: set[str]
) -> None:
    calls = Calls()
    fields = body_fields(document, "post", "/api/auth/login")
    assert {"email", "password"} <= set(fields)
    for field, schema in fields.items():
        for value in [*hostile_strings(schema), *NOT_STRINGS]:
            body = with_value({"email": ADMIN_EMAIL, "password": PASSWORD}, field, value)
            what = f"POST /api/auth/login {field}={value!r:.60}"
            response = calls.send(what, visitor.post, "/api/auth/login", json=body)
            if field in ("email", "password"):  # the credentials: never accepted
                calls.expect(what, response.status_code in (401, 422), response.status_code)
            elif response.is_success:
                calls.expect(what, not must_refuse(schema, value), "accepted")
            else:
                calls.expect(what, response.status_code == 422, response.status_code)
    assert calls.problems == []


@covers(("POST", "/api/accounts/accept-invitation"))
def test_invitation_fields_store_hostile_text_verbatim_or_refuse_it(
    api: TestClient, visitor: TestClient, document: dict[str, Any], tables: set[str]
) -> None:
    calls = Calls()
    fields = body_fields(document, "post", "/api/accounts/accept-invitation")
    assert {"token", "display_name", "password"} <= set(fields)
    joined: list[tuple[str, str, str, Any]] = []
    for field, schema in fields.items():
        for value in [*hostile_strings(schema), *NOT_STRINGS]:
            email = f"i-{uuid.uuid4().hex[:12]}@hostile.example"
            invite = {"email": email, "roles": ["viewer"]}
            invited = api.post("/api/accounts/invitations", json=invite)
            assert invited.status_code == 201, invited.text
            token = invited.json()["token"]
            base = {"token": token, "display_name": "Hostile", "password": PASSWORD}
            body = with_value(base, field, value)
            what = f"POST /api/accounts/accept-invitation {field}={value!r:.60}"
            response = calls.send(what, visitor.post, "/api/accounts/accept-invitation", json=body)
            if response.status_code == 201:
                calls.expect(what, field != "token" and not must_refuse(schema, value), "accepted")
                joined.append((response.json()["account_id"], email, field, value))
            else:
                calls.expect(what, response.status_code in (404, 410, 422), response.status_code)
    for account_id, email, field, value in joined:
        if field == "password":  # kept as a hash: it signs in exactly as typed
            signed_in = visitor.post("/api/auth/login", json={"email": email, "password": value})
            calls.expect(f"sign-in of {email}", signed_in.status_code == 200, signed_in.text)
            continue
        account = _read(api, f"/api/accounts/{account_id}")
        calls.expect(f"account {account_id}", account[field] == value, f"{account[field]!r:.80}")
    assert joined, "no hostile text was accepted anywhere: the test sends nothing useful"
    assert calls.problems == []


@covers(("POST", "/api/auth/refresh"), ("POST", "/api/auth/logout"))
def test_refresh_and_sign_out_with_hostile_tokens_never_succeed_nor_end_a_session(
    api: TestClient, visitor: TestClient, document: dict[str, Any], tables: set[str]
) -> None:
    calls = Calls()
    survivor = sign_in(client_of(api), ADMIN_EMAIL)  # a session no hostile token may end
    for path in ("/api/auth/refresh", "/api/auth/logout"):
        fields = body_fields(document, "post", path)
        assert {"refresh_token", "csrf_token"} <= set(fields)
        for field, schema in fields.items():
            for value in [*hostile_strings(schema), *NOT_STRINGS]:
                # JSON, and the portals' form post (which carries text only).
                bodies = [("json", {"json": {field: value}})]
                if isinstance(value, str):
                    bodies.append(("form", {"data": {field: value}}))
                for kind, body in bodies:
                    what = f"POST {path} {kind} {field}={value!r:.60}"
                    response = calls.send(what, visitor.post, path, **body)
                    if response.is_success:  # signing out of no session: nothing to end
                        allowed = path == "/api/auth/logout" and not must_refuse(schema, value)
                        calls.expect(what, allowed, f"{response.status_code} {response.text}")
                    else:
                        calls.expect(what, response.status_code in (401, 422), response.status_code)
    me = visitor.get("/api/auth/me", headers=bearer(survivor["access_token"]))
    calls.expect("the other session", me.status_code == 200, me.status_code)
    again = visitor.post("/api/auth/refresh", json={"refresh_token": survivor["refresh_token"]})
    calls.expect("its refresh token", again.status_code == 200, again.status_code)
    assert calls.problems == []


def test_every_public_route_that_takes_text_is_covered(document: dict[str, Any]) -> None:
    """A public route (``aic.security.rbac``) with a string parameter or body field has a
    hostile-text test above (``@covers``)."""
    public = {route for route, rule in ACCESS.items() if rule.public}
    uncovered = []
    for method, path in sorted(public - COVERED):
        operation = document["paths"].get(path, {}).get(method.lower())
        if operation is None:  # left out of the document: /metrics, the document itself
            assert method == "GET", f"{method} {path} is public and undocumented"
            continue
        if operation_takes_text(document, operation):
            uncovered.append(f"{method} {path}")
    assert uncovered == [], "public routes taking text without a hostile-text test"
    assert public >= COVERED, f"not public routes: {sorted(COVERED - public)}"
    assert operation_takes_text(document, document["paths"]["/api/auth/logout"]["post"])


# --- bodies over the limit --------------------------------------------------------------------


def test_a_body_over_the_limit_is_a_413_that_stores_nothing(
    api: TestClient, visitor: TestClient, tables: set[str]
) -> None:
    limit = container(api).settings.max_body_bytes
    marker = f"v-{uuid.uuid4().hex[:12]}"
    huge = "x" * (2 * limit)
    lead = {"email": f"{marker}@oversize.example", "name": huge, "visitor_id": marker}
    event = {"kind": "page_view", "visitor_id": marker, "path": huge}
    chunks = (b'{"events": [{"kind": "click", "visitor_id": "%s", "query": "' % marker.encode(),
              b"y" * (2 * limit), b'"}]}')  # fmt: skip
    refused = [
        visitor.post("/api/leads", json=lead),
        visitor.post("/api/track", json={"events": [event]}),
        visitor.post("/api/auth/login", json={"email": huge, "password": huge}),
        visitor.post(  # no Content-Length: the limit counts the bytes as they come
            "/api/track", content=iter(chunks), headers={"content-type": "application/json"}
        ),
    ]
    for response in refused:
        assert response.status_code == 413, response.text[:200]
        assert response.json()["error"]["code"] == "payload_too_large"
    rows = _sql(
        api, "SELECT count(*) AS n FROM tracking_events WHERE visitor_id = :v", {"v": marker}
    )
    assert rows[0]["n"] == 0
    # Projections keep commit order: once a later lead is listed, an earlier one would be too.
    later = visitor.post(
        "/api/leads", json={"email": f"after-{marker}@oversize.example", "name": "A"}
    )
    eventually(lambda: api.get(f"/api/leads/{later.json()['id']}").status_code == 200)
    listed = api.get("/api/leads", params={"search": marker, "limit": 200}).json()["items"]
    assert [item["email"] for item in listed] == [f"after-{marker}@oversize.example"]
