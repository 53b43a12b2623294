"""Hot statements run by the database's driver itself, in the caller's unit of work: a ticket
create's, on SQLite the three parts of a ticket retrieved or listed (tickets/views.py), and the
dispatcher's claims and records of webhook deliveries (webhooks/dispatch/: claim.py, lease.py,
record.py, health.py).

A ticket create runs eight statements. SQLAlchemy's execution of one, compiled and cached
already, still walks it for its cache key, builds an execution context, fires its events and
wraps its cursor in a result; on PostgreSQL on the event loop, its asyncio adapter adds a
greenlet hop for the execute and one for the fetch. `execute` runs the statement's SQL, made
once per database and parameter names (`compiled`), on the unit of work's own connection: the
same transaction, with one hop on the loop. On PostgreSQL each statement is also a round trip,
most of a statement's CPU in psycopg's asyncio connection: a create's inserts, its event and
notifications are sent in a `pipelined` block, whose answers are waited for only where rows are
read (the event's number) and at its end. A create on the event loop (no files) runs in a
`Transaction`, on PostgreSQL a `Pipelined` one: the unit of work itself is the driver's too,
with no Session around it. So does a dispatcher's claim on SQLite, on the loop or on a worker
thread (`Database.awaited_directly`).

What SQLAlchemy would have done that still matters is done here:
- each parameter goes through its type's bind processor, each column read through its result
  processor (booleans and JSON on SQLite);
- the driver's errors are raised as SQLAlchemy's (`DBAPIError.instance`), so the error handler
  maps them as before (a lost database: 503).

What it would have done that does not: a column's Python-side default made by a function at
each insert is not made, so such a column is given (`compiled` refuses a statement that would
need one); a default that is a value is written into the statement's constants.
"""

import collections
import contextlib
import functools
import sqlite3
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from typing import Any, NamedTuple

from sqlalchemy import Connection, event, exc
from sqlalchemy.dialects.postgresql.psycopg import PGDialect_psycopg
from sqlalchemy.dialects.sqlite.pysqlite import SQLiteDialect_pysqlite
from sqlalchemy.engine.interfaces import AdaptedConnection, Dialect
from sqlalchemy.orm import Session
from sqlalchemy.sql import ClauseElement
from sqlalchemy.sql.compiler import SQLCompiler
from sqlalchemy.types import TypeEngine
from sqlalchemy.util import await_only

Parameters = Mapping[str, Any]
Fetch = Callable[[ClauseElement, Parameters], list[Any]]
"""A statement's rows in one unit of work: `execute` bound to a session, or `Snapshot.fetch`."""
Process = Callable[[Any], Any]
Read = Callable[[Sequence[Any]], tuple[Any, ...]]

# Both bind by name (`%(name)s`, `:name`), so that a statement's parameters stay a mapping.
_DIALECTS: dict[str, Dialect] = {
    "postgresql": PGDialect_psycopg(),  # type: ignore[no-untyped-call]
    "sqlite": SQLiteDialect_pysqlite(paramstyle="named"),
}


class Sql(NamedTuple):
    """A statement's SQL for one database, with its parameters bound by name; the values of
    those the statement binds itself (`x || ''`), processed; the processors of the parameters
    given at each run whose type has one; the types of the columns it reads, and their
    processing by the types the driver names (`readers`, made at the first read)."""

    text: str
    dialect: Dialect
    constants: dict[str, Any]
    processors: tuple[tuple[str, Process], ...]
    columns: tuple[TypeEngine[Any], ...]
    named: Callable[[Iterable[Any]], tuple[Any, ...]]
    readers: dict[tuple[Any, ...], Read]

    def bound(self, parameters: Parameters) -> dict[str, Any]:
        bound = {**self.constants, **parameters}
        for name, process in self.processors:
            bound[name] = process(bound[name])
        return bound

    def rows(self, rows: Sequence[Sequence[Any]], description: Sequence[Any]) -> list[Any]:
        """Rows as the driver read them (`description`: its cursor's), their columns
        processed, named as the statement names them."""
        if not rows:
            return []
        # SQLAlchemy's processor of a number depends on the type the driver read (psycopg
        # names it; sqlite3 does not).
        named_types = tuple(column[1] for column in description)
        read = self.readers.get(named_types)
        if read is None:
            read = self.readers[named_types] = _reader(self, named_types)
        return list(map(read, rows))


