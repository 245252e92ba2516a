"""Password hashing (argon2id) and the password policy."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError

__all__ = [
    "MAX_PASSWORD_LENGTH",
    "MIN_PASSWORD_LENGTH",
    "PasswordCheck",
    "PasswordHashing",
    "password_problems",
]

MIN_PASSWORD_LENGTH = 12
# argon2 hashes any length at the same cost, but a megabyte "password" is not one.
MAX_PASSWORD_LENGTH = 256


@dataclass(frozen=True, slots=True)
class PasswordCheck:
    matches: bool
    new_hash: str | None = None  # set when the stored hash used older parameters


class PasswordHashing:
    """argon2id with the library's RFC 9106 low-memory profile unless told otherwise.

    A hash takes tens of megabytes and most of a second of CPU on purpose: the ``*_async``
    forms run it on a worker thread (the event loop keeps serving) and at most
    ``concurrency`` at a time (a burst of sign-ins cannot exhaust memory).
    """

    def __init__(self, hasher: PasswordHasher | None = None, concurrency: int = 4) -> None:
        self._hasher = hasher or PasswordHasher()
        self._decoy: str | None = None
        self._slots = asyncio.Semaphore(concurrency)

    async def hash_async(self, password: str) -> str:
        async with self._slots:
            return await asyncio.to_thread(self.hash, password)

    async def check_async(self, stored_hash: str | None, password: str) -> PasswordCheck:
        async with self._slots:
            return await asyncio.to_thread(self.check, stored_hash, password)

    def hash(self, password: str) -> str:
        return self._hasher.hash(password)

    def check(self, stored_hash: str | None, password: str) -> PasswordCheck:
        """Whether ``password`` matches; with a rehash when the parameters changed."""
        if stored_hash is None:
            # A wrong e-mail takes as long to refuse as a wrong password.
            self._decoy = self._decoy or self._hasher.hash("decoy for unknown accounts")
            self._verify(self._decoy, password)
            return PasswordCheck(False)
        if not self._verify(stored_hash, password):
            return PasswordCheck(False)
        if self._hasher.check_needs_rehash(stored_hash):
            return PasswordCheck(True, self._hasher.hash(password))
        return PasswordCheck(True)

    def _verify(self, stored_hash: str, password: str) -> bool:
        try:
            return self._hasher.verify(stored_hash, password)
        except (VerifyMismatchError, VerificationError, InvalidHashError):
            return False


def password_problems(password: str, email: str | None = None) -> list[str]:
    """What is wrong with ``password`` for the account ``email``; empty when it is fine."""
    problems = []
    if len(password) < MIN_PASSWORD_LENGTH:
        problems.append(f"must have at least {MIN_PASSWORD_LENGTH} characters")
    if len(password) > MAX_PASSWORD_LENGTH:
        problems.append(f"must have at most {MAX_PASSWORD_LENGTH} characters")
    if password.strip() != password or not password.strip():
        problems.append("must not start or end with spaces")
    if len(set(password)) < 4:
        problems.append("must use more than three different characters")
    if email:
        folded, address = password.casefold(), email.strip().casefold()
        local = address.partition("@")[0]
        if folded == address or (len(local) >= 4 and local in folded):
            problems.append("must not be or contain the account's e-mail address")
    return problems
