"""The database, as a FastAPI dependency.

Handlers open their unit of work themselves (`with db.write() as session:`), inside the one
worker thread that runs them: a SQLite write lock is then never held while the request waits for
another thread, and a 200 is only sent once the transaction has committed. An async route reads
through `read`: a quick read (a few lookups by index) on SQLite without a thread.
"""

from collections.abc import Callable
from typing import Annotated, TypeVar

from fastapi import Depends, Request
from sqlalchemy.orm import Session
from starlette.concurrency import run_in_threadpool

from hookdesk.db.database import Database

T = TypeVar("T")


async def get_database(request: Request) -> Database:
    database: Database = request.app.state.database
    return database


Db = Annotated[Database, Depends(get_database)]


async def read(db: Database, work: Callable[[Session], T], *, quick: bool = False) -> T:
    """`work` in a read-only unit of work, for an async route: on a worker thread, or, when `quick`
    (a few lookups by index, never a search) on SQLite, here on the event loop.

    A WAL reader waits for no lock, and such a read costs less than the hop to a worker thread and
    back, whose GIL handed between two threads on two cores nearly doubled the server's CPU per
    retrieve (bench/api.py). On PostgreSQL, where each statement is a round trip, a read always
    takes a worker thread."""
    if quick and db.is_sqlite:
        return _read(db, work)
    return await run_in_threadpool(_read, db, work)


def _read(db: Database, work: Callable[[Session], T]) -> T:
    with db.read() as session:
        return work(session)
