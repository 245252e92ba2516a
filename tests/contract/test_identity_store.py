"""The identity store on SQLite and PostgreSQL: unique e-mails, rotation races, revocation."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable

from aic.backend.adapters.identity import SqlIdentityStore
from aic.backend.application.identity import AccountSecurity, Invitation, NewSession
from aic.backend.wiring import MIGRATION_SETS
from aic.storage import migrate, open_database

T0, T1, T2, LATER = (
    "2026-11-26T10:00:00.000000Z",
    "2026-11-26T10:05:00.000000Z",
    "2026-11-26T10:10:00.000000Z",
    "2026-12-30T00:00:00.000000Z",
)


def _run(database_url: str, scenario: Callable[[SqlIdentityStore], Awaitable[None]]) -> None:
    async def main() -> None:
        await migrate(database_url, MIGRATION_SETS)
        database = await open_database(database_url, max_size=4)
        try:
            await scenario(SqlIdentityStore(database))
        finally:
            await database.close()

    asyncio.run(main())


def _account(account_id: str, email: str) -> AccountSecurity:
    return AccountSecurity(account_id, email, frozenset({"editor"}), True, 0, "$argon2id$x")


def _session(session_id: str, token_hash: str) -> NewSession:
    return NewSession(session_id, "a1", "bearer", token_hash, T0, LATER, LATER)


def test_an_email_belongs_to_one_account_whatever_its_case(database_url: str) -> None:
    async def scenario(store: SqlIdentityStore) -> None:
        assert await store.add_account(_account("a1", "Priya@Example.com"), T0)
        assert not await store.add_account(_account("a2", "priya@example.com"), T0)
        assert not await store.add_account(_account("a1", "other@example.com"), T0)
        found = await store.account_by_email("PRIYA@example.com")
        assert found is not None
        assert found.account_id == "a1"
        assert found.roles == {"editor"}
        updated = await store.update_account(
            "a1", roles=frozenset({"viewer"}), active=False, bump_generation=True, now=T1
        )
        assert updated is not None
        assert (updated.roles, updated.active, updated.token_generation) == ({"viewer"}, False, 1)

    _run(database_url, scenario)


def test_of_two_racing_rotations_one_wins_and_the_other_revokes_the_family(
    database_url: str,
) -> None:
    async def scenario(store: SqlIdentityStore) -> None:
        await store.add_account(_account("a1", "a1@example.com"), T0)
        await store.start_session(_session("s1", "h0"))
        outcomes = await asyncio.gather(
            store.rotate("h0", "h1", T1, LATER), store.rotate("h0", "h2", T1, LATER)
        )
        assert sorted(o.outcome for o in outcomes) == ["reused", "rotated"]
        winner = next(
            "h1" if o is outcomes[0] else "h2" for o in outcomes if o.outcome == "rotated"
        )
        # The winner's new token dies with its family: someone else held the old one.
        assert (await store.rotate(winner, "h3", T2, LATER)).outcome == "revoked"
        state = await store.access_state("a1", "s1", T2)
        assert state is not None
        assert state[1] is False

    _run(database_url, scenario)


def test_tokens_expire_and_sessions_are_revoked_per_account(database_url: str) -> None:
    async def scenario(store: SqlIdentityStore) -> None:
        await store.add_account(_account("a1", "a1@example.com"), T0)
        await store.start_session(NewSession("s1", "a1", "cookie", "h1", T0, T1, LATER))
        await store.start_session(_session("s2", "h2"))
        assert (await store.rotate("h1", "hx", T2, LATER)).outcome == "expired"
        cookie = await store.session_token("h2", T1)
        assert cookie is not None
        assert cookie.state == "current"
        assert await store.revoke_sessions("a1", "logout_all", T1) == 2
        assert (await store.rotate("h2", "hy", T2, LATER)).outcome == "revoked"
        assert (await store.rotate("nope", "hz", T2, LATER)).outcome == "unknown"
        assert await store.prune(T0) == 0  # revoked at T1: not before T0
        assert await store.prune(T2) == 2
        assert await store.session_token("h2", T2) is None

    _run(database_url, scenario)


def test_an_invitation_is_claimed_once_and_can_be_released(database_url: str) -> None:
    async def scenario(store: SqlIdentityStore) -> None:
        invitation = Invitation("i1", "new@example.com", ("viewer",), "a1", T0, T2)
        await store.add_invitation(invitation, "ih")
        claims = await asyncio.gather(
            store.claim_invitation("i1", "x", T1), store.claim_invitation("i1", "y", T1)
        )
        assert sorted(claims) == [False, True]
        await store.release_invitation("i1")
        assert await store.claim_invitation("i1", "z", T1)
        assert not await store.claim_invitation("i1", "z", T1)
        found = await store.invitation_by_token("ih")
        assert found is not None
        assert found.account_id == "z"
        assert found.roles == ("viewer",)
        late = Invitation("i2", "late@example.com", ("editor",), "a1", T0, T1)
        await store.add_invitation(late, "ih2")
        assert not await store.claim_invitation("i2", "w", T2)  # expired
        assert [i.invitation_id for i in await store.pending_invitations(T0)] == ["i2"]
        assert await store.revoke_invitations_for("late@example.com", T0) == 1
        assert await store.pending_invitations(T0) == []

    _run(database_url, scenario)
