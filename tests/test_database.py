"""The unit of work on a real PostgreSQL: a connection the server closed is never handed to a
request, and a read-only unit of work runs each statement in a transaction of its own; and where a
route's read runs: on PostgreSQL, on the event loop, whose connections are set up and replaced as
the threads' are."""

import asyncio
import sqlite3
import threading
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any, TypeVar

import psycopg
import pytest
from sqlalchemy import (
    Boolean,
    Integer,
    bindparam,
    column,
    event,
    exc,
    func,
    literal_column,
    select,
    text,
)
from sqlalchemy.orm import Session
from sqlalchemy.pool import Pool, QueuePool

from hookdesk.config import Settings
from hookdesk.db import Database, dependencies, direct
from hookdesk.db.database import (
    OTHER_CLIENTS,
    POOL_SIZE,
    connections_at_peak,
    fitted_pool_size,
)
from hookdesk.db.on_loop import OnLoop
from hookdesk.db.wakeup import Wake, request_wakeup
from tests.support.waiting import wait_until

T = TypeVar("T")


@pytest.fixture
def postgresql(db: Database) -> Database:
    if db.is_sqlite:
        pytest.skip("PostgreSQL's connections and transactions")
    return db


def backend_of(db: Database) -> int:
    with db.read() as session:
        return int(session.scalar(text("SELECT pg_backend_pid()")) or 0)


def is_running(db: Database, pid: int) -> bool:
    with db.read() as session:
        found = session.scalar(
            text("SELECT 1 FROM pg_stat_activity WHERE pid = :pid"), {"pid": pid}
        )
        return found is not None


def test_a_connection_the_server_closed_is_replaced_before_it_is_used(
    postgresql: Database,
) -> None:
    own = Database(postgresql.url)  # its pool holds one connection: the next read takes it
    try:
        closed = backend_of(own)
        with postgresql.write() as session:
            ended = session.scalar(text("SELECT pg_terminate_backend(:pid)"), {"pid": closed})
        assert ended
        # pg_terminate_backend only signals: the backend tells its client once it acts on it.
        wait_until(lambda: not is_running(postgresql, closed), what="the backend to end")
        # Unnoticed, the closed connection would fail this read with an OperationalError.
        assert backend_of(own) not in (closed, 0)
        with own.write() as session:
            assert session.scalar(text("SELECT 1")) == 1
    finally:
        own.dispose()


def test_a_connection_with_something_to_read_is_taken_when_it_answers(
    postgresql: Database,
) -> None:
    own = Database(postgresql.url)
    try:
        with own.read() as session:
            session.execute(text("LISTEN reqpath_test"))
            listening = int(session.scalar(text("SELECT pg_backend_pid()")) or 0)
        with postgresql.write() as session:
            session.execute(text("NOTIFY reqpath_test"))
        # The notification waits on the idle connection's socket: pinged, it is kept.
        assert backend_of(own) == listening
    finally:
        own.dispose()


def test_a_read_only_unit_of_work_begins_no_transaction(postgresql: Database) -> None:
    with postgresql.read() as session:
        session.execute(text("SELECT pg_sleep(0.001)"))
        # In a transaction, now() would be when the first statement began.
        assert session.scalar(text("SELECT now() = statement_timestamp()"))


def test_a_write_unit_of_work_is_one_transaction(postgresql: Database) -> None:
    with postgresql.write() as session:
        session.execute(text("SELECT pg_sleep(0.001)"))
        assert not session.scalar(text("SELECT now() = statement_timestamp()"))


@pytest.mark.parametrize("quick", [True, False])
def test_a_route_reads_on_the_loop_on_postgresql_and_a_quick_read_on_sqlite(
    db: Database, quick: bool
) -> None:
    def work(session: Session) -> tuple[int, int]:
        return threading.get_ident(), int(session.scalar(text("SELECT 1")) or 0)

    async def route() -> tuple[int, tuple[int, int]]:
        try:
            return threading.get_ident(), await dependencies.read(db, work, quick=quick)
        finally:
            if db.on_loop is not None:
                await db.on_loop.close()

    loop_thread, (read_thread, one) = asyncio.run(route())
    assert one == 1
    assert (read_thread == loop_thread) is (quick or not db.is_sqlite)


