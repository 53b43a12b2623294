"""Alembic, driven from code: `hookdesk migrate`, and the check every command makes at start."""

from pathlib import Path
from typing import Protocol

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Engine, inspect, text

MIGRATIONS = Path(__file__).parent


class SchemaOutOfDate(Exception):
    pass


class SecretKeyNeeded(Exception):
    """A migration has data to encrypt or decrypt, and no server key was given."""


class Sealer(Protocol):
    """What migrations that move data in or out of encryption need (shared/secretbox.py)."""

    def seal(self, secret: str) -> str: ...

    def open(self, sealed: str) -> str: ...


def _config(engine: Engine, box: Sealer | None = None) -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    config.attributes["engine"] = engine
    config.attributes["secret_box"] = box
    return config


def head_revision(engine: Engine) -> str | None:
    return ScriptDirectory.from_config(_config(engine)).get_current_head()


def current_revision(engine: Engine) -> str | None:
    with engine.connect() as connection:
        return MigrationContext.configure(connection).get_current_revision()


def upgrade(engine: Engine, revision: str = "head", *, box: Sealer | None = None) -> None:
    """`box`: the server key, for migrations that encrypt data (SecretKeyNeeded without it)."""
    command.upgrade(_config(engine, box), revision)
    if engine.dialect.name == "sqlite":
        _analyze_new_indexes(engine)


def _analyze_new_indexes(engine: Engine) -> None:
    """On a SQLite database that has statistics (someone ran ANALYZE), the indexes a migration
    made have none: SQLite then guesses an equality on them finds about ten rows, and picks such
    an index over one it knows to hold a million, sorting every ticket of an account to answer
    its first page (0.7 s at a million tickets). Each such index is analysed (one pass over
    it); without statistics at all, SQLite's guesses treat every index alike and nothing is done."""
    with engine.begin() as connection:
        if not connection.scalar(
            text("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'sqlite_stat1'")
        ):
            return
        missing = connection.scalars(
            text(
                "SELECT name FROM sqlite_master WHERE type = 'index' AND sql IS NOT NULL "
                "AND tbl_name IN (SELECT tbl FROM sqlite_stat1) "
                "AND name NOT IN (SELECT idx FROM sqlite_stat1 WHERE idx IS NOT NULL)"
            )
        ).all()
        for name in missing:
            connection.exec_driver_sql(f'ANALYZE "{name}"')


def prepare(engine: Engine) -> None:
    """Migrate an empty database; refuse one whose schema is behind this version of hookdesk."""
    if not inspect(engine).get_table_names():
        upgrade(engine)
        return
    current, head = current_revision(engine), head_revision(engine)
    if current != head:
        raise SchemaOutOfDate(
            f"The database schema is at revision {current or 'none'} but this hookdesk needs "
            f"{head}: run `hookdesk migrate` first."
        )
