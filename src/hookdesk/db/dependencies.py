"""The database, as a FastAPI dependency.

Handlers open their unit of work themselves (`with db.write() as session:`), inside the one
worker thread that runs them: a SQLite write lock is then never held while the request waits for
another thread, and a 200 is only sent once the transaction has committed. An async route reads
through `read` and writes through `write`: on PostgreSQL on the event loop, without a thread;
on SQLite a quick read too, and a write when the write lock is free.
"""

import asyncio
from collections.abc import Callable
from contextlib import AbstractContextManager
from typing import Annotated, TypeVar

from fastapi import Depends, Request
from sqlalchemy.orm import Session
from starlette.concurrency import run_in_threadpool

from hookdesk.db import direct
from hookdesk.db.database import Database

T = TypeVar("T")
U = TypeVar("U", Session, direct.Unit)


async def get_database(request: Request) -> Database:
    database: Database = request.app.state.database
    return database


Db = Annotated[Database, Depends(get_database)]


async def read(db: Database, work: Callable[[Session], T], *, quick: bool = False) -> T:
    """`work` in a read-only unit of work, for an async route, with no worker thread where it can.

    On PostgreSQL, its statements are awaited on the event loop (`db/on_loop.py`). On SQLite, a
    `quick` one (a few lookups by index, never a search) runs here on the loop: a WAL reader waits
    for no lock, and such a read costs less than the hop to a worker thread and back, whose GIL
    handed between two threads on two cores nearly doubled the server's CPU per retrieve
    (bench/api.py). Any other SQLite read, which could hold the loop, takes a worker thread."""
    if db.on_loop is not None:
        return await db.on_loop.read(work)
    if quick:
        return _read(db, work)
    return await run_in_threadpool(_read, db, work)


def _read(db: Database, work: Callable[[Session], T]) -> T:
    with db.read() as session:
        return work(session)


async def write(db: Database, work: Callable[[Session], T]) -> T:
    """`work` in one unit of work that commits when it returns, for an async route (the ticket
    routes, which change a ticket and its few rows): on PostgreSQL awaited on the event loop,
    its statements round trips that need no thread. On SQLite here on the loop too once no
    other writer holds the one write lock (`Database.write_at_once`), asked again after short
    pauses (`AT_ONCE_PAUSES`); else on a worker thread, which waits for it and holds it only
    while `work` runs."""
    if db.on_loop is not None:
        return await db.on_loop.write(work)
    return await _at_once_or_in_a_thread(db, db.write_at_once, work)


async def write_directly(db: Database, work: Callable[[direct.Unit], T]) -> T:
    """As `write`, for `work` that runs only `direct`'s statements (a ticket create without
    files): its unit of work on the loop is then the driver's own transaction, with no
    Session: on PostgreSQL in pipeline mode (`OnLoop.write_directly`), on SQLite once no other
    writer holds the write lock (`Database.transaction_at_once`)."""
    if db.on_loop is not None:
        return await db.on_loop.write_directly(work)
    return await _at_once_or_in_a_thread(db, db.transaction_at_once, work)


async def _at_once_or_in_a_thread(
    db: Database, at_once: Callable[[], AbstractContextManager[U | None]], work: Callable[[U], T]
) -> T:
    for pause in (*AT_ONCE_PAUSES, None):
        with at_once() as unit:
            if unit is not None:
                return work(unit)
        if pause is not None:
            await asyncio.sleep(pause)
    return await run_in_threadpool(_write, db, work)


# Other writers of the process (the dispatcher's claims and records) hold SQLite's write lock
# for a millisecond or two: a route's write asks for it again after these pauses (31 ms in all)
# rather than take a worker thread at once. Taken at once, a write left on a thread held the
# lock while the loop's next writes found it held, and they took threads too: under load
# nearly every write ended up on one.
AT_ONCE_PAUSES = (0.0005, 0.001, 0.002, 0.004, 0.008, 0.016)


def _write(db: Database, work: Callable[[Session], T]) -> T:
    with db.write() as session:
        return work(session)
