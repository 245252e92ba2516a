"""An idempotent projection double in SQLite: each event's effect once, however often seen."""

from __future__ import annotations

import sqlite3
from contextlib import closing
from pathlib import Path
from typing import Any

from aic.backend.application.ports import StoredEvent

__all__ = ["Ledger"]


class Ledger:
    """Adds each event's ``amount`` to a total once: the event id is recorded in the same
    transaction as the effect, which is how a real projection stays exactly-once. Every
    handling is also counted, so tests can see that redeliveries did happen.

    A file, so that consumer processes and the test share it.
    """

    def __init__(self, path: Path) -> None:
        self.path = path
        with closing(self._connect()) as db:
            db.execute("PRAGMA journal_mode=WAL")
            db.execute("CREATE TABLE IF NOT EXISTS applied (event_id TEXT PRIMARY KEY)")
            db.execute("CREATE TABLE IF NOT EXISTS handled (event_id TEXT, consumer TEXT)")
            db.execute("CREATE TABLE IF NOT EXISTS total (id INTEGER PRIMARY KEY, amount INT)")
            db.execute("INSERT OR IGNORE INTO total VALUES (1, 0)")

    def _connect(self) -> sqlite3.Connection:
        return sqlite3.connect(self.path, timeout=10, isolation_level=None)

    def apply(self, event: StoredEvent, consumer: str = "") -> bool:
        """Apply once; False if this event id was applied before."""
        db = self._connect()
        try:
            db.execute("BEGIN IMMEDIATE")
            db.execute("INSERT INTO handled VALUES (?, ?)", (str(event.event_id), consumer))
            fresh = db.execute(
                "INSERT OR IGNORE INTO applied VALUES (?)", (str(event.event_id),)
            ).rowcount
            if fresh:
                db.execute("UPDATE total SET amount = amount + ?", (event.data["amount"],))
            db.execute("COMMIT")
            return bool(fresh)
        finally:
            db.close()

    def total(self) -> int:
        return int(self._rows("SELECT amount FROM total")[0][0])

    def applied(self) -> set[str]:
        return {row[0] for row in self._rows("SELECT event_id FROM applied")}

    def handled(self) -> list[tuple[str, str]]:
        return [(row[0], row[1]) for row in self._rows("SELECT * FROM handled")]

    def _rows(self, query: str) -> list[Any]:
        with closing(self._connect()) as db:
            return db.execute(query).fetchall()