Writes = Callable[[Database, Callable[[Any], T]], Awaitable[T]]


# A route's write through a Session's unit of work, or through the driver's own transaction (a
# ticket create's).
@pytest.fixture(params=["session", "directly"])
def writes(request: pytest.FixtureRequest) -> Writes[Any]:
    return dependencies.write if request.param == "session" else dependencies.write_directly


_PROBE = text("CREATE TABLE IF NOT EXISTS probe_writes (x INTEGER PRIMARY KEY)")
_PROBE_ROW = text("INSERT INTO probe_writes VALUES (:x)")
_SYNCHRONOUS = text("PRAGMA synchronous").columns(column("synchronous", Integer))


def test_a_route_writes_in_one_transaction_on_the_loop_and_wakes_its_listeners(
    db: Database, writes: Writes[Any]
) -> None:
    woken: list[int] = []

    def listener(_events: Wake) -> None:
        woken.append(threading.get_ident())

    db.add_wakeup_listener(listener, Wake.EVENTS)

    def work(session: direct.Unit) -> int:
        request_wakeup(session, Wake.EVENTS)
        return threading.get_ident()

    def failing(session: direct.Unit) -> None:
        request_wakeup(session, Wake.EVENTS)
        raise RuntimeError("rolled back")

    async def route() -> tuple[int, int]:
        try:
            wrote_in = await writes(db, work)
            with pytest.raises(RuntimeError, match="rolled back"):
                await writes(db, failing)
            return threading.get_ident(), wrote_in
        finally:
            if db.on_loop is not None:
                await db.on_loop.close()

    try:
        loop_thread, wrote_in = asyncio.run(route())
    finally:
        db.remove_wakeup_listener(listener)
    assert wrote_in == loop_thread  # on SQLite too, when no other writer holds the lock
    assert woken == [wrote_in]  # once, from the commit; the rolled back one woke no one


@pytest.fixture
def sqlite(db: Database) -> Database:
    if not db.is_sqlite:
        pytest.skip("SQLite's one writer")
    return db


def _written_in(
    db: Database, other_writer: Callable[[], Callable[[], None]], writes: Writes[int]
) -> tuple[int, int]:
    """The loop's thread, and the one a route's write ran in while `other_writer` (started on
    the loop, its end returned) held a write lock until the loop ended it, at its next turn."""
    written: list[str] = []

    def work(session: direct.Unit) -> int:
        direct.execute(session, _PROBE, {})
        direct.execute(session, _PROBE_ROW, {"x": 1})
        written.append("written")
        return threading.get_ident()

    async def route() -> tuple[int, int]:
        end = other_writer()

        def ended() -> None:
            written.append("ended")
            end()

        # Ended by the loop: a write that waited for the lock on the loop could never see it.
        asyncio.get_running_loop().call_soon(ended)
        return threading.get_ident(), await writes(db, work)

    try:
        loop_thread, wrote_in = asyncio.run(route())
        with db.read() as session:
            kept = session.scalar(text("SELECT count(*) FROM probe_writes"))
    finally:
        with db.write() as session:  # no table of the tests' own outlives them
            session.execute(text("DROP TABLE IF EXISTS probe_writes"))
    assert written == ["ended", "written"]
    assert kept == 1
    return loop_thread, wrote_in


def _another_thread_writing(db: Database) -> Callable[[], Callable[[], None]]:
    def other_writer() -> Callable[[], None]:
        holding = db.write()
        holding.__enter__()  # the process's write lock, and the database's

        def end() -> None:
            holding.__exit__(None, None, None)

        return end

    return other_writer


