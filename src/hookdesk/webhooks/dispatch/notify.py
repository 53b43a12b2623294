"""LISTEN on PostgreSQL: a commit that queued work in any process wakes this dispatcher."""

import asyncio
from collections.abc import Callable

import psycopg
import structlog
from sqlalchemy.engine import make_url

from hookdesk.db.wakeup import CHANNEL, DISPATCH, Wake, queued

log = structlog.get_logger("hookdesk.dispatcher")
RECONNECT_DELAY = 1.0


async def listen_for_wakeups(
    database_url: str, wake: Callable[[Wake], None], *, default_mail: bool = True
) -> None:
    """Call `wake` with the work each notification says was queued; a notification of mail for
    the server's default SMTP server only when `default_mail` (else this dispatcher cannot send
    it). Once listening, with all of `DISPATCH`: anything queued meanwhile is due now."""
    conninfo = make_url(database_url).set(drivername="postgresql").render_as_string(False)
    while True:
        try:
            async with await psycopg.AsyncConnection.connect(conninfo, autocommit=True) as conn:
                await conn.execute(f"LISTEN {CHANNEL}")
                wake(DISPATCH)
                async for notification in conn.notifies():
                    kinds = queued(notification.payload)
                    if default_mail or kinds != Wake.DEFAULT_SERVER_MAIL:
                        wake(kinds)
        except psycopg.Error as error:
            log.warning("listen connection lost; polling until it is back", error=str(error))
            await asyncio.sleep(RECONNECT_DELAY)
