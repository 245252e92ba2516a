"""Text both ai databases can store: PostgreSQL refuses NUL; a lone surrogate is not UTF-8."""

from __future__ import annotations

__all__ = ["echoable", "storable_text"]


def storable_text(text: str) -> bool:
    """Whether ``text`` can go into a TEXT or JSONB column of SQLite and PostgreSQL alike
    (JSON can spell both a NUL and an unpaired surrogate, so request bodies carry them)."""
    if "\x00" in text:
        return False
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def echoable(text: str) -> str:
    """``text`` as an error may repeat it: a JSON response cannot carry a lone surrogate."""
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return repr(text)
    return text