def test_a_route_writes_on_the_loop_once_another_writer_of_its_process_is_done(
    sqlite: Database, writes: Writes[int]
) -> None:
    # Done at the loop's next turn, before the first pause ends: the write asked again.
    loop_thread, wrote_in = _written_in(sqlite, _another_thread_writing(sqlite), writes)
    assert wrote_in == loop_thread


def test_a_route_writes_in_a_thread_when_another_writer_of_its_process_goes_on(
    sqlite: Database, monkeypatch: pytest.MonkeyPatch, writes: Writes[int]
) -> None:
    monkeypatch.setattr(dependencies, "AT_ONCE_PAUSES", ())  # its pauses all spent
    loop_thread, wrote_in = _written_in(sqlite, _another_thread_writing(sqlite), writes)
    assert wrote_in != loop_thread


def test_a_route_writes_in_a_thread_while_another_process_writes(
    sqlite: Database, monkeypatch: pytest.MonkeyPatch, writes: Writes[int]
) -> None:
    monkeypatch.setattr(dependencies, "AT_ONCE_PAUSES", ())
    path = sqlite.engine.url.database
    assert path is not None

    def other_writer() -> Callable[[], None]:
        other = sqlite3.connect(path, isolation_level=None, check_same_thread=False)
        other.execute("BEGIN IMMEDIATE")  # the database's write lock only

        def end() -> None:
            other.execute("COMMIT")
            other.close()

        return end

    loop_thread, wrote_in = _written_in(sqlite, other_writer, writes)
    assert wrote_in != loop_thread


def test_the_drivers_own_write_rolls_back_on_failure_and_commits_durably(
    sqlite: Database,
) -> None:
    def failing(unit: direct.Unit) -> None:
        direct.execute(unit, _PROBE, {})
        raise RuntimeError("rolled back")

    def probed(unit: direct.Unit) -> int:
        direct.execute(unit, _PROBE, {})
        direct.execute(unit, _PROBE_ROW, {"x": 1})
        return int(direct.execute(unit, _SYNCHRONOUS, {})[0][0])

    def hasty(session: Session) -> None:
        session.execute(text("SELECT 1"))

    async def route() -> int:
        with pytest.raises(RuntimeError, match="rolled back"):
            await dependencies.write_directly(sqlite, failing)
        # A claim's transaction leaves its connection NORMAL; the next to take it is made FULL
        # again before it begins (the pool gives back the connection returned last).
        await sqlite.awaited(hasty, durable=False)
        return await dependencies.write_directly(sqlite, probed)

    try:
        synchronous = asyncio.run(route())
        with sqlite.read() as session:
            kept = session.scalar(text("SELECT count(*) FROM probe_writes"))
    finally:
        with sqlite.write() as session:
            session.execute(text("DROP TABLE IF EXISTS probe_writes"))
    assert synchronous == 2  # FULL
    assert kept == 1


def test_the_dispatchers_unit_of_work_runs_on_the_loop_with_its_durability(
    sqlite: Database,
) -> None:
    def work(session: Session) -> tuple[int, int]:
        synchronous = session.execute(text("PRAGMA synchronous")).scalar_one()
        return threading.get_ident(), synchronous

    async def dispatcher() -> tuple[int, tuple[int, int], tuple[int, int]]:
        durable = await sqlite.awaited(work)
        hasty = await sqlite.awaited(work, durable=False)
        return threading.get_ident(), durable, hasty

    loop_thread, durable, hasty = asyncio.run(dispatcher())
    assert durable == (loop_thread, 2)  # FULL: its commit waits for the disk
    assert hasty == (loop_thread, 1)  # NORMAL (a claim): it does not


