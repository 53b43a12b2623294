"""LISTEN on PostgreSQL: a commit that queued deliveries in any process wakes this dispatcher."""

import asyncio

import psycopg
import structlog
from sqlalchemy.engine import make_url

from hookdesk.db.wakeup import CHANNEL

log = structlog.get_logger("hookdesk.dispatcher")
RECONNECT_DELAY = 1.0


async def listen_for_wakeups(database_url: str, wake: asyncio.Event) -> None:
    conninfo = make_url(database_url).set(drivername="postgresql").render_as_string(False)
    while True:
        try:
            async with await psycopg.AsyncConnection.connect(conninfo, autocommit=True) as conn:
                await conn.execute(f"LISTEN {CHANNEL}")
                wake.set()  # anything queued while not listening is due now
                async for _ in conn.notifies():
                    wake.set()
        except psycopg.Error as error:
            log.warning("listen connection lost; polling until it is back", error=str(error))
            await asyncio.sleep(RECONNECT_DELAY)
