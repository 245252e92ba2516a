"""Redis stream entry ids (``<milliseconds>-<sequence>``): their order, and the id before one."""

from __future__ import annotations

__all__ = ["id_before", "id_key"]


def id_key(message_id: str) -> tuple[int, int]:
    """A sort key: ids compare by milliseconds, then sequence (not as text)."""
    millis, _, seq = message_id.partition("-")
    return int(millis), int(seq or 0)


def id_before(message_id: str) -> str:
    """The id just before ``message_id``: a group created there is handed it first."""
    millis, seq = id_key(message_id)
    if seq:
        return f"{millis}-{seq - 1}"
    return f"{millis - 1}-{2**64 - 1}" if millis else "0"
