"""Statements run by the driver itself (`db/direct.py`), beside SQLAlchemy's own execution of
them: the same rows written and read, the same errors, on both databases, in a worker thread's
unit of work and, on PostgreSQL, on the event loop's."""

import asyncio
from collections.abc import Callable, Iterator
from typing import Any, TypeVar

import pytest
from sqlalchemy import (
    JSON,
    Boolean,
    Column,
    Integer,
    MetaData,
    String,
    Table,
    exc,
    func,
    insert,
    select,
    text,
)
from sqlalchemy.orm import Session

from hookdesk.db import Database, dependencies, direct

T = TypeVar("T")

_METADATA = MetaData()
_PROBES = Table(
    "direct_probes",
    _METADATA,
    Column("id", String(8), primary_key=True),
    Column("flag", Boolean, nullable=False),
    Column("tags", JSON, nullable=True),
    Column("count", Integer, nullable=False, default=7),
    Column("note", String(20), nullable=False, default=lambda: "made"),
)
_INSERT = insert(_PROBES)
_READ = select(_PROBES.c.id, _PROBES.c.flag, _PROBES.c.tags, _PROBES.c.count).order_by(_PROBES.c.id)


@pytest.fixture
def probes(db: Database) -> Iterator[Database]:
    _METADATA.create_all(db.engine)
    try:
        yield db
    finally:
        _METADATA.drop_all(db.engine)


def _rows() -> list[dict[str, Any]]:
    return [
        {"id": "a", "flag": True, "tags": ["x", "y"], "note": "given"},
        {"id": "b", "flag": False, "tags": None, "note": "given"},
    ]


def _written_and_read(session: Session) -> tuple[list[Any], list[Any]]:
    direct.execute_many(session, _INSERT, _rows())
    return direct.execute(session, _READ, {}), [tuple(row) for row in session.execute(_READ)]


def _on_the_loop(db: Database, work: Callable[[Session], T]) -> T:
    async def route() -> T:
        try:
            return await dependencies.write(db, work)
        finally:
            if db.on_loop is not None:
                await db.on_loop.close()

    return asyncio.run(route())


@pytest.mark.parametrize("on_loop", [False, True], ids=["unit of work", "route"])
def test_rows_written_and_read_directly_are_those_sqlalchemy_writes_and_reads(
    probes: Database, on_loop: bool
) -> None:
    if on_loop:
        direct_rows, sqlalchemy_rows = _on_the_loop(probes, _written_and_read)
    else:
        with probes.write() as session:
            direct_rows, sqlalchemy_rows = _written_and_read(session)
    # Booleans and JSON through their types' processors (SQLite stores 1, 0 and text), the
    # count not given taking its default as SQLAlchemy would.
    expected = [("a", True, ["x", "y"], 7), ("b", False, None, 7)]
    assert sqlalchemy_rows == expected
    assert [tuple(row) for row in direct_rows] == expected
    assert [(row.id, row.flag, row.tags, row.count) for row in direct_rows] == expected


def test_a_default_made_at_each_insert_is_refused_rather_than_left_out(probes: Database) -> None:
    with probes.write() as session, pytest.raises(ValueError, match="note"):
        direct.execute(session, _INSERT, {"id": "c", "flag": True, "tags": None})


def test_the_drivers_errors_are_sqlalchemys_and_the_transaction_rolls_back(
    probes: Database,
) -> None:
    with probes.write() as session:
        direct.execute_many(session, _INSERT, _rows()[:1])
    with pytest.raises(exc.IntegrityError), probes.write() as session:
        direct.execute_many(session, _INSERT, _rows()[1:])
        direct.execute_many(session, _INSERT, _rows()[:1])  # "a" again
    with probes.read() as session:
        assert session.scalars(select(_PROBES.c.id)).all() == ["a"]


def _backend(session: Session) -> int:
    return int(session.scalar(text("SELECT pg_backend_pid()")) or 0)


def test_a_connection_broken_under_a_direct_statement_is_not_used_again(
    probes: Database,
) -> None:
    if probes.is_sqlite:
        pytest.skip("PostgreSQL's connections")
    killing = select(func.pg_terminate_backend(func.pg_backend_pid()))

    async def route() -> tuple[int, bool, int]:
        assert probes.on_loop is not None
        try:
            first = await dependencies.write(probes, _backend)
            with pytest.raises(exc.OperationalError) as failed:
                await dependencies.write(probes, lambda s: direct.execute(s, killing, {}))
            return (
                first,
                failed.value.connection_invalidated,
                await dependencies.write(probes, _backend),
            )
        finally:
            await probes.on_loop.close()

    first, invalidated, after = asyncio.run(route())
    assert invalidated  # by the rollback that follows the failure, which fails too
    assert after not in (first, 0)


