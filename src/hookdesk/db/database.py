"""Engines and sessions for SQLite (WAL) and PostgreSQL.

Services never commit: a unit of work (`Database.transaction`, or the request dependency built
on it) commits once at its end or rolls everything back, so a ticket change and its event land
together.
"""

import asyncio
import select
import threading
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, contextmanager, nullcontext
from functools import cached_property
from typing import TYPE_CHECKING, Any, Self, TypeVar

from sqlalchemy import Connection, Engine, create_engine, event, exc
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session, sessionmaker

from hookdesk.db import direct
from hookdesk.db.on_loop import OnLoop, on_loop
from hookdesk.db.wakeup import Wake, take_wakeup_request

if TYPE_CHECKING:
    from hookdesk.config import Settings

T = TypeVar("T")

SQLITE_BUSY_TIMEOUT_MS = 30_000
PG_CONNECT_TIMEOUT_S = 5  # an unreachable server fails a request in seconds, not minutes


def normalize_url(url: str) -> str:
    """`postgresql://` means psycopg 3 here; every other URL is taken as it is."""
    parsed = make_url(url)
    if parsed.drivername in ("postgresql", "postgres"):
        parsed = parsed.set(drivername="postgresql+psycopg")
    return parsed.render_as_string(hide_password=False)


def is_sqlite(url: str) -> bool:
    return make_url(url).get_backend_name() == "sqlite"


# Connections beyond pool_size are closed as soon as they are given back: with ten kept, sixteen
# requests at a time (bench/api.py) opened and closed hundreds of PostgreSQL sessions a second,
# each a server process started. Twenty are kept by default, half as many more at a peak; the
# pool opens them only as the load needs them.
POOL_SIZE = 20


def _pg_engine(pool_size: int) -> dict[str, Any]:
    return {
        "pool_size": pool_size,
        "max_overflow": pool_size // 2,
        "connect_args": {"connect_timeout": PG_CONNECT_TIMEOUT_S},
        "hide_parameters": True,  # errors (and so logs) never show the texts and keys bound
    }