def _reader(sql: Sql, named_types: tuple[Any, ...]) -> Read:
    """A row of `sql` as the driver read it, with these types, to a named tuple: through the
    processors of the columns that have one, the others as they are (most columns, whose
    processing per value would cost more than the rest of the row's)."""
    dialect = sql.dialect
    processors = [
        (position, process)
        for position, (column, named) in enumerate(zip(sql.columns, named_types, strict=True))
        if (process := column.dialect_impl(dialect).result_processor(dialect, named)) is not None
    ]
    if not processors:
        return sql.named

    def read(row: Sequence[Any]) -> tuple[Any, ...]:
        values = list(row)
        for position, process in processors:
            values[position] = process(values[position])
        return sql.named(values)

    return read


@functools.cache
def compiled(
    statement: ClauseElement, database: str = "postgresql", keys: tuple[str, ...] = ()
) -> Sql:
    """`statement`'s SQL on `database` ("postgresql" or "sqlite"), made once; `keys`: the
    parameters an insert is given (its columns), where the statement does not name them."""
    dialect = _DIALECTS[database]
    made = statement.compile(dialect=dialect, column_keys=list(keys))
    assert isinstance(made, SQLCompiler)
    constants: dict[str, Any] = {}
    processors = []
    for bind in made.binds.values():
        name = made.bind_names[bind]
        process = bind.type.dialect_impl(dialect).bind_processor(dialect)
        if not bind.required:
            constants[name] = bind.value if process is None else process(bind.value)
        elif process is not None:
            processors.append((name, process))
    for column in (*made.insert_prefetch, *made.update_prefetch):
        # A column not given whose Python-side default is a value takes it, as SQLAlchemy
        # would; one made by a function at each insert is not made here.
        if column.default is None or not column.default.is_scalar:
            raise ValueError(f"{column.key}: its default is made at each insert; give it")
        process = column.type.dialect_impl(dialect).bind_processor(dialect)
        value = column.default.arg  # type: ignore[attr-defined]
        constants[column.key] = value if process is None else process(value)
    read = tuple(getattr(statement, "exported_columns", ()))
    named: Any = collections.namedtuple("Row", [c.key for c in read], rename=True)  # type: ignore[misc]
    columns = tuple(c.type for c in read)
    return Sql(str(made), dialect, constants, tuple(processors), columns, named._make, {})


def execute(unit: "Unit", statement: ClauseElement, parameters: Parameters) -> list[Any]:
    """Runs `statement` once in `unit`'s transaction; the rows it returns, if any, as
    named tuples (`row.title`, `row[0]`)."""
    if isinstance(unit, Transaction):
        return unit.fetch(statement, parameters)
    return _run(unit.connection(), statement, [parameters], many=False)


def execute_many(unit: "Unit", statement: ClauseElement, rows: Sequence[Parameters]) -> None:
    """Runs `statement` (an insert) once per item of `rows`, in `unit`'s transaction."""
    if not rows:
        return
    if isinstance(unit, Transaction):
        unit.execute_many(statement, rows)
        return
    _run(unit.connection(), statement, rows, many=True)


def flush(unit: "Unit") -> None:
    """A Session's pending ORM rows written, so that the statements run next by the driver see
    them (a client added by received mail, then its ticket); a `Transaction` holds none."""
    if isinstance(unit, Session):
        unit.flush()


