"""SQLite: new tickets and replies enter the search index in batches (tickets/search_index.py),
and the index stays exactly the rows' text through changes and deletes on either side of its
mark. What a search finds either way: tests/api/test_search.py."""

import asyncio

import pytest
from sqlalchemy import event, text

from hookdesk.db import Database
from hookdesk.tickets import search_index
from tests.support.api import Api


@pytest.fixture(autouse=True)
def marks_at_zero(api: Api) -> None:
    """The marks at 0 before any ticket of the test: every row it writes is past them."""
    if not api.db.is_sqlite:
        pytest.skip("PostgreSQL's pg_trgm indexes are kept by PostgreSQL itself")
    with api.db.write() as session:
        session.execute(text("UPDATE search_marks SET indexed_to = 0"))


def matched(db: Database, name: str, phrase: str) -> int:
    """The rows of `name` the index itself holds with `phrase`."""
    fts = f"{name}_search"
    with db.read() as session:
        found = session.scalar(
            text(f"SELECT count(*) FROM {fts} WHERE {fts} MATCH :phrase"),
            {"phrase": f'"{phrase}"'},
        )
    return int(found or 0)


def marks(db: Database) -> dict[str, int]:
    with db.read() as session:
        rows = session.execute(text("SELECT name, indexed_to FROM search_marks")).all()
    return {row.name: row.indexed_to for row in rows}


def last_rowids(db: Database) -> dict[str, int]:
    with db.read() as session:
        return {
            name: int(session.scalar(text(f"SELECT max(rowid) FROM {name}")) or 0)
            for name in ("tickets", "replies")
        }


def assert_index_exact(db: Database) -> None:
    """FTS5 compares the index with the rows' text (external content), and fails if they differ."""
    with db.write() as session:
        for fts in ("tickets_search", "replies_search"):
            session.execute(text(f"INSERT INTO {fts}({fts}) VALUES ('integrity-check')"))


def test_a_batch_indexes_the_rows_past_the_mark_and_moves_it(api: Api) -> None:
    api.ticket(title="Boiler pressure low", description="The gauge reads under one bar")
    assert matched(api.db, "tickets", "boiler") == 0
    assert matched(api.db, "replies", "gauge reads") == 0

    assert search_index.catch_up(api.db) is False  # fewer than a batch: nothing more waits

    assert matched(api.db, "tickets", "boiler") == 1
    assert matched(api.db, "replies", "gauge reads") == 1
    assert marks(api.db) == last_rowids(api.db)
    assert_index_exact(api.db)


def test_a_batch_takes_at_most_its_size_and_says_more_wait(api: Api) -> None:
    for n in range(3):
        api.ticket(title=f"Ticket number {n}")
    assert search_index.catch_up(api.db, batch=2) is True
    assert matched(api.db, "tickets", "number") == 2
    assert search_index.catch_up(api.db, batch=2) is False
    assert matched(api.db, "tickets", "number") == 3
    assert_index_exact(api.db)


def test_with_nothing_past_the_marks_it_only_reads(api: Api) -> None:
    api.ticket(title="Kettle descaling")
    begun: list[str] = []

    def record(_conn: object, _cursor: object, statement: str, *_args: object) -> None:
        if statement.startswith("BEGIN"):
            begun.append(statement)

    event.listen(api.db.engine, "before_cursor_execute", record)
    try:
        assert search_index.catch_up(api.db) is False
        assert "BEGIN IMMEDIATE" in begun  # the new ticket indexed in a write
        begun.clear()
        assert search_index.catch_up(api.db) is False
    finally:
        event.remove(api.db.engine, "before_cursor_execute", record)
    assert "BEGIN IMMEDIATE" not in begun
    assert matched(api.db, "tickets", "kettle") == 1


def test_changes_and_deletes_on_both_sides_of_the_mark_keep_the_index_exact(api: Api) -> None:
    indexed = api.ticket(title="Old indexed title")
    dropped = api.ticket(title="Indexed then deleted")
    search_index.catch_up(api.db)
    waiting = api.ticket(title="Old waiting title")
    gone = api.ticket(title="Waiting then deleted")
    with api.db.write() as session:
        rename = text("UPDATE tickets SET title = :title WHERE id = :id")
        session.execute(rename, {"title": "New indexed title", "id": indexed["id"]})
        session.execute(rename, {"title": "New waiting title", "id": waiting["id"]})
        for ticket in (dropped, gone):
            session.execute(text("DELETE FROM tickets WHERE id = :id"), {"id": ticket["id"]})

    assert matched(api.db, "tickets", "new indexed") == 1  # by its trigger, at once
    assert matched(api.db, "tickets", "old indexed") == 0
    assert matched(api.db, "tickets", "then deleted") == 0
    search_index.catch_up(api.db)
    assert matched(api.db, "tickets", "new waiting") == 1
    assert matched(api.db, "tickets", "old waiting") == 0
    assert matched(api.db, "tickets", "then deleted") == 0
    assert_index_exact(api.db)


def test_a_rowid_used_again_under_the_mark_is_indexed_at_once(api: Api) -> None:
    api.ticket(title="First ticket")
    last = api.ticket(title="Last ticket")
    search_index.catch_up(api.db)
    with api.db.write() as session:
        session.execute(text("DELETE FROM tickets WHERE id = :id"), {"id": last["id"]})
    api.ticket(title="Reused rowid")  # SQLite gives the next row the deleted last rowid

    assert last_rowids(api.db)["tickets"] <= marks(api.db)["tickets"]
    assert matched(api.db, "tickets", "reused rowid") == 1
    assert_index_exact(api.db)


def test_the_background_task_indexes_new_rows_until_stopped(api: Api) -> None:
    api.ticket(title="Found by the task")

    async def index_then_stop() -> None:
        stop = asyncio.Event()
        task = asyncio.create_task(search_index.index_periodically(api.db, stop))
        while marks(api.db) != last_rowids(api.db):
            await asyncio.sleep(0.01)
        stop.set()
        await task

    asyncio.run(asyncio.wait_for(index_then_stop(), 30))
    assert matched(api.db, "tickets", "found by the task") == 1
    assert_index_exact(api.db)
