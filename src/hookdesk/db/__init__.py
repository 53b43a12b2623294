"""Storage: one schema for SQLite (WAL) and PostgreSQL, engines, sessions, wake-ups."""

from hookdesk.db.base import Base
from hookdesk.db.database import Database

__all__ = ["Base", "Database"]