@contextlib.contextmanager
def pipelined(session: "Unit") -> Iterator[None]:
    """On PostgreSQL, the statements `execute` and `execute_many` run in the block are sent
    without waiting for their answers (psycopg's pipeline mode): a statement whose rows are
    read waits for the answers to all sent before it, and the block's end for the rest. A
    ticket create's inserts cost a round trip or two rather than one each. An error of one of
    them is raised where the wait is, later than the statement. On SQLite, where a statement is
    a call into the library, the block changes nothing.

    Only `direct`'s statements may run in the block: SQLAlchemy's own execution would read no
    rows of a statement whose answer has not come, so it is refused there."""
    if isinstance(session, Transaction):  # SQLite's
        yield
        return
    connection = session.connection()
    dbapi_connection = connection.connection.dbapi_connection
    if not isinstance(dbapi_connection, AdaptedConnection):
        yield
        return
    driver = dbapi_connection.driver_connection
    pipeline = driver.pipeline()
    dbapi_connection.run_async(lambda _driver: pipeline.__aenter__())
    event.listen(connection, "before_cursor_execute", _refused)
    try:
        yield
    except BaseException:
        # Out of pipeline mode for the rollback. The error to raise is the block's own, not
        # one that the answers still to come may hold (a pipeline aborted by it).
        try:
            dbapi_connection.run_async(lambda _driver: pipeline.__aexit__(None, None, None))
        except BaseException:
            if driver.pgconn.pipeline_status:  # still in it: never handed out again
                connection.invalidate()
        raise
    else:
        try:
            dbapi_connection.run_async(lambda _driver: pipeline.__aexit__(None, None, None))
        except connection.dialect.loaded_dbapi.Error as error:
            raise translated(connection.dialect, "(the answers of a pipeline)", error) from error
    finally:
        event.remove(connection, "before_cursor_execute", _refused)


class Snapshot:
    """SQLite: one read transaction on a connection of the engine's pool, its statements run by
    sqlite3 alone (`fetch`), for the hottest reads on the event loop (a ticket retrieved, a
    quick page of the list). A Session's unit of work around the same statements cost about
    100 µs more (its transaction, the Connection, their events, BEGIN through SQLAlchemy): an
    eighth of a retrieve's CPU. Made by `Database.snapshot`."""

    def __init__(self, dialect: Dialect, driver: Any) -> None:
        self.dialect = dialect
        self._driver = driver

    def fetch(self, statement: ClauseElement, parameters: Parameters) -> list[Any]:
        """The rows of `statement`, as `execute` returns them: named, their columns processed.
        A failure is SQLAlchemy's error, as `execute` raises it."""
        sql = compiled(statement, self.dialect.name, tuple(parameters))
        return self._rows(sql, [sql.bound(parameters)], many=False)

    def run(self, text: str, bound: list[dict[str, Any]], *, many: bool = False) -> Any:
        """`text` run by the driver, `bound` its sets of parameters (one, or none; each a row
        of an insert when `many`): its rows and their description."""
        try:
            return _called(self._driver, text, bound or [{}], many)
        except sqlite3.Error as error:
            raise _translated(self.dialect, text, bound or [{}], error) from error

    def _rows(self, sql: Sql, bound: list[dict[str, Any]], *, many: bool) -> list[Any]:
        rows, description = self.run(sql.text, bound, many=many)
        return sql.rows(rows, description)


class Transaction(Snapshot):
    """SQLite: one write transaction on a connection of the engine's pool, its statements run by
    sqlite3 alone, for a ticket create on the event loop: its statements are `execute`'s
    already, and a Session's unit of work around them (the Session, its transaction, the
    Connection, their events, BEGIN IMMEDIATE through SQLAlchemy, the commit's bookkeeping and
    the connection's return) was a quarter of the create's samples; and for the dispatcher's
    claims (`Database.awaited_directly`), on the loop or on a worker thread. `info` holds the
    wake-up requested (`db/wakeup.py`), as a Session's does. Made by
    `Database.transaction_at_once` and `transaction_directly`; on PostgreSQL, `Pipelined`."""

    def __init__(self, dialect: Dialect, driver: Any) -> None:
        super().__init__(dialect, driver)
        self.info: dict[str, Any] = {}

    def execute_many(self, statement: ClauseElement, rows: Sequence[Parameters]) -> None:
        """Runs `statement` (an insert) once per item of `rows`."""
        sql = compiled(statement, self.dialect.name, tuple(rows[0]))
        self._rows(sql, [sql.bound(row) for row in rows], many=True)