def connections_at_peak(pool_size: int) -> int:
    """The PostgreSQL connections one process may hold at a peak: its two pools (its worker
    threads' and its event loop's), each `pool_size` and half as many more."""
    return 2 * (pool_size + pool_size // 2)


# Connections left to others (psql, migrations, a dispatcher started elsewhere) when pools are
# sized to fit PostgreSQL's max_connections (`fitted_pool_size`).
OTHER_CLIENTS = 10


def fitted_pool_size(processes: int, allowed: int) -> int:
    """The largest pool size, up to POOL_SIZE, at which `processes` fit in `allowed` connections
    at a peak, less OTHER_CLIENTS; 1 when none does."""
    budget = allowed - OTHER_CLIENTS
    fitting = [n for n in range(1, POOL_SIZE + 1) if processes * connections_at_peak(n) <= budget]
    return max(fitting, default=1)


def make_engine(
    url: str, *, sqlite_synchronous: str = "FULL", pool_size: int = POOL_SIZE
) -> Engine:
    url = normalize_url(url)
    if not is_sqlite(url):
        engine = create_engine(url, **_pg_engine(pool_size))
        _configure_postgresql(engine)
        return engine
    # Room for every worker thread (anyio runs 40): a thread never waits for a connection.
    # The connection given back last is taken first (LIFO). In WAL mode a connection drops its
    # whole page cache once another connection has written since its last transaction, and
    # reads every page again: taken in turn (FIFO) from sixteen busy ones, a ticket create read
    # about 480 KB in 117 reads per request, against 80 KB in 20 once the connection that wrote
    # last writes again (its cache is current). Server CPU per create: 0.75-0.95x.
    engine = create_engine(
        url,
        connect_args={"check_same_thread": False, "timeout": 30},
        pool_size=20,
        max_overflow=40,
        pool_use_lifo=True,
        hide_parameters=True,
    )
    _configure_sqlite(engine, sqlite_synchronous)
    return engine


def _configure_postgresql(engine: Engine) -> None:
    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        # No JIT compilation: hookdesk's queries are short lookups, and when PostgreSQL
        # overestimates one (the claim cannot tell it how few rows a lease takes) it spends more
        # compiling than running it: 17 ms of a 20 ms claim with a backlog of a million
        # (bench/backlog.py).
        with dbapi_connection.cursor() as cursor:
            cursor.execute("SET jit = off")
        dbapi_connection.commit()

    @event.listens_for(engine, "checkout")
    def _on_checkout(dbapi_connection: Any, _record: Any, _proxy: Any) -> None:
        # Connections a database restart broke are replaced, not handed to a request.
        if _closed_by_server(engine, dbapi_connection):
            raise exc.DisconnectionError("the server closed the connection")

    @event.listens_for(engine, "begin")
    def _on_begin(connection: Any) -> None:
        if not connection.get_execution_options().get("durable", True):
            connection.exec_driver_sql("SET LOCAL synchronous_commit = off")


def _closed_by_server(engine: Engine, dbapi_connection: Any) -> bool:
    """Whether the server closed this idle connection, told without a round trip.

    An idle connection has nothing to read unless the server has spoken since: it closed the
    socket (a restart, a terminated backend), with or without a last error message. So a socket
    with nothing to read is taken as it is, where a ping (`pool_pre_ping`) would cost a round
    trip at every checkout; one with something to read is pinged."""
    if dbapi_connection.closed:
        return True
    # asyncio's psycopg connection hides behind an adapter (`driver_connection`)
    socket_of = getattr(dbapi_connection, "driver_connection", dbapi_connection)
    poller = select.poll()
    poller.register(socket_of.fileno(), select.POLLIN)
    if not poller.poll(0):
        return False
    try:
        engine.dialect.do_ping(dbapi_connection)
    except engine.dialect.loaded_dbapi.Error:
        return True
    return False


def _configure_sqlite(engine: Engine, synchronous: str) -> None:
    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        # Take over BEGIN from the driver so writers can ask for BEGIN IMMEDIATE (see below).
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute(f"PRAGMA synchronous={synchronous}")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_MS}")
        # Zero the bytes of every deleted or moved row, so that erased data is not left behind
        # in free space (an update that grows a row moves it and would leave the old copy).
        # Some builds (Debian's) have it on already; SQLite's own default is off.
        cursor.execute("PRAGMA secure_delete=ON")
        cursor.close()
        dbapi_connection.create_function("text_holds", 2, text_holds, deterministic=True)

    @event.listens_for(engine, "begin")
    def _on_begin(connection: Any) -> None:
        options = connection.get_execution_options()
        # Per connection, so set before each transaction whose durability differs from the last
        # one's on this connection (WAL: NORMAL commits without a sync of the log).
        wanted = synchronous if options.get("durable", True) else "NORMAL"
        if connection.info.get("synchronous", synchronous) != wanted:
            connection.exec_driver_sql(f"PRAGMA synchronous={wanted}")
            connection.info["synchronous"] = wanted
        # A deferred transaction that reads and then writes fails at once with SQLITE_BUSY when
        # another writer got there first; IMMEDIATE takes the write lock up front and waits.
        mode = options.get("sqlite_begin", "DEFERRED")
        if options.get("sqlite_wait", True):
            connection.exec_driver_sql(f"BEGIN {mode}")
            return
        # Or fails at once rather than wait for another process's writer (`write_at_once`).
        driver = connection.connection.driver_connection
        driver.execute("PRAGMA busy_timeout=0")
        try:
            connection.exec_driver_sql(f"BEGIN {mode}")
        finally:
            driver.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_MS}")


def _busy(error: exc.OperationalError) -> bool:
    """SQLite's write lock held by another connection (SQLITE_BUSY and its kinds)."""
    return str(getattr(error.orig, "sqlite_errorname", "")).startswith("SQLITE_BUSY")


def text_holds(text: str | None, folded: str) -> bool:
    """Whether `text` holds `folded` (lower case) in any case: the row-by-row comparison of a
    search (tickets/searching.py), where SQLite's own LIKE and lower() fold ASCII letters only.
    Python's lower() folds as FTS5's trigram tokenizer does, save a few letters that lower to
    two characters (`İ`)."""
    return text is not None and folded in text.lower()


