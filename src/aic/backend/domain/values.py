"""Checks shared by the aggregates: each returns the normalized value or raises InvalidValue."""

from __future__ import annotations

import math
import re
from collections.abc import Collection, Mapping
from datetime import UTC, datetime
from typing import Any

from aic.backend.domain.errors import InvalidValue

__all__ = [
    "PORTALS",
    "choice",
    "email",
    "flag",
    "identifier",
    "is_json_compatible",
    "json_object",
    "number",
    "optional_identifier",
    "optional_text",
    "parse_timestamp",
    "phone",
    "text",
    "texts",
    "timestamp",
    "whole_number",
]

PORTALS = ("main", "smb", "enterprise", "nexus")

# Deliberately simpler than RFC 5322: quoted local parts and IP-literal domains are refused,
# because no lead form needs them and they are a common vector for junk submissions.
_EMAIL = re.compile(
    r"^[a-z0-9!#$%&'*+/=?^_`{|}~.-]+@(?:[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$"
)
_PHONE = re.compile(r"^\+?[0-9 ()./-]+$")
_IDENTIFIER = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._:@-]{0,127}$")


def _invalid(field: str, message: str, value: object) -> InvalidValue:
    # details go back to the caller as JSON: keep them serializable and short
    shown = value if is_json_compatible(value) else repr(value)
    if isinstance(shown, str) and len(shown) > 200:
        shown = shown[:200] + "..."
    return InvalidValue(f"invalid_{field}", message, {field: shown})


def email(value: object, field: str = "email") -> str:
    """A lower-cased address; case is not significant for any mail provider leads use."""
    if isinstance(value, str):
        normalized = value.strip().lower()
        local = normalized.rpartition("@")[0]
        if (
            len(normalized) <= 254
            and 0 < len(local) <= 64
            and not local.startswith(".")
            and not local.endswith(".")
            and ".." not in local
            and _EMAIL.match(normalized)
        ):
            return normalized
    raise _invalid(field, f"{field} is not a valid e-mail address", value)


def identifier(value: object, field: str) -> str:
    """An id or actor name chosen by the caller (a UUID, ``system:<saga>`` ...)."""
    if isinstance(value, str) and _IDENTIFIER.match(value):
        return value
    raise _invalid(field, f"{field} must be a non-blank id without spaces", value)


def text(
    value: object, field: str, *, max_length: int, required: bool = True, strip: bool = True
) -> str:
    if isinstance(value, str):
        checked = value.strip() if strip else value
        if (checked.strip() or not required) and len(checked) <= max_length:
            return checked
    kind = "non-blank text" if required else "text"
    raise _invalid(field, f"{field} must be {kind} of at most {max_length} characters", value)


def optional_text(value: object, field: str, *, max_length: int) -> str | None:
    """Blank text counts as absent, so forms that send ``""`` mean the same as ``None``."""
    if value is None:
        return None
    return text(value, field, max_length=max_length, required=False) or None


def choice(value: object, field: str, allowed: Collection[str]) -> str:
    if isinstance(value, str) and value in allowed:
        return value
    raise _invalid(field, f"{field} must be one of {', '.join(sorted(allowed))}", value)


def number(value: object, field: str, *, minimum: float, maximum: float = math.inf) -> float:
    # bool is an int subclass; True as a score or a deal value is always a caller bug
    if (
        isinstance(value, int | float)
        and not isinstance(value, bool)
        and math.isfinite(value)
        and minimum <= value <= maximum
    ):
        return value
    bounds = f"between {minimum:g} and {maximum:g}" if math.isfinite(maximum) else f">= {minimum:g}"
    raise _invalid(field, f"{field} must be a number {bounds}", value)


def whole_number(value: object, field: str, *, minimum: int, maximum: int) -> int:
    """An int in range; a float such as 12.5 employees or revision 2.0 is refused."""
    if isinstance(value, int) and not isinstance(value, bool) and minimum <= value <= maximum:
        return value
    raise _invalid(field, f"{field} must be a whole number between {minimum} and {maximum}", value)


def flag(value: object, field: str) -> bool:
    if isinstance(value, bool):
        return value
    raise _invalid(field, f"{field} must be true or false", value)


def optional_identifier(value: object, field: str) -> str | None:
    return None if value is None else identifier(value, field)


def phone(value: object, field: str = "phone") -> str | None:
    """Loose on purpose: international formats vary; it only refuses what cannot be dialled."""
    number = optional_text(value, field, max_length=40)
    if number is None or (_PHONE.match(number) and sum(c.isdigit() for c in number) >= 5):
        return number
    raise _invalid(field, f"{field} must be a phone number", value)


def texts(value: object, field: str, *, max_items: int, max_length: int) -> list[str]:
    """A short list of non-blank texts, as a list so that the event round-trips through JSON."""
    if isinstance(value, list | tuple) and len(value) <= max_items:
        return [text(item, field, max_length=max_length) for item in value]
    raise _invalid(field, f"{field} must be a list of at most {max_items} texts", value)


def parse_timestamp(value: object, field: str = "now") -> datetime:
    """An ISO-8601 time with a UTC offset; naive times are refused because they are ambiguous."""
    if isinstance(value, str):
        try:
            parsed = datetime.fromisoformat(value)
        except ValueError:
            pass
        else:
            if parsed.tzinfo is not None:
                try:
                    return parsed.astimezone(UTC)
                except OverflowError:  # an offset that pushes it past year 1 or 9999
                    pass
    raise _invalid(field, f"{field} must be an ISO-8601 time with a UTC offset", value)


def timestamp(value: object, field: str = "now") -> str:
    """The time normalized to UTC, so stored times compare and sort as text too."""
    return parse_timestamp(value, field).isoformat()


def is_json_compatible(value: object) -> bool:
    if value is None or isinstance(value, str | bool | int):
        return True
    if isinstance(value, float):
        return math.isfinite(value)
    if isinstance(value, list | tuple):
        return all(is_json_compatible(item) for item in value)
    if isinstance(value, Mapping):
        return all(isinstance(k, str) and is_json_compatible(v) for k, v in value.items())
    return False


def json_object(value: object, field: str) -> dict[str, Any]:
    """A copy of a JSON object, so an event never shares a mutable dict with its command."""
    if isinstance(value, Mapping) and is_json_compatible(value):
        return _copy(value)
    raise _invalid(field, f"{field} must be a JSON object", value)


def _copy(value: Mapping[str, Any]) -> dict[str, Any]:
    def copy_item(item: Any) -> Any:
        if isinstance(item, Mapping):
            return _copy(item)
        if isinstance(item, list | tuple):
            return [copy_item(element) for element in item]
        return item

    return {key: copy_item(item) for key, item in value.items()}