def _pipelined(session: Session) -> tuple[bool, list[Any], list[Any]]:
    """Rows written and read in a pipelined block (whether it was one on this connection), and
    read after it."""
    with direct.pipelined(session):
        driver = session.connection().connection.driver_connection
        pipelining = bool(getattr(getattr(driver, "pgconn", None), "pipeline_status", 0))
        direct.execute_many(session, _INSERT, _rows())
        direct.execute(session, _INSERT, {"id": "c", "flag": True, "tags": [], "note": "given"})
        within = direct.execute(session, _READ, {})
    return pipelining, within, direct.execute(session, _READ, {})


@pytest.mark.parametrize("on_loop", [False, True], ids=["unit of work", "route"])
def test_a_pipelined_block_writes_and_reads_as_statements_one_by_one(
    probes: Database, on_loop: bool
) -> None:
    """Only on PostgreSQL's event loop (psycopg's asyncio connection) is it a pipeline; a read in
    it waits for the answers to the writes before it."""
    if on_loop:
        pipelining, within, after = _on_the_loop(probes, _pipelined)
    else:
        with probes.write() as session:
            pipelining, within, after = _pipelined(session)
    assert pipelining == (on_loop and not probes.is_sqlite)
    expected = [("a", True, ["x", "y"], 7), ("b", False, None, 7), ("c", True, [], 7)]
    assert [tuple(row) for row in within] == expected
    assert [tuple(row) for row in after] == expected


def test_an_error_in_a_pipelined_block_is_sqlalchemys_and_the_transaction_rolls_back(
    probes: Database,
) -> None:
    """On PostgreSQL raised at the block's end, where the answers are waited for."""
    with probes.write() as session:
        direct.execute_many(session, _INSERT, _rows()[:1])

    def twice(session: Session) -> None:
        with direct.pipelined(session):
            direct.execute_many(session, _INSERT, _rows()[1:])
            direct.execute_many(session, _INSERT, _rows()[:1])  # "a" again

    with pytest.raises(exc.IntegrityError):
        _on_the_loop(probes, twice)
    assert _on_the_loop(probes, lambda s: [row.id for row in direct.execute(s, _READ, {})]) == ["a"]


def test_sqlalchemys_own_statements_are_refused_in_a_pipelined_block(probes: Database) -> None:
    """They would read no rows of a statement whose answer has not come; the unit of work rolls
    back, and its connection serves the next."""
    if probes.is_sqlite:
        pytest.skip("on SQLite the block changes nothing")

    def mixed(session: Session) -> None:
        with direct.pipelined(session):
            direct.execute_many(session, _INSERT, _rows())
            session.execute(_READ)

    with pytest.raises(RuntimeError, match="pipelined"):
        _on_the_loop(probes, mixed)
    assert _on_the_loop(probes, lambda s: direct.execute(s, _READ, {})) == []


def test_a_snapshot_reads_as_a_unit_of_work_reads_and_sees_one_state(probes: Database) -> None:
    """SQLite's reads by the driver alone (`Database.snapshot`): the rows processed as
    SQLAlchemy reads them, all of its statements in one transaction, which a commit made
    meanwhile by another connection does not change."""
    if not probes.is_sqlite:
        pytest.skip("PostgreSQL's reads on the loop are OnLoop.fetch's")
    with probes.write() as session:
        direct.execute_many(session, _INSERT, _rows()[:1])
    with probes.snapshot() as snapshot:
        before = snapshot.fetch(_READ, {})
        with probes.write() as session:
            direct.execute_many(session, _INSERT, _rows()[1:])
        within = snapshot.fetch(_READ, {})
    with probes.snapshot() as snapshot:
        after = snapshot.fetch(_READ, {})
    assert [tuple(row) for row in before] == [("a", True, ["x", "y"], 7)]
    assert within == before and within[0].tags == ["x", "y"]
    assert [row.id for row in after] == ["a", "b"]


def test_a_snapshots_errors_are_sqlalchemys_and_its_connection_serves_the_next(
    probes: Database,
) -> None:
    if not probes.is_sqlite:
        pytest.skip("PostgreSQL's reads on the loop are OnLoop.fetch's")
    missing = select(text("id")).select_from(text("no_such_table"))
    with pytest.raises(exc.OperationalError, match="no_such_table"), probes.snapshot() as snapshot:
        snapshot.fetch(missing, {})
    with probes.snapshot() as snapshot:
        assert snapshot.fetch(_READ, {}) == []
    with probes.write() as session:  # nor is a reader left in the way of a writer
        direct.execute_many(session, _INSERT, _rows())
