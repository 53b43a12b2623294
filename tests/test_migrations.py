import warnings
from collections.abc import Iterator
from pathlib import Path

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from cryptography.fernet import Fernet
from sqlalchemy import Connection, MetaData, Table, insert, inspect, select, text

import hookdesk.migrations.models  # noqa: F401
from hookdesk.db import Base, Database
from hookdesk.db.database import is_sqlite
from hookdesk.migrations.migrate import (
    SchemaOutOfDate,
    SecretKeyNeeded,
    current_revision,
    head_revision,
    prepare,
    upgrade,
)
from hookdesk.models.search import SEARCHED, declared
from hookdesk.models.webhooks import WebhookEndpoint
from hookdesk.shared.paging import Page
from hookdesk.shared.secretbox import SecretBox
from hookdesk.tickets.listing import TicketFilters, list_page
from hookdesk.webhooks.headers import unseal
from tests.support.databases import private_postgres
from tests.support.processes import run


def test_migrations_create_exactly_the_models(db: Database) -> None:
    with db.engine.connect() as connection, warnings.catch_warnings():
        # SQLite's reflection does not read indexes on expressions (lower(email)); the test
        # below checks them by their effect.
        warnings.filterwarnings("ignore", "Skipped unsupported reflection of expression-based")
        warnings.filterwarnings("ignore", "autogenerate skipping metadata-specified expression")
        context = MigrationContext.configure(connection, opts={"include_name": declared})
        differences = compare_metadata(context, Base.metadata)
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


@pytest.fixture
def empty_database(database_url: str, tmp_path: Path) -> Iterator[Database]:
    """A database with no schema yet, of the run's kind."""
    if is_sqlite(database_url):
        database = Database(f"sqlite:///{tmp_path / 'empty.db'}")
        yield database
        database.dispose()
        return
    with private_postgres(database_url) as url:
        database = Database(url)
        yield database
        database.dispose()


# One of everything a ticket holds, as the first schema had them.
FIRST_SCHEMA_ROWS = {
    "accounts": "INSERT INTO accounts (id, name, created_at) VALUES "
    "('a0000000-0000-4000-8000-000000000001', 'A', 1)",
    "api_keys": "INSERT INTO api_keys VALUES ('0123456789abcdef', "
    "'a0000000-0000-4000-8000-000000000001', 'hash', 1)",
    "clients": "INSERT INTO clients (id, account_id, name, email, created_at) VALUES "
    "('c0000000-0000-4000-8000-000000000001', 'a0000000-0000-4000-8000-000000000001', "
    "'C', 'c@example.com', 1)",
    "teammates": "INSERT INTO teammates (id, account_id, name, email, created_at) VALUES "
    "('d0000000-0000-4000-8000-000000000001', 'a0000000-0000-4000-8000-000000000001', "
    "'T', 't@example.com', 1)",
    "ticket_categories": "INSERT INTO ticket_categories (id, account_id, title, language, "
    "subcategories, created_at) VALUES ('e0000000-0000-4000-8000-000000000001', "
    "'a0000000-0000-4000-8000-000000000001', 'General', 'en', '[]', 1)",
    "tickets": "INSERT INTO tickets (id, account_id, client_id, title, is_open, category_id, "
    "language, teammate_id, created_at, updated_at) VALUES "
    "('f0000000-0000-4000-8000-000000000001', 'a0000000-0000-4000-8000-000000000001', "
    "'c0000000-0000-4000-8000-000000000001', 'Help', true, "
    "'e0000000-0000-4000-8000-000000000001', 'en', 'd0000000-0000-4000-8000-000000000001', 1, 1)",
    "replies": "INSERT INTO replies (id, account_id, ticket_id, position, text, is_client_reply, "
    "created_at) VALUES ('b0000000-0000-4000-8000-000000000001', "
    "'a0000000-0000-4000-8000-000000000001', 'f0000000-0000-4000-8000-000000000001', 0, "
    "'It broke.', true, 1)",
    "assets": "INSERT INTO assets (id, account_id, reply_id, position, filename, extension, "
    "filesize, content_type, created_at) VALUES ('90000000-0000-4000-8000-000000000001', "
    "'a0000000-0000-4000-8000-000000000001', 'b0000000-0000-4000-8000-000000000001', 0, "
    "'a.png', 'png', 3, 'image/png', 1)",
}


def test_data_survives_every_migration(empty_database: Database) -> None:
    """SQLite rebuilds a table to change it: the drop of the old copy must not cascade."""
    upgrade(empty_database.engine, "0001")
    with empty_database.engine.begin() as connection:
        for statement in FIRST_SCHEMA_ROWS.values():
            connection.execute(text(statement))
    upgrade(empty_database.engine)
    assert current_revision(empty_database.engine) == head_revision(empty_database.engine)
    with empty_database.engine.connect() as connection:
        for table in FIRST_SCHEMA_ROWS:
            count = connection.execute(text(f"SELECT count(*) FROM {table}")).scalar()
            assert count == 1, table
        assert connection.execute(text("SELECT name FROM api_keys")).scalar() == "Default"
        assert connection.execute(text("SELECT role FROM teammates")).scalar() == "admin"
        if empty_database.is_sqlite:
            assert connection.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1