def test_the_dispatchers_unit_of_work_waits_in_a_thread_while_another_writer_goes_on(
    sqlite: Database,
) -> None:
    end = _another_thread_writing(sqlite)()

    def work(session: Session) -> int:
        session.execute(text("CREATE TABLE IF NOT EXISTS probe_writes (x INTEGER)"))
        return threading.get_ident()

    async def dispatcher() -> tuple[int, int]:
        # Ended by the loop: a unit of work that waited for the lock on the loop never would.
        asyncio.get_running_loop().call_soon(end)
        return threading.get_ident(), await sqlite.awaited(work)

    try:
        loop_thread, wrote_in = asyncio.run(dispatcher())
    finally:
        with sqlite.write() as session:
            session.execute(text("DROP TABLE IF EXISTS probe_writes"))
    assert wrote_in != loop_thread


def test_the_dispatchers_direct_unit_of_work_is_the_drivers_own_with_its_durability(
    sqlite: Database,
) -> None:
    def work(unit: direct.Unit) -> tuple[int, int, bool]:
        synchronous = int(direct.execute(unit, _SYNCHRONOUS, {})[0][0])
        return threading.get_ident(), synchronous, isinstance(unit, direct.Transaction)

    async def dispatcher() -> list[tuple[int, int, bool]]:
        return [
            (threading.get_ident(), 0, False),
            await sqlite.awaited_directly(work, durable=False),
            await sqlite.awaited_directly(work, durable=False, at_once=False),
            await sqlite.awaited_directly(work, at_once=False),
            await sqlite.awaited_directly(work),
        ]

    (loop_thread, *_), hasty, hasty_in_a_thread, durable_in_a_thread, durable = asyncio.run(
        dispatcher()
    )
    assert hasty == (loop_thread, 1, True)  # NORMAL (a claim): its commit waits for no disk
    assert hasty_in_a_thread[1:] == (1, True) and hasty_in_a_thread[0] != loop_thread
    # The connection a claim left NORMAL is made FULL again for the next durable transaction.
    assert durable_in_a_thread[1:] == (2, True) and durable_in_a_thread[0] != loop_thread
    assert durable == (loop_thread, 2, True)


def test_the_dispatchers_direct_unit_of_work_waits_in_a_thread_and_commits_whole_or_not_at_all(
    sqlite: Database,
) -> None:
    end = _another_thread_writing(sqlite)()

    def work(unit: direct.Unit) -> int:
        direct.execute(unit, _PROBE, {})
        direct.execute(unit, _PROBE_ROW, {"x": 1})
        return threading.get_ident()

    def failing(unit: direct.Unit) -> None:
        direct.execute(unit, _PROBE_ROW, {"x": 2})
        raise RuntimeError("rolled back")

    async def dispatcher() -> tuple[int, int]:
        # Ended by the loop: a unit of work that waited for the lock on the loop never would.
        asyncio.get_running_loop().call_soon(end)
        wrote_in = await sqlite.awaited_directly(work, durable=False)
        with pytest.raises(RuntimeError, match="rolled back"):
            await sqlite.awaited_directly(failing, durable=False, at_once=False)
        return threading.get_ident(), wrote_in

    try:
        loop_thread, wrote_in = asyncio.run(dispatcher())
        with sqlite.read() as session:
            kept = session.scalars(text("SELECT x FROM probe_writes")).all()
    finally:
        with sqlite.write() as session:  # and the write lock was given back after the failure
            session.execute(text("DROP TABLE IF EXISTS probe_writes"))
    assert wrote_in != loop_thread
    assert kept == [1]


_SYNCHRONOUS_COMMIT = text("SELECT current_setting('synchronous_commit') AS setting").columns(
    column("setting")
)


def test_the_dispatchers_direct_unit_of_work_on_postgresql_is_pipelined_with_its_durability(
    postgresql: Database,
) -> None:
    def work(unit: direct.Unit) -> tuple[bool, str]:
        [(setting,)] = direct.execute(unit, _SYNCHRONOUS_COMMIT, {})
        return isinstance(unit, direct.Pipelined), setting

    async def dispatcher() -> list[tuple[bool, str]]:
        try:
            return [
                await postgresql.awaited_directly(work, durable=False),
                await postgresql.awaited_directly(work),
            ]
        finally:
            await on_loop_of(postgresql).close()

    hasty, durable = asyncio.run(dispatcher())
    assert hasty == (True, "off")  # a claim: its commit waits for no disk
    assert durable == (True, "on")  # SET LOCAL: the connection's next transaction is durable


