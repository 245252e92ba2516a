"""A small async SQL layer over SQLite and PostgreSQL for read models, tracking and sagas."""

from aic.backend.adapters.sql.database import SqlDatabase, SqlTransaction, open_database

__all__ = ["SqlDatabase", "SqlTransaction", "open_database"]