def test_rows_from_before_the_text_search_are_found_by_it(empty_database: Database) -> None:
    upgrade(empty_database.engine, "0001")
    with empty_database.engine.begin() as connection:
        for statement in FIRST_SCHEMA_ROWS.values():
            connection.execute(text(statement))
    upgrade(empty_database.engine)
    account_id = "a0000000-0000-4000-8000-000000000001"
    for query in ("HELP", "it broke", "c@example.com"):
        with empty_database.read() as session:
            total, found = list_page(
                session, account_id=account_id, filters=TicketFilters(text=query), page=Page(1, 9)
            )
        assert (total, [t.title for t in found]) == (1, ["Help"]), query


def test_the_text_search_triggers_are_there_at_the_head(db: Database) -> None:
    """A later migration that copies a searched table on SQLite drops its triggers with it."""
    if not db.is_sqlite:
        pytest.skip("PostgreSQL's trigram indexes need no trigger")
    with db.engine.connect() as connection:
        triggers = connection.exec_driver_sql(
            "SELECT tbl_name, name FROM sqlite_master WHERE type = 'trigger'"
        ).fetchall()
    expected = {(t, f"{t}_search_{w}") for t in SEARCHED for w in ("insert", "delete", "update")}
    assert expected <= set(triggers)


def test_emails_differing_only_in_case_stop_the_migration_clearly(empty_database: Database) -> None:
    engine = empty_database.engine
    upgrade(engine, "0011")
    with engine.begin() as connection:
        for statement in (FIRST_SCHEMA_ROWS["accounts"], FIRST_SCHEMA_ROWS["clients"]):
            connection.execute(text(statement))
        connection.execute(
            text(FIRST_SCHEMA_ROWS["clients"].replace("c0000000", "c1111111").replace("c@", "C@"))
        )
    with pytest.raises(Exception, match=r"c@example\.com in account a0000000") as refused:
        upgrade(engine)
    assert "hookdesk migrate" in str(refused.value)
    assert current_revision(engine) == "0011"
    with engine.begin() as connection:
        connection.execute(
            text("UPDATE clients SET email = 'c2@example.com' WHERE email = 'C@example.com'")
        )
    upgrade(engine)
    assert current_revision(engine) == head_revision(engine)


ACCOUNT_ID = "a0000000-0000-4000-8000-000000000001"
BEFORE_SEALED_HEADERS = "0012"  # the revision before endpoint headers were encrypted


def _endpoint_before_sealed_headers(database: Database, endpoint_id: str, headers: dict) -> None:
    endpoints = Table("webhook_endpoints", MetaData(), autoload_with=database.engine)
    with database.engine.begin() as connection:
        connection.execute(
            insert(endpoints).values(
                id=endpoint_id,
                account_id=ACCOUNT_ID,
                url="https://example.com/hook",
                events=["whitelabel.ticket.created"],
                status="enabled",
                api_version=2,
                ordered=False,
                headers=headers,
                secret="sealed",
                created_at=1,
                updated_at=1,
            )
        )


def test_custom_headers_are_sealed_by_the_migration_only_with_the_key(
    empty_database: Database,
) -> None:
    engine = empty_database.engine
    upgrade(engine, "0001")
    with engine.begin() as connection:
        connection.execute(text(FIRST_SCHEMA_ROWS["accounts"]))
    upgrade(engine, BEFORE_SEALED_HEADERS)
    custom = {"X-Receiver-Key": "k-123", "X-Région": "é"}
    _endpoint_before_sealed_headers(empty_database, "e1", custom)
    _endpoint_before_sealed_headers(empty_database, "e2", {})

    with pytest.raises(SecretKeyNeeded, match=r"1 webhook endpoint\(s\) have custom headers"):
        upgrade(engine)
    assert current_revision(engine) == BEFORE_SEALED_HEADERS
    with engine.connect() as connection:
        kept = connection.execute(text("SELECT headers FROM webhook_endpoints WHERE id = 'e1'"))
        assert "k-123" in str(kept.scalar())

    box = SecretBox(Fernet.generate_key().decode())
    upgrade(engine, box=box)
    assert current_revision(engine) == head_revision(engine)
    with empty_database.read() as session:
        found = session.execute(select(WebhookEndpoint.id, WebhookEndpoint.sealed_headers))
        rows = dict(found.all())
    assert rows["e2"] is None
    assert rows["e1"] is not None
    assert "k-123" not in rows["e1"]
    assert unseal(box, rows["e1"]) == custom


def test_the_migration_needs_no_key_without_custom_headers(empty_database: Database) -> None:
    engine = empty_database.engine
    upgrade(engine, "0001")
    with engine.begin() as connection:
        connection.execute(text(FIRST_SCHEMA_ROWS["accounts"]))
    upgrade(engine, BEFORE_SEALED_HEADERS)
    _endpoint_before_sealed_headers(empty_database, "e1", {})
    upgrade(engine)
    assert current_revision(engine) == head_revision(engine)