def test_a_write_on_the_loop_is_one_transaction(postgresql: Database) -> None:
    def work(session: Session) -> bool:
        session.execute(text("SELECT pg_sleep(0.001)"))
        return bool(session.scalar(text("SELECT now() = statement_timestamp()")))

    async def route() -> bool:
        try:
            return await dependencies.write(postgresql, work)
        finally:
            await on_loop_of(postgresql).close()

    assert asyncio.run(route()) is False


_PROBES = text("SELECT count(*) FROM probe_writes").columns(column("count", Integer))
_ONE_TRANSACTION = text("SELECT now() = statement_timestamp() AS same").columns(
    column("same", Boolean)
)
_IN_TRANSACTION = text("SELECT pg_current_xact_id_if_assigned() IS NOT NULL AS xact").columns(
    column("xact", Boolean)
)


def test_a_direct_write_on_the_loop_is_one_transaction_that_commits_whole_or_not_at_all(
    postgresql: Database,
) -> None:
    """`write_directly` on PostgreSQL: one transaction in pipeline mode, its BEGIN and COMMIT
    sent with its statements; what a failure leaves (of the work, or of a statement whose answer
    comes only at the end) is rolled back, and the connection serves the next."""
    with postgresql.write() as session:
        session.execute(_PROBE)

    def work(unit: direct.Unit) -> tuple[bool, int]:
        direct.execute(unit, _PROBE_ROW, {"x": 1})
        direct.execute(unit, text("SELECT pg_sleep(0.001)"), {})
        [(same,)] = direct.execute(unit, _ONE_TRANSACTION, {})
        [(count,)] = direct.execute(unit, _PROBES, {})
        return same, count

    def failing(unit: direct.Unit) -> None:
        direct.execute(unit, _PROBE_ROW, {"x": 2})
        raise RuntimeError("rolled back")

    def conflicting(unit: direct.Unit) -> None:
        direct.execute(unit, _PROBE_ROW, {"x": 3})
        direct.execute(unit, _PROBE_ROW, {"x": 1})  # its answer, an error, comes at the end

    def written(unit: direct.Unit) -> tuple[int, bool]:
        [(count,)] = direct.execute(unit, _PROBES, {})
        [(xact,)] = direct.execute(unit, _IN_TRANSACTION, {})
        return count, xact

    async def route() -> tuple[tuple[bool, int], type[BaseException], tuple[int, bool]]:
        try:
            first = await dependencies.write_directly(postgresql, work)
            with pytest.raises(RuntimeError, match="rolled back"):
                await dependencies.write_directly(postgresql, failing)
            with pytest.raises(exc.IntegrityError) as refused:
                await dependencies.write_directly(postgresql, conflicting)
            return first, refused.type, await on_loop_of(postgresql).write_directly(written)
        finally:
            await on_loop_of(postgresql).close()

    try:
        (same, count), refused, (kept, began) = asyncio.run(route())
    finally:
        with postgresql.write() as session:
            session.execute(text("DROP TABLE IF EXISTS probe_writes"))
    assert same is False  # a later statement of the transaction that began with the first
    assert count == 1
    assert issubclass(refused, exc.IntegrityError)  # SQLAlchemy's, as the error handler maps
    assert kept == 1  # neither the failed work's row nor the refused transaction's first
    assert began is False  # reading assigns no transaction id: nothing left of the others


