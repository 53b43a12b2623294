from typing import Any

from alembic import context
from sqlalchemy import Connection

import hookdesk.migrations.models  # noqa: F401  (registers every table on Base.metadata)
from hookdesk.db.base import Base
from hookdesk.models.search import declared

engine = context.config.attributes["engine"]


class BrokenReferences(Exception):
    pass


def _sqlite_foreign_keys(connection: Connection, *, on: bool) -> None:
    """SQLite changes a table by copying it and dropping the original: with foreign keys on, that
    drop deletes every row referencing the table through ON DELETE CASCADE (a ticket's replies).
    The pragma is ignored inside a transaction, so it goes to the driver before one begins."""
    driver: Any = connection.connection.driver_connection
    driver.execute(f"PRAGMA foreign_keys={'ON' if on else 'OFF'}")


def _check_references(connection: Connection) -> None:
    broken = connection.exec_driver_sql("PRAGMA foreign_key_check").fetchall()
    if broken:
        tables = sorted({row[0] for row in broken})
        raise BrokenReferences(
            f"The migration left {len(broken)} rows referring to missing rows "
            f"(in {', '.join(tables)}); nothing was changed."
        )


with engine.connect() as connection:
    sqlite = connection.dialect.name == "sqlite"
    if sqlite:
        _sqlite_foreign_keys(connection, on=False)
    try:
        context.configure(
            connection=connection,
            target_metadata=Base.metadata,
            render_as_batch=True,  # SQLite can only change a table by copying it
            compare_type=True,
            include_name=declared,
        )
        with context.begin_transaction():
            context.run_migrations()
            if sqlite:
                _check_references(connection)
        connection.commit()
    finally:
        if sqlite:
            connection.rollback()
            _sqlite_foreign_keys(connection, on=True)
