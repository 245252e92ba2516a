"""Storage both services share: one async SQL layer over SQLite and PostgreSQL, migrations."""

from aic.storage.database import SqlDatabase, SqlTransaction, json_value, open_database
from aic.storage.migrations import Migration, MigrationError, MigrationSet, migrate

__all__ = [
    "Migration",
    "MigrationError",
    "MigrationSet",
    "SqlDatabase",
    "SqlTransaction",
    "json_value",
    "migrate",
    "open_database",
]
