"""``EmailAddress``: pydantic's ``EmailStr``, with each domain's check done once per process.

``EmailStr`` runs email-validator on every address: ~50 µs here, three quarters of it the
domain's syntax and IDNA checks — a tenth of a lead capture's CPU. Addresses are mostly new;
their domains are not (a company's leads share one, and the free-mail providers are few).

So a plain address — an ASCII dot-atom local part that is not a role name email-validator
lowercases (``info``, ``sales``, ... RFC 2142), an ASCII domain that is no IDNA name, nothing
else — has its domain checked once (``_domain``, a bounded cache of results) and its local
part by the pattern itself. Anything else, and any domain that fails, takes ``EmailStr``'s
own path, so every answer (value and error) is ``EmailStr``'s;
``tests/unit/test_email_field.py`` holds the two to the same results.
"""

from __future__ import annotations

import re
from functools import lru_cache
from typing import Annotated

import email_validator
from email_validator import rfc_constants
from pydantic import AfterValidator, WithJsonSchema
from pydantic.networks import validate_email as pydantic_validate_email

__all__ = ["EmailAddress", "normalized_email"]

# RFC 5322 dot-atom text (what email-validator accepts unquoted), at most 64 characters.
_ATEXT = r"[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]"
_PLAIN = re.compile(rf"({_ATEXT}+(?:\.{_ATEXT}+)*)@([A-Za-z0-9.-]{{1,190}})")
_LOCAL_MAX = 64
_PLAIN_MAX = 200  # far below every length limit email-validator applies to ASCII (254 and up)
_CASE_INSENSITIVE = frozenset(rfc_constants.CASE_INSENSITIVE_MAILBOX_NAMES)  # RFC 2142 roles


@lru_cache(maxsize=4096)
def _domain(domain: str) -> str | None:
    """The normalized domain if ``domain`` is valid for an address, else None."""
    try:
        return email_validator.validate_email(f"a@{domain}", check_deliverability=False).domain
    except email_validator.EmailNotValidError:
        return None


def normalized_email(value: str) -> str:
    """What ``EmailStr`` makes of ``value``; the same ``PydanticCustomError`` if invalid."""
    if len(value) <= _PLAIN_MAX and (plain := _PLAIN.fullmatch(value)):
        local, domain = plain.groups()
        if (
            len(local) <= _LOCAL_MAX
            and local.lower() not in _CASE_INSENSITIVE  # email-validator lowercases these
            and (checked := _domain(domain)) is not None
            and checked.isascii()  # an IDNA domain's Unicode form has length rules of its own
        ):
            return f"{local}@{checked}"
    return pydantic_validate_email(value)[1]


EmailAddress = Annotated[
    str,
    AfterValidator(normalized_email),
    WithJsonSchema({"type": "string", "format": "email"}),
]