@pytest.mark.slow  # a process of its own
def test_hookdesk_migrate_asks_for_the_key_when_headers_need_sealing(
    empty_database: Database, tmp_path: Path
) -> None:
    engine = empty_database.engine
    upgrade(engine, "0001")
    with engine.begin() as connection:
        connection.execute(text(FIRST_SCHEMA_ROWS["accounts"]))
    upgrade(engine, BEFORE_SEALED_HEADERS)
    _endpoint_before_sealed_headers(empty_database, "e1", {"X-Receiver-Key": "k-123"})
    url = ("--database-url", empty_database.url)

    without_key = run("migrate", *url, cwd=tmp_path, env={"HOOKDESK_SECRET_KEY": ""})
    assert without_key.returncode == 1
    assert "set HOOKDESK_SECRET_KEY" in without_key.stderr
    assert "Traceback" not in without_key.stderr
    assert current_revision(engine) == BEFORE_SEALED_HEADERS

    key = Fernet.generate_key().decode()
    with_key = run("migrate", *url, cwd=tmp_path, env={"HOOKDESK_SECRET_KEY": key})
    assert with_key.returncode == 0, with_key.stderr
    assert current_revision(engine) == head_revision(engine)


def test_tickets_from_before_are_waiting_on_us_when_the_client_wrote_last(
    empty_database: Database,
) -> None:
    upgrade(empty_database.engine, "0001")
    answered = "f0000000-0000-4000-8000-000000000002"
    with empty_database.engine.begin() as connection:
        for statement in FIRST_SCHEMA_ROWS.values():
            connection.execute(text(statement))
        connection.execute(
            text(
                FIRST_SCHEMA_ROWS["tickets"].replace(
                    "f0000000-0000-4000-8000-000000000001", answered
                )
            )
        )
        for position, by_client in ((0, "true"), (1, "false")):
            connection.execute(
                text(
                    "INSERT INTO replies (id, account_id, ticket_id, position, text, "
                    f"is_client_reply, created_at) VALUES ('b0000000-0000-4000-8000-00000000001"
                    f"{position}', 'a0000000-0000-4000-8000-000000000001', '{answered}', "
                    f"{position}, 'Text', {by_client}, 1)"
                )
            )
    upgrade(empty_database.engine)
    with empty_database.engine.connect() as connection:
        rows = connection.execute(text("SELECT id, awaiting_agent FROM tickets ORDER BY id"))
        assert [(row.id, bool(row.awaiting_agent)) for row in rows] == [
            ("f0000000-0000-4000-8000-000000000001", True),
            (answered, False),
        ]


def test_tickets_from_before_are_counted_and_the_counts_kept_from_then_on(
    empty_database: Database,
) -> None:
    """Migration 0029 counts the tickets there, and its triggers (which a later migration copying
    `tickets` on SQLite would drop) keep counting at the head."""
    upgrade(empty_database.engine, "0001")
    with empty_database.engine.begin() as connection:
        for statement in FIRST_SCHEMA_ROWS.values():
            connection.execute(text(statement))
    upgrade(empty_database.engine)
    counted = "SELECT is_open, teammate_id, awaiting_agent, tickets FROM ticket_counts"
    with empty_database.engine.begin() as connection:
        before = [tuple(row) for row in connection.execute(text(counted))]
        connection.execute(text("UPDATE tickets SET is_open = false, teammate_id = NULL"))
    # Read after the commit: on PostgreSQL the counts are kept at the commit (0033).
    with empty_database.engine.begin() as connection:
        after = [tuple(row) for row in connection.execute(text(counted))]
    teammate = "d0000000-0000-4000-8000-000000000001"
    assert [(bool(o), t, bool(w), n) for o, t, w, n in before] == [(True, teammate, True, 1)]
    assert sorted((bool(o), t, bool(w), n) for o, t, w, n in after) == [
        (False, "", True, 1),
        (True, teammate, True, 0),
    ]


def test_an_index_made_after_analyze_gets_its_statistics(tmp_path) -> None:
    """SQLite with statistics guesses that an index without any finds ten rows, and prefers it:
    after an upgrade, the indexes made since the database was analysed are analysed too."""
    database = Database(f"sqlite:///{tmp_path / 'analysed.db'}")
    upgrade(database.engine)
    with database.engine.begin() as connection:
        connection.execute(text("CREATE TABLE sample (a INTEGER, b INTEGER)"))
        connection.execute(text("CREATE INDEX ix_sample_a ON sample (a)"))
        connection.execute(text("INSERT INTO sample VALUES (1, 1), (1, 2), (2, 3)"))
        connection.execute(text("ANALYZE"))
        connection.execute(text("CREATE INDEX ix_sample_b ON sample (b)"))
        assert stat_indexes(connection) & {"ix_sample_a", "ix_sample_b"} == {"ix_sample_a"}
    upgrade(database.engine)
    with database.engine.begin() as connection:
        assert {"ix_sample_a", "ix_sample_b"} <= stat_indexes(connection)
    database.dispose()


def stat_indexes(connection: Connection) -> set[str]:
    return set(connection.scalars(text("SELECT idx FROM sqlite_stat1 WHERE idx IS NOT NULL")))