class Database:
    def __init__(
        self, url: str, *, sqlite_synchronous: str = "FULL", pool_size: int = POOL_SIZE
    ) -> None:
        """`pool_size`: PostgreSQL's, each of the two pools' (`connections_at_peak`)."""
        self.url = normalize_url(url)
        self._synchronous = sqlite_synchronous
        self.engine = make_engine(
            self.url, sqlite_synchronous=sqlite_synchronous, pool_size=pool_size
        )
        writer = self.engine.execution_options(sqlite_begin="IMMEDIATE")
        self._autocommit = self.engine.execution_options(isolation_level="AUTOCOMMIT")
        # PostgreSQL reads each statement of a READ COMMITTED transaction in a snapshot of its
        # own: a read-only unit of work gains nothing from BEGIN and COMMIT but their round
        # trips, so its statements commit by themselves.
        reader = self.engine if self.is_sqlite else self._autocommit
        self._readers = sessionmaker(reader, expire_on_commit=False)
        self._writers = sessionmaker(writer, expire_on_commit=False)
        self._hasty_writers = sessionmaker(
            writer.execution_options(durable=False), expire_on_commit=False
        )
        at_once = writer.execution_options(sqlite_wait=False)
        self._writers_at_once = sessionmaker(at_once, expire_on_commit=False)
        self._hasty_writers_at_once = sessionmaker(
            at_once.execution_options(durable=False), expire_on_commit=False
        )
        # PostgreSQL: an async route's reads, awaited on the event loop (`db/on_loop.py`).
        self._wakeup_listeners: list[tuple[Callable[[Wake], None], Wake]] = []
        self._sqlite_write_lock = threading.Lock()
        for writers in (
            self._writers,
            self._hasty_writers,
            self._writers_at_once,
            self._hasty_writers_at_once,
        ):
            event.listen(writers, "after_commit", self._after_commit)
            event.listen(writers, "after_rollback", take_wakeup_request)
        self.on_loop: OnLoop | None = None
        if not self.is_sqlite:
            writers_class = self._writers.class_
            options = _pg_engine(pool_size)
            self.on_loop = on_loop(
                self.url, _configure_postgresql, writers_class, self._after_commit, **options
            )

    @classmethod
    def of(cls, settings: "Settings") -> Self:
        """The database `settings` name, with their SQLite durability and PostgreSQL pools."""
        return cls(
            settings.database_url,
            sqlite_synchronous=settings.sqlite_synchronous,
            pool_size=settings.database_pool_size,
        )

    def add_wakeup_listener(self, listener: Callable[[Wake], None], wakes: Wake) -> None:
        """Call `listener` (from the committing thread) after each commit that requested any of
        `wakes` (`db/wakeup.py`), with those it requested."""
        self._wakeup_listeners.append((listener, wakes))

    def remove_wakeup_listener(self, listener: Callable[[Wake], None]) -> None:
        self._wakeup_listeners = [(f, w) for f, w in self._wakeup_listeners if f is not listener]

    def _after_commit(self, session: direct.Unit) -> None:
        requested = take_wakeup_request(session)
        if requested:
            for listener, wakes in list(self._wakeup_listeners):
                if requested & wakes:
                    listener(requested & wakes)

    @cached_property
    def is_sqlite(self) -> bool:  # asked on every transaction: the URL is parsed once
        return is_sqlite(self.url)

    @contextmanager
    def transaction(self, *, write: bool = True, durable: bool = True) -> Iterator[Session]:
        """One unit of work: commits when the block ends normally, rolls back on any exception.

        A read-only one (`write=False`) on PostgreSQL is no transaction: each statement commits
        by itself, as a READ COMMITTED transaction would have read it anyway.

        `durable=False` commits without waiting for the disk (PostgreSQL's synchronous_commit
        off, SQLite's synchronous NORMAL): a crash of the machine or of the database server may
        lose such a commit, whole and never in part, and the next durable commit makes it durable
        too (the log is written in order). Only for writes whose loss repeats work rather than
        loses it: the dispatcher's claims, whose lease lost makes the row due again."""
        if write and not durable:
            factory = self._hasty_writers
        else:
            factory = self._writers if write else self._readers
        # SQLite has one writer at a time: queue this process's writers on a lock rather than in
        # SQLite's busy handler, which sleeps up to 100 ms between tries and is unfair.
        lock = self._sqlite_write_lock if write and self.is_sqlite else nullcontext()
        with lock, factory() as session, session.begin():
            yield session

    async def awaited(
        self, work: Callable[[Session], T], *, durable: bool = True, at_once: bool = True
    ) -> T:
        """`work` in one `transaction`, for a coroutine: on PostgreSQL awaited on the running
        loop (`on_loop`), which spares a worker thread and the GIL handed to it and back at every
        statement; on SQLite on the loop too when no other writer holds the write lock
        (`write_at_once`) and `at_once`, else on a worker thread, which waits for it.

        The dispatcher's claims and records run here: on SQLite one dispatcher's CPU per
        delivery was 0.9 of what it was with every one on a thread (bench/dispatch.py). A
        durable commit waits for the disk on the loop (about a millisecond here), once per
        batch of attempts recorded."""
        if self.on_loop is not None:
            return await self.on_loop.write(work, durable=durable)
        if at_once:
            with self.write_at_once(durable=durable) as session:
                if session is not None:
                    return work(session)

        def in_a_thread() -> T:
            with self.transaction(durable=durable) as session:
                return work(session)

        return await asyncio.to_thread(in_a_thread)

    async def awaited_directly(
        self, work: Callable[[direct.Unit], T], *, durable: bool = True, at_once: bool = True
    ) -> T:
        """As `awaited`, for `work` that runs only `direct`'s statements: its unit of work is
        then the driver's own transaction, with no Session: on PostgreSQL in pipeline mode
        (`OnLoop.write_directly`), on SQLite `transaction_at_once` on the loop or
        `transaction_directly` on a worker thread. The dispatcher's claims: on SQLite a
        Session's transaction around a claim of one delivery cost about as much CPU as the
        claim's statements."""
        if self.on_loop is not None:
            return await self.on_loop.write_directly(work, durable=durable)
        if at_once:
            with self.transaction_at_once(durable=durable) as unit:
                if unit is not None:
                    return work(unit)

        def in_a_thread() -> T:
            with self.transaction_directly(durable=durable) as unit:
                return work(unit)

        return await asyncio.to_thread(in_a_thread)

    def autocommit(self) -> AbstractContextManager[Connection]:
        """PostgreSQL: a connection whose every statement commits by itself, for work of one
        statement (or of statements that need not land together): no BEGIN and COMMIT round
        trips around it."""
        return self._autocommit.connect()

    def connections_allowed(self) -> int:
        """PostgreSQL: the connections the server takes from clients like this one
        (max_connections less those kept for superusers)."""
        with self.autocommit() as connection:
            total = connection.exec_driver_sql("SHOW max_connections").scalar_one()
            kept = connection.exec_driver_sql("SHOW superuser_reserved_connections").scalar_one()
        return int(total) - int(kept)

    def checkpoint(self) -> bool:
        """SQLite: copy the write-ahead log into the database file and truncate it, so that the
        log keeps no copy of what was deleted. True when complete (no reader held it back)."""
        if not self.is_sqlite:
            return True
        with self._sqlite_write_lock, self.engine.connect() as connection:
            busy, _log, _copied = connection.exec_driver_sql(
                "PRAGMA wal_checkpoint(TRUNCATE)"
            ).one()
        return bool(busy == 0)

    def write(self) -> AbstractContextManager[Session]:
        return self.transaction(write=True)

    @contextmanager
    def write_at_once(self, *, durable: bool = True) -> Iterator[Session | None]:
        """SQLite: a unit of work like `write`'s, begun only if no other writer holds the write
        lock, this process's or the database's; else None, for the caller to wait elsewhere.

        For the event loop (`dependencies.write`), which must not wait for a lock: a ticket
        create there cost 0.7 of the CPU it took on a worker thread, whose GIL is handed back
        and forth at every statement (bench/api.py). Its commit waits for the disk there
        (synchronous FULL, about a millisecond here), as it would in a thread while holding
        the one write lock; the loop serves nothing else meanwhile. Not `durable`: as
        `transaction`'s."""
        session = self._begun_at_once(durable) if self.is_sqlite else None
        if session is None:
            yield None
            return
        try:
            with session:
                yield session
                session.commit()
        finally:
            self._sqlite_write_lock.release()

    def _begun_at_once(self, durable: bool) -> Session | None:
        if not self._sqlite_write_lock.acquire(blocking=False):
            return None
        session = self._writers_at_once() if durable else self._hasty_writers_at_once()
        try:
            session.connection()  # BEGIN IMMEDIATE, which does not wait (`sqlite_wait`)
        except BaseException as error:
            session.close()
            self._sqlite_write_lock.release()
            if isinstance(error, exc.OperationalError) and _busy(error):
                return None
            raise
        return session

    @contextmanager
    def transaction_at_once(self, *, durable: bool = True) -> Iterator[direct.Transaction | None]:
        """SQLite: a write transaction begun, as `write_at_once`'s, only if no other writer
        holds the write lock, else None; but the driver's own (`direct.Transaction`), with no
        Session, for work that runs only `direct`'s statements (a ticket create). It commits
        when the block ends normally, then wakes whom the work asked to (`db/wakeup.py`);
        after a failure, the pool's reset on return rolls it back, or closes the connection
        if it cannot. Not `durable`: as `transaction`'s."""
        if not self.is_sqlite or not self._sqlite_write_lock.acquire(blocking=False):
            yield None
            return
        with self._directly(wait=False, durable=durable) as unit:
            yield unit

    @contextmanager
    def transaction_directly(self, *, durable: bool = True) -> Iterator[direct.Transaction]:
        """SQLite, for a worker thread: a write transaction as `transaction_at_once`'s, the
        driver's own, but one that waits for the write lock (this process's, then the
        database's within the busy timeout) as `transaction`'s does: the dispatcher's claims
        beside the API. Not `durable`: as `transaction`'s."""
        assert self.is_sqlite, "PostgreSQL's units of work of the driver: OnLoop.write_directly"
        self._sqlite_write_lock.acquire()
        with self._directly(wait=True, durable=durable) as unit:
            assert unit is not None  # it waited for the lock
            yield unit

    @contextmanager
    def _directly(self, *, wait: bool, durable: bool) -> Iterator[direct.Transaction | None]:
        """The transaction of `transaction_at_once` and `transaction_directly`, this process's
        write lock taken already (and released here)."""
        try:
            connection = self.engine.raw_connection()
            try:
                unit = self._begun_directly(connection, wait=wait, durable=durable)
                yield unit
                if unit is not None:
                    unit.run("COMMIT", [])
            finally:
                connection.close()
        finally:
            self._sqlite_write_lock.release()
        if unit is not None:
            self._after_commit(unit)

    def _begun_directly(
        self, connection: Any, *, wait: bool, durable: bool
    ) -> direct.Transaction | None:
        """BEGIN IMMEDIATE on `connection` as the engine's `begin` event runs it: the durability
        asked for made the connection's, if its last transaction's differed, and, unless `wait`,
        the lock asked for without waiting (None when another connection holds it)."""
        unit = direct.Transaction(self.engine.dialect, connection.driver_connection)
        # The record's own info, which SQLAlchemy's Connection.info is too (`_on_begin`).
        wanted = self._synchronous if durable else "NORMAL"
        if connection.info.get("synchronous", self._synchronous) != wanted:
            unit.run(f"PRAGMA synchronous={wanted}", [])
            connection.info["synchronous"] = wanted
        if wait:
            unit.run("BEGIN IMMEDIATE", [])
            return unit
        unit.run("PRAGMA busy_timeout=0", [])
        try:
            unit.run("BEGIN IMMEDIATE", [])
        except exc.OperationalError as error:
            if _busy(error):
                return None
            raise
        finally:
            unit.run(f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_MS}", [])
        return unit

    def read(self) -> AbstractContextManager[Session]:
        return self.transaction(write=False)

    @contextmanager
    def snapshot(self) -> Iterator[direct.Snapshot]:
        """SQLite: a read-only transaction whose statements the driver runs alone
        (`direct.Snapshot`), on a connection of the engine's pool, for a quick read on the event
        loop, as `dependencies.read`'s quick reads: a WAL reader waits for no lock."""
        assert self.is_sqlite, "PostgreSQL's reads on the loop: OnLoop.fetch"
        connection = self.engine.raw_connection()
        try:
            snapshot = direct.Snapshot(self.engine.dialect, connection.driver_connection)
            snapshot.run("BEGIN", [])
            yield snapshot
            snapshot.run("COMMIT", [])
        finally:
            # After a failure, the pool's reset on return rolls the read back, or closes the
            # connection if it cannot.
            connection.close()

    def dispose(self) -> None:
        self.engine.dispose()
