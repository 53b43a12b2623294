"""The dispatcher's purge, every `purge_interval` seconds (the first one as it starts).

With several dispatchers on one PostgreSQL, one purges at a time: each tries a session-level
advisory lock and skips its turn when another holds it. On SQLite every write is serialized
anyway, and a second purger would only find less to do.
"""

import asyncio
import contextlib
import logging
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager

from sqlalchemy import text

from hookdesk.assets.storage import LocalStorage
from hookdesk.config import Settings
from hookdesk.db import Database
from hookdesk.retention.purge import Purged, cutoffs, purge

log = logging.getLogger("hookdesk.retention")

PURGE_LOCK = int.from_bytes(b"hookpurg", "big")  # the advisory lock's key, any fixed bigint


@contextmanager
def purge_turn(database: Database, *, waiting: Callable[[], None] | None = None) -> Iterator[bool]:
    """True while this process holds the purge's turn (always on SQLite); False when another
    process has it. With `waiting`, the turn is waited for instead (`waiting` is called first)."""
    if database.is_sqlite:
        yield True
        return
    # Autocommit: the lock is the session's, and no transaction stays open while it is held.
    with database.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
        key = {"key": PURGE_LOCK}
        taken = bool(connection.scalar(text("SELECT pg_try_advisory_lock(:key)"), key))
        if not taken and waiting is not None:
            waiting()
            connection.execute(text("SELECT pg_advisory_lock(:key)"), key)
            taken = True
        try:
            yield taken
        finally:
            if taken:
                connection.execute(text("SELECT pg_advisory_unlock(:key)"), {"key": PURGE_LOCK})


def purge_if_my_turn(
    database: Database, settings: Settings, should_stop: Callable[[], bool] = lambda: False
) -> Purged | None:
    """One purge by the settings, unless another process is purging (then None)."""
    with purge_turn(database) as mine:
        if not mine:
            return None
        return purge(
            database,
            LocalStorage(settings.assets_dir),
            cutoffs(retention_seconds=settings.retention_days * 86_400, now=time.time()),
            batch=settings.purge_batch,
            should_stop=should_stop,
        )


async def purge_periodically(database: Database, settings: Settings, stop: asyncio.Event) -> None:
    """Purge now and then every `purge_interval` seconds until `stop` is set."""
    while not stop.is_set():
        try:
            purged = await asyncio.to_thread(purge_if_my_turn, database, settings, stop.is_set)
        except Exception:
            log.exception("the purge failed; it runs again at the next interval")
        else:
            if purged is not None and any(purged.as_dict().values()):
                log.info("purged %s", purged.as_dict())
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(stop.wait(), settings.purge_interval)
