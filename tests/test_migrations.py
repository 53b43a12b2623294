import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import inspect, text

import hookdesk.db.models  # noqa: F401
from hookdesk.db import Base, Database
from hookdesk.db.migrate import SchemaOutOfDate, current_revision, head_revision, prepare


def test_migrations_create_exactly_the_models(db: Database) -> None:
    with db.engine.connect() as connection:
        differences = compare_metadata(MigrationContext.configure(connection), Base.metadata)
    assert differences == []
    assert current_revision(db.engine) == head_revision(db.engine)


# Sign-in failures are counted by email before anyone knows which account is signing in;
# dispatchers serve every account.
UNSCOPED = {"accounts", "sign_in_failures", "dispatchers"}


def test_every_table_but_accounts_carries_account_id(db: Database) -> None:
    inspector = inspect(db.engine)
    for table in Base.metadata.sorted_tables:
        columns = {c["name"] for c in inspector.get_columns(table.name)}
        assert ("account_id" in columns) != (table.name in UNSCOPED), table.name


def test_sqlite_runs_in_wal_mode(tmp_path) -> None:
    database = Database(f"sqlite:///{tmp_path / 'w.db'}")
    with database.engine.connect() as connection:
        assert connection.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
        assert connection.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1
        assert connection.exec_driver_sql("PRAGMA synchronous").scalar() == 2  # FULL
    database.dispose()


def test_postgresql_connections_compile_no_queries(db: Database) -> None:
    if db.is_sqlite:
        pytest.skip("SQLite compiles no queries")
    with db.engine.connect() as connection:
        assert connection.exec_driver_sql("SHOW jit").scalar() == "off"


def test_an_out_of_date_schema_is_refused_with_the_command_to_run(tmp_path) -> None:
    database = Database(f"sqlite:///{tmp_path / 'old.db'}")
    prepare(database.engine)
    with database.engine.begin() as connection:
        connection.execute(text("UPDATE alembic_version SET version_num = '0000_older'"))
    try:
        prepare(database.engine)
    except SchemaOutOfDate as error:
        assert "hookdesk migrate" in str(error)
        assert "0000_older" in str(error)
    else:
        raise AssertionError("an out-of-date schema was accepted")
    finally:
        database.dispose()
