"""``EmailAddress`` answers exactly as pydantic's ``EmailStr`` does, only faster."""

from __future__ import annotations

import random

import pytest
from pydantic import BaseModel, EmailStr, ValidationError

from aic.backend.entrypoints.api.email_field import EmailAddress, _domain


class Ours(BaseModel):
    email: EmailAddress


class Theirs(BaseModel):
    email: EmailStr


def answer(model: type[BaseModel], value: str) -> tuple[str, object]:
    try:
        return "ok", model.model_validate({"email": value}).model_dump()
    except ValidationError as exc:
        return "error", exc.errors(include_url=False)


CASES = [
    "ada@northwind.example",
    "Ada.Lovelace+leads@NorthWind.Example",
    "o'brien@acme.io",
    "a@b",
    "a@localhost",
    "a@b.c",
    "x@-bad.example",
    "x@bad-.example",
    "x@bad..example",
    "x@.example",
    "x@example.",
    "x@123.123.123.123",
    "x@[127.0.0.1]",
    "x@xn--bcher-kva.example",
    "x@xn--zz.example",
    "x@münchen.example",
    "jörg@example.com",
    ".lead@example.com",
    "lead.@example.com",
    "le..ad@example.com",
    '"quoted local"@example.com',
    "Ada Lovelace <ada@northwind.example>",
    "  ada@northwind.example  ",
    "ada@northwind.example\n",
    "ada@@northwind.example",
    "ada",
    "",
    "a" * 64 + "@example.com",
    "a" * 65 + "@example.com",
    "a@" + ".".join(["b" * 63] * 3) + ".com",
    "a@" + ".".join(["b" * 63] * 4) + ".com",
    "a@" + "b" * 64 + ".com",
    "user@example.invalid",
    "user@example.local",
    "user@test",
    "user@mail.onion",
    "Info@example.com",
    "SALES@acme.io",
    "Postmaster@acme.io",
    "WWW@acme.io",
    # ASCII on the wire, too long once its IDNA labels are decoded (3 bytes a character).
    "x" * 30
    + "@"
    + ("中" * 55).encode("idna").decode()
    + "."
    + ("中" * 20).encode("idna").decode()
    + ".com",
]


@pytest.mark.parametrize("value", CASES)
def test_the_same_answer_as_email_str(value: str) -> None:
    assert answer(Ours, value) == answer(Theirs, value)


def random_address(rng: random.Random) -> str:
    """Mostly plausible addresses, with now and then something that must be refused."""

    def piece(chars: str, most: int) -> str:
        return "".join(rng.choice(chars) for _ in range(rng.randint(1, most)))

    local = ".".join(piece("aZ09_+'!#~-", 6) for _ in range(rng.randint(1, 3)))
    if rng.random() < 0.1:  # a role mailbox, in any case
        local = "".join(rng.choice((c, c.upper())) for c in rng.choice(["info", "sales", "abuse"]))
    labels = [piece("abcz09-", 8) for _ in range(rng.randint(1, 4))] + ["example"]
    if rng.random() < 0.3:  # something odd somewhere
        odd = rng.choice(["ü", "xn--", "..", "_", " ", '"', "<", "@", "-", ".", "\n", "Ä"])
        if rng.random() < 0.5:
            spot = rng.randint(0, len(local))
            local = local[:spot] + odd + local[spot:]
        else:
            labels[rng.randrange(len(labels))] += odd
    return f"{local}@{'.'.join(labels)}"


def test_the_same_answers_on_random_addresses() -> None:
    rng = random.Random(20261127)
    answers = []
    for _ in range(3000):
        value = random_address(rng)
        ours = answer(Ours, value)
        assert ours == answer(Theirs, value), value
        answers.append(ours[0])
    assert 1000 < answers.count("ok") < 2900  # both kinds of answer are well covered


def test_a_domain_is_checked_once() -> None:
    _domain.cache_clear()
    for n in range(50):
        Ours.model_validate({"email": f"lead{n}@repeat.example"})
    info = _domain.cache_info()
    assert (info.misses, info.hits) == (1, 49)


def test_the_schema_says_email() -> None:
    assert Ours.model_json_schema()["properties"]["email"] == {
        "format": "email",
        "title": "Email",
        "type": "string",
    }