def test_a_direct_write_whose_connection_breaks_fails_and_the_next_takes_another(
    postgresql: Database,
) -> None:
    killing = select(func.pg_terminate_backend(func.pg_backend_pid()))

    def work(unit: direct.Unit) -> int:
        return int(direct.execute(unit, _BACKEND, {})[0][0])

    def killed(unit: direct.Unit) -> None:
        direct.execute(unit, killing, {})

    async def route() -> tuple[int, type[BaseException], int]:
        try:
            first = await dependencies.write_directly(postgresql, work)
            with pytest.raises(exc.OperationalError) as failed:
                await dependencies.write_directly(postgresql, killed)
            return first, failed.type, await dependencies.write_directly(postgresql, work)
        finally:
            await on_loop_of(postgresql).close()

    first, failure, after = asyncio.run(route())
    assert issubclass(failure, exc.OperationalError)  # a lost database: 503
    assert after not in (first, 0)


def on_loop_of(db: Database) -> OnLoop:
    assert db.on_loop is not None
    return db.on_loop


def test_a_read_on_the_loop_begins_no_transaction_and_is_set_up_as_the_threads_are(
    postgresql: Database,
) -> None:
    def work(session: Session) -> tuple[bool, str]:
        session.execute(text("SELECT pg_sleep(0.001)"))
        alone = bool(session.scalar(text("SELECT now() = statement_timestamp()")))
        return alone, str(session.scalar(text("SHOW jit")))

    async def route() -> tuple[bool, str]:
        try:
            return await on_loop_of(postgresql).read(work)
        finally:
            await on_loop_of(postgresql).close()

    assert asyncio.run(route()) == (True, "off")


def test_a_connection_the_server_closed_is_replaced_on_the_loop_too(postgresql: Database) -> None:
    on_loop = on_loop_of(postgresql)

    def backend(session: Session) -> int:
        return int(session.scalar(text("SELECT pg_backend_pid()")) or 0)

    async def route() -> tuple[int, int]:
        try:
            closed = await on_loop.read(backend)  # the pool keeps it: the next read takes it
            with postgresql.write() as session:
                session.execute(text("SELECT pg_terminate_backend(:pid)"), {"pid": closed})
            wait_until(lambda: not is_running(postgresql, closed), what="the backend to end")
            return closed, await on_loop.read(backend)
        finally:
            await on_loop.close()

    closed, replaced = asyncio.run(route())
    assert replaced not in (closed, 0)


_BACKEND = select(func.pg_backend_pid())


def test_a_fetch_runs_its_statement_with_the_values_it_binds_itself(postgresql: Database) -> None:
    # `x || ''` binds '' itself: its compiled SQL holds a placeholder the caller never fills.
    statement = select(
        (literal_column("'abc'").concat("") == bindparam("given")).label("same"),
        func.current_setting("jit").label("jit"),
    )

    async def route() -> list[tuple[object, ...]]:
        try:
            return await on_loop_of(postgresql).fetch(statement, {"given": "abc"})
        finally:
            await on_loop_of(postgresql).close()

    # Its connection set up as every other one.
    assert asyncio.run(route()) == [(True, "off")]


def test_a_fetch_whose_connection_breaks_fails_and_the_next_takes_another(
    postgresql: Database,
) -> None:
    on_loop = on_loop_of(postgresql)
    killing = select(func.pg_terminate_backend(func.pg_backend_pid()))

    async def route() -> tuple[int, type[BaseException], int, int]:
        try:
            first = (await on_loop.fetch(_BACKEND, {}))[0][0]
            with pytest.raises(psycopg.OperationalError) as failed:
                await on_loop.fetch(killing, {})
            after = (await on_loop.fetch(_BACKEND, {}))[0][0]
            # A connection the server closed while it waited in the pool is replaced too.
            with postgresql.write() as session:
                session.execute(text("SELECT pg_terminate_backend(:pid)"), {"pid": after})
            wait_until(lambda: not is_running(postgresql, after), what="the backend to end")
            return first, failed.type, after, (await on_loop.fetch(_BACKEND, {}))[0][0]
        finally:
            await on_loop.close()

    first, failure, after, replaced = asyncio.run(route())
    assert issubclass(failure, psycopg.OperationalError)
    assert after not in (first, 0)
    assert replaced not in (after, 0)


