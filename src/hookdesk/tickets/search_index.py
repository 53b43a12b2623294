"""SQLite: new tickets and replies enter the search index in batches.

FTS5 writes a segment of its index for each transaction that adds to it, and merges them as they
pile up: indexed by their triggers as they were written, a ticket and its two replies cost about
a fifth of a create's server CPU. Indexed in batches of 50 to 200, they cost about a fifth as
much (a bare `sqlite3` loop of creates: 550 µs each with the triggers, 270-290 in batches, 210
with no index at all). So the
rows of the DEFERRED tables past their mark (models/search.py) are indexed here, by a task beside
the dispatcher (`index_periodically`), and a search compares them one by one until then.

Each batch is one write transaction: the rows past the mark, the index, the mark moved to the last
of them. A row written meanwhile waits for that transaction, and lands past the new mark; the
triggers index at once a row that lands at or under it. Two processes indexing take turns (the
write lock) and the second finds the first's mark.
"""

import asyncio
import contextlib
import logging
from typing import Any

from sqlalchemy import Select, insert, select, update
from sqlalchemy.orm import Session

from hookdesk.db import Database
from hookdesk.models.search import DEFERRED, mark_of, search_marks, searched_table

log = logging.getLogger("hookdesk.search")

# Rows of each table indexed per transaction at most: a busy second's writes, while the write lock
# it holds stays short (some 10 ms) for the API's writes that wait on it.
BATCH = 500
# Seconds between two looks for new rows, when the last found fewer than a batch.
INTERVAL_S = 1.0


def catch_up(database: Database, batch: int = BATCH) -> bool:
    """Indexes up to `batch` rows past each DEFERRED table's mark, in one transaction; whether
    a table had more than that (so that more are waiting). With none, it only reads: an idle
    server neither takes the write lock nor writes its log every INTERVAL_S."""
    with database.read() as session:
        if not any(session.scalar(_past_the_mark(name).limit(1)) for name in DEFERRED):
            return False
    with database.write() as session:
        indexed = [_index_next(session, name, batch) for name in DEFERRED]  # each table's
    return batch in indexed


def _past_the_mark(name: str) -> Select[Any]:
    """`name`'s rows that the index does not hold yet, in rowid order."""
    searched = searched_table(name)
    return select(searched).where(searched.c.rowid > mark_of(name)).order_by(searched.c.rowid)


def _index_next(session: Session, name: str, batch: int) -> int:
    rows = session.execute(_past_the_mark(name).limit(batch)).all()
    if rows:
        session.execute(insert(searched_table(name, in_fts=True)), [row._asdict() for row in rows])
        marked = search_marks.c.name == name
        session.execute(update(search_marks).where(marked).values(indexed_to=rows[-1].rowid))
    return len(rows)


async def index_periodically(database: Database, stop: asyncio.Event) -> None:
    """SQLite: index the new rows every INTERVAL_S, at once while a batch leaves more, until
    `stop` is set. PostgreSQL keeps its indexes itself: nothing to do."""
    if not database.is_sqlite:
        return
    while not stop.is_set():
        more = False
        try:
            more = await asyncio.to_thread(catch_up, database)
        except Exception:
            log.exception("indexing new tickets and replies for search failed; it runs again")
        if not more:
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(stop.wait(), INTERVAL_S)
