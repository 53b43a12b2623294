"""PostgreSQL units of work awaited on the event loop: an async route's read or write takes no
worker thread.

A read on a worker thread hands the GIL between that thread and the loop's at every statement:
a ticket retrieve on PostgreSQL cost 40 context switches and 1.9 ms of CPU (bench/api.py), half
of it in the kernel. SQLAlchemy's asyncio engine runs the same synchronous code (`run_sync`: the
views and services take a `Session` or a `Connection` as before) on the loop, each statement
awaited through psycopg's asyncio connection: 1.25 ms, and a few context switches a second.

A read's statements commit by themselves (AUTOCOMMIT), as `Database.read`'s do on PostgreSQL: a
READ COMMITTED transaction would read each statement in a snapshot of its own anyway. A write is
one READ COMMITTED transaction, in a session of `Database.write`'s class: its commit wakes the
same listeners (`db/wakeup.py`). The dispatcher's claims, records and hand-backs run here too
(`Database.awaited`), as a write that is not `durable` where `Database.transaction` says so.

The hottest reads of the API (every request's API key and rate-limit token, a ticket retrieved)
skip SQLAlchemy's execution: `fetch` takes a connection of the same pool and awaits psycopg's
own `execute` on it, and returns the rows as tuples. Through `AsyncConnection` a statement cost
some 190 µs of CPU, the checkout and the adapter's greenlet hops at each step included; this way
about 85 (`select 1`, eight at a time, uvloop): two greenlet hops, for the checkout and the
return, which may open or close a connection. The statement is still written with SQLAlchemy,
and compiled once (`db/direct.py`). A ticket create's transaction is psycopg's alone the same way
(`write_directly`).

An asyncio connection belongs to the loop that opened it, so there is one engine per running
loop; the app closes its loop's when its lifespan ends (`close`). An engine whose loop is gone
goes with it.
"""

import asyncio
import weakref
from collections.abc import Callable, Mapping
from typing import Any, NamedTuple, TypeVar

import psycopg
from sqlalchemy import Engine
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, create_async_engine
from sqlalchemy.orm import Session
from sqlalchemy.sql import ClauseElement
from sqlalchemy.util import greenlet_spawn

from hookdesk.db import direct

T = TypeVar("T")


class OnLoop:
    def __init__(
        self,
        engine: Callable[[], AsyncEngine],
        writers: type[Session],
        committed: Callable[[direct.Unit], None],
    ) -> None:
        """`writers`: the class of a write's Session, whose commit wakes whom it asked to;
        `committed`: what does the same after a `write_directly`'s commit."""
        self._new_engine = engine
        self._writers = writers
        self._committed = committed
        self._engines: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, _Engines] = (
            weakref.WeakKeyDictionary()
        )

    def _engines_of_loop(self) -> "_Engines":
        loop = asyncio.get_running_loop()
        engines = self._engines.get(loop)
        if engines is None:
            engine = self._new_engine()
            writer = engine.execution_options(isolation_level="READ COMMITTED")
            hasty = writer.execution_options(durable=False)
            engines = self._engines[loop] = _Engines(engine, writer, hasty)
        return engines

    def _engine(self) -> AsyncEngine:
        return self._engines_of_loop().reader

    async def write(self, work: Callable[[Session], T], *, durable: bool = True) -> T:
        """`work` in one transaction, committed when it returns, rolled back when it raises;
        not `durable`: committed without waiting for the disk (`Database.transaction`)."""
        engines = self._engines_of_loop()
        engine = engines.writer if durable else engines.hasty
        session = AsyncSession(engine, expire_on_commit=False, sync_session_class=self._writers)
        async with session, session.begin():
            return await session.run_sync(work)

    async def write_directly(
        self, work: Callable[[direct.Transaction], T], *, durable: bool = True
    ) -> T:
        """`work` in one transaction that psycopg runs alone (`direct.Pipelined`), on a
        connection of the loop's pool (as `fetch`'s), in pipeline mode: its BEGIN is sent with
        its first statement and its COMMIT with its last ones, so that a ticket create costs
        the round trips of its two reads and of the end. Committed when `work` returns and every
        answer has come, then the commit's wake-ups made (`committed`); rolled back when either
        fails, by the pool's reset as the connection goes back, or the connection closed if
        broken. A failure is SQLAlchemy's error, as `direct.execute` raises it. Not `durable`:
        as `write`'s."""
        engine = self._engine().sync_engine
        connection = await greenlet_spawn(engine.pool.connect)
        driver = connection.driver_connection
        assert driver is not None  # a connection checked out is open
        unit = direct.Pipelined(engine.dialect, driver)
        try:
            async with driver.pipeline():
                await driver.execute("BEGIN")
                if not durable:
                    await driver.execute("SET LOCAL synchronous_commit = off")
                done = await greenlet_spawn(work, unit)
                await driver.execute("COMMIT")
        except psycopg.Error as error:
            if isinstance(error, psycopg.OperationalError):
                # Broken (a restart, a lost server): closed rather than handed back to the pool.
                await greenlet_spawn(connection.invalidate)
            raise direct.translated(engine.dialect, "(the answers of a pipeline)", error) from error
        except BaseException:
            if driver.closed or driver.broken:
                await greenlet_spawn(connection.invalidate)
            raise
        finally:
            await greenlet_spawn(connection.close)
        self._committed(unit)
        return done

    async def read(self, work: Callable[[Session], T]) -> T:
        """`work` with a session whose every statement commits by itself."""
        async with AsyncSession(self._engine(), expire_on_commit=False) as session:
            return await session.run_sync(work)

    async def fetch(
        self, statement: ClauseElement, parameters: Mapping[str, Any]
    ) -> list[tuple[Any, ...]]:
        """The rows of one statement, which commits by itself, run by psycopg alone; its SQL
        made once (`direct.compiled`), its parameters processed by their types. Its rows are
        psycopg's tuples, neither named nor processed, at no cost per row: what these reads
        read (text, numbers, booleans, JSON) psycopg reads as SQLAlchemy would.
        A failure is psycopg's own error, not SQLAlchemy's."""
        sql = direct.compiled(statement)
        connection = await greenlet_spawn(self._engine().sync_engine.pool.connect)
        driver = connection.driver_connection
        assert driver is not None  # a connection checked out is open
        try:
            cursor = await driver.execute(sql.text, sql.bound(parameters))
            rows: list[tuple[Any, ...]] = await cursor.fetchall()
            return rows
        except psycopg.OperationalError:
            # Broken (a restart, a lost server): closed rather than handed back to the pool.
            await greenlet_spawn(connection.invalidate)
            raise
        finally:
            await greenlet_spawn(connection.close)

    async def close(self) -> None:
        """Closes the running loop's connections; the next statement opens new ones."""
        engines = self._engines.pop(asyncio.get_running_loop(), None)
        if engines is not None:
            await engines.reader.dispose()


class _Engines(NamedTuple):
    """A loop's engine, and its views for a transaction (READ COMMITTED), durable or not."""

    reader: AsyncEngine
    writer: AsyncEngine
    hasty: AsyncEngine


def on_loop(
    url: str,
    configure: Callable[[Engine], None],
    writers: type[Session],
    committed: Callable[[direct.Unit], None],
    **options: Any,
) -> OnLoop:
    """Engines for `url` (psycopg), created with `options` and set up by `configure` as the
    threads' engine is."""

    def engine() -> AsyncEngine:
        made = create_async_engine(url, isolation_level="AUTOCOMMIT", **options)
        configure(made.sync_engine)
        return made

    return OnLoop(engine, writers, committed)
