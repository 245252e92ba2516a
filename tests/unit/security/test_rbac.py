"""The access table: lookups, its rules, and docs/access.md rendered from it."""

from __future__ import annotations

from pathlib import Path

import pytest

from aic.security.rbac import (
    ACCESS,
    CAPABILITIES,
    PUBLIC,
    ROLES,
    access_markdown,
    has_capability,
    roles,
    rule_for,
)

DOCS = Path(__file__).parents[3] / "docs" / "access.md"


def test_a_route_missing_from_the_table_has_no_rule() -> None:
    assert rule_for("GET", "/api/nothing-here") is None
    assert rule_for("DELETE", "/api/leads") is None


def test_head_falls_back_to_the_get_row_and_methods_ignore_case() -> None:
    assert rule_for("HEAD", "/api/health/live") is rule_for("GET", "/api/health/live")
    assert rule_for("get", "/api/leads") is ACCESS[("GET", "/api/leads")]


def test_public_rules_allow_everyone_and_role_rules_only_their_roles() -> None:
    assert PUBLIC.allows(())
    assert PUBLIC.allows({"viewer"})
    rule = roles("admin", "sales")
    assert rule.allows({"sales"})
    assert rule.allows({"viewer", "admin"})
    assert not rule.allows(())
    assert not rule.allows({"viewer"})


def test_an_unknown_role_in_a_row_is_a_mistake_caught_at_import() -> None:
    with pytest.raises(ValueError, match="superuser"):
        roles("admin", "superuser")


def test_every_row_names_only_known_roles_and_methods() -> None:
    for (method, path), rule in ACCESS.items():
        assert method in {"GET", "POST", "PUT", "PATCH", "DELETE", "WEBSOCKET"}, method
        assert path.startswith("/"), path
        assert rule.public or rule.roles, f"{method} {path} allows nobody: remove the row"
        assert rule.roles <= set(ROLES)


def test_the_administrator_may_call_every_route_that_is_not_public() -> None:
    assert all(rule.public or "admin" in rule.roles for rule in ACCESS.values())


def test_drafts_are_for_staff_and_the_service_but_never_the_public() -> None:
    assert has_capability({"editor"}, "content:unpublished")
    assert has_capability({"service"}, "content:unpublished")
    assert not has_capability((), "content:unpublished")
    assert not has_capability({"admin"}, "no-such-capability")
    assert not any(rule.public for rule in CAPABILITIES.values())


def test_the_access_page_is_the_table() -> None:
    assert DOCS.read_text() == access_markdown(), "docs/access.md is stale: run `aic access`"