class Pipelined(Transaction):
    """PostgreSQL: one write transaction on a connection of the event loop's pool, its
    statements run by psycopg's asyncio connection alone, in pipeline mode from its BEGIN to its
    COMMIT: a statement whose rows are read waits for the answers to all sent before it, the
    others are sent without waiting, the COMMIT with them (`OnLoop.write_directly`, which runs
    the work in a greenlet, whence each statement is awaited). A ticket create's Session, its
    AsyncSession and their transactions cost about a tenth of its CPU, and its BEGIN and COMMIT
    a round trip each."""

    def run(self, text: str, bound: list[dict[str, Any]], *, many: bool = False) -> Any:
        return self._awaited(text, bound, reads=False)

    def _rows(self, sql: Sql, bound: list[dict[str, Any]], *, many: bool) -> list[Any]:
        rows, description = self._awaited(sql.text, bound, reads=bool(sql.columns))
        return sql.rows(rows, description)

    def _awaited(self, text: str, bound: list[dict[str, Any]], *, reads: bool) -> Any:
        try:
            return await_only(_queued(self._driver, text, bound or [{}], reads))
        except self.dialect.loaded_dbapi.Error as error:
            raise _translated(self.dialect, text, bound or [{}], error) from error


Unit = Session | Transaction
"""A unit of work `execute` runs statements in: a Session's, or the driver's own."""


def _refused(*_args: Any) -> None:
    raise RuntimeError("only db/direct.py's statements may run in a pipelined block")


def _run(
    connection: Connection, statement: ClauseElement, given: Sequence[Parameters], *, many: bool
) -> list[Any]:
    dialect = connection.dialect
    sql = compiled(statement, dialect.name, tuple(given[0]))
    bound = [sql.bound(parameters) for parameters in given]
    dbapi_connection = connection.connection.dbapi_connection
    try:
        if isinstance(dbapi_connection, AdaptedConnection):  # psycopg's asyncio connection
            reads = bool(sql.columns)
            rows, description = dbapi_connection.run_async(
                lambda driver: _awaited(driver, sql.text, bound, many, reads)
            )
        else:
            rows, description = _called(dbapi_connection, sql.text, bound, many)
    except dialect.loaded_dbapi.Error as error:
        raise _translated(dialect, sql.text, bound, error) from error
    return sql.rows(rows, description)


def _called(dbapi_connection: Any, text: str, bound: list[dict[str, Any]], many: bool) -> Any:
    cursor = dbapi_connection.cursor()
    try:
        if many:
            cursor.executemany(text, bound)
            return [], ()
        cursor.execute(text, bound[0])
        return (cursor.fetchall(), cursor.description) if cursor.description else ([], ())
    finally:
        cursor.close()


async def _awaited(
    driver: Any, text: str, bound: list[dict[str, Any]], many: bool, reads: bool
) -> Any:
    if driver.pgconn.pipeline_status:  # in a `pipelined` block
        return await _queued(driver, text, bound, reads)
    async with driver.cursor() as cursor:
        if many:
            await cursor.executemany(text, bound)
            return [], ()
        await cursor.execute(text, bound[0])
        if not cursor.description:
            return [], ()
        return await cursor.fetchall(), cursor.description


async def _queued(driver: Any, text: str, bound: list[dict[str, Any]], reads: bool) -> Any:
    """Sent in pipeline mode: each row of an insert as a statement of its own (psycopg's
    `executemany` would wait for its answers), the rows, when the statement reads any, waited
    for."""
    for parameters in bound:
        cursor = driver.cursor()
        await cursor.execute(text, parameters)
    if not reads:
        return [], ()
    return await cursor.fetchall(), cursor.description


def translated(dialect: Dialect, text: str, error: Any) -> exc.StatementError:
    """The driver's `error`, raised by `text` with no parameters or at the end of a pipeline,
    as SQLAlchemy would have raised it."""
    return _translated(dialect, text, [{}], error)


def _translated(
    dialect: Dialect, text: str, bound: list[dict[str, Any]], error: Any
) -> exc.StatementError:
    """The driver's `error` as SQLAlchemy would have raised it. A connection it broke (a restart,
    a lost server) fails the unit of work's rollback too, which SQLAlchemy's pool takes as lost:
    it is closed, never handed out again."""
    translated: exc.StatementError = exc.DBAPIError.instance(
        text,
        bound if len(bound) > 1 else bound[0],
        error,
        dialect.loaded_dbapi.Error,
        hide_parameters=True,
        dialect=dialect,
    )
    return translated
