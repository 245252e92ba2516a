"""Password hashing (argon2id, rehash on new parameters) and the password policy."""

from __future__ import annotations

import pytest
from argon2 import PasswordHasher

from aic.security.passwords import PasswordHashing, password_problems

# Cheap parameters: these tests are about behaviour, not cost.
FAST = PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1)
STRONGER = PasswordHasher(time_cost=2, memory_cost=2048, parallelism=1)


def test_a_hash_is_argon2id_salted_and_checks_only_its_password() -> None:
    hashing = PasswordHashing(FAST)
    first, second = hashing.hash("correct horse battery"), hashing.hash("correct horse battery")
    assert first.startswith("$argon2id$")
    assert first != second
    assert hashing.check(first, "correct horse battery").matches
    assert not hashing.check(first, "correct horse batterY").matches
    assert hashing.check(first, "correct horse battery").new_hash is None


def test_a_hash_made_with_older_parameters_is_replaced_on_a_successful_check() -> None:
    old = PasswordHashing(FAST).hash("correct horse battery")
    check = PasswordHashing(STRONGER).check(old, "correct horse battery")
    assert check.matches
    assert check.new_hash is not None
    assert "m=2048,t=2" in check.new_hash
    assert PasswordHashing(STRONGER).check(check.new_hash, "correct horse battery").new_hash is None
    assert PasswordHashing(STRONGER).check(old, "wrong password!!").new_hash is None


def test_no_hash_and_a_corrupt_hash_never_match() -> None:
    hashing = PasswordHashing(FAST)
    assert not hashing.check(None, "anything at all").matches
    assert not hashing.check("$argon2id$garbage", "anything at all").matches
    assert not hashing.check("plain text", "plain text").matches


@pytest.mark.parametrize(
    ("password", "problem"),
    [
        ("short", "at least 12"),
        ("x" * 300, "at most 256"),
        ("  padded password  ", "spaces"),
        ("aaaaaaaaaaaaaaaa", "different characters"),
        ("noor@example.com", "e-mail"),
        ("NOOR@EXAMPLE.COM", "e-mail"),
        ("my-noor-password-2024", "e-mail"),
    ],
)
def test_the_policy_names_what_is_wrong(password: str, problem: str) -> None:
    problems = password_problems(password, "noor@example.com")
    assert any(problem in p for p in problems), problems


def test_a_good_password_has_no_problems() -> None:
    assert password_problems("correct horse battery staple", "noor@example.com") == []
    assert password_problems("Tr0ub4dor&3-extended", None) == []