def test_closing_the_loops_engine_ends_its_connections(postgresql: Database) -> None:
    async def route() -> int:
        pid = int((await on_loop_of(postgresql).fetch(_BACKEND, {}))[0][0])
        await on_loop_of(postgresql).close()
        return pid

    pid = asyncio.run(route())
    wait_until(lambda: not is_running(postgresql, pid), what="the closed connection's backend")


def test_concurrent_units_of_work_keep_their_connections_open(postgresql: Database) -> None:
    """Sixteen requests at a time (bench/api.py's load) each take a connection, round after
    round: the pool keeps them all, where a pool of ten closed the rest after each round and
    opened them again, hundreds of PostgreSQL sessions a second under a steady load."""
    own = Database(postgresql.url)
    opened = []
    event.listen(own.engine, "connect", lambda *_: opened.append(1))
    together = threading.Barrier(16)

    def requests() -> None:
        for _ in range(5):
            with own.read() as session:
                session.execute(text("SELECT 1"))
                together.wait(timeout=30)  # all sixteen hold a connection at once
            together.wait(timeout=30)  # and all have given it back before the next round

    try:
        threads = [threading.Thread(target=requests) for _ in range(16)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
    finally:
        own.dispose()
    assert len(opened) == 16, len(opened)


def test_sqlite_takes_the_connection_given_back_last(db: Database) -> None:
    """In WAL mode a connection's page cache is dropped once another connection has written: the
    connection that wrote last is taken again (LIFO), its cache current, not the one idle
    longest."""
    if not db.is_sqlite:
        pytest.skip("SQLite's page cache per connection")
    own = Database(db.url)

    def driver_of(session: Session) -> object:
        return session.connection().connection.dbapi_connection

    try:
        with own.read() as first, own.read() as second, own.read() as third:
            held = [driver_of(first), driver_of(second), driver_of(third)]
        # The three are given back third, second, first: the first came back last.
        with own.write() as session:
            assert driver_of(session) is held[0]
            session.execute(text("SELECT 1"))
        with own.read() as session:
            assert driver_of(session) is held[0]
    finally:
        own.dispose()


def pool_sizes(pool: Pool) -> tuple[int, int]:
    """The connections a pool keeps, and how many more it opens at a peak."""
    assert isinstance(pool, QueuePool)
    return pool.size(), pool._max_overflow


def test_the_pools_take_the_size_the_settings_give(postgresql: Database, tmp_path: Path) -> None:
    settings = Settings(database_url=postgresql.url, data_dir=tmp_path, database_pool_size=7)
    own = Database.of(settings)
    assert own.on_loop is not None
    on_loop = own.on_loop

    async def of_the_loop() -> tuple[int, int]:
        return pool_sizes(on_loop._engine().sync_engine.pool)

    try:
        assert pool_sizes(own.engine.pool) == (7, 3)
        assert asyncio.run(of_the_loop()) == (7, 3)
        assert connections_at_peak(7) == 20
    finally:
        own.dispose()


@pytest.mark.parametrize(
    ("processes", "allowed", "fitted"),
    [(3, 97, 9), (2, 97, 14), (5, 97, 5), (3, 500, POOL_SIZE), (40, 97, 1)],
)
def test_pools_fitted_leave_room_for_other_clients(
    processes: int, allowed: int, fitted: int
) -> None:
    assert fitted_pool_size(processes, allowed) == fitted
    if fitted < POOL_SIZE and processes * connections_at_peak(1) <= allowed - OTHER_CLIENTS:
        assert processes * connections_at_peak(fitted) <= allowed - OTHER_CLIENTS
        assert processes * connections_at_peak(fitted + 1) > allowed - OTHER_CLIENTS
