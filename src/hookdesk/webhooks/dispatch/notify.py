"""LISTEN on PostgreSQL: a commit that queued work in any process wakes this dispatcher."""

import asyncio

import psycopg
import structlog
from sqlalchemy.engine import make_url

from hookdesk.db.wakeup import CHANNEL, DEFAULT_MAIL_PAYLOAD

log = structlog.get_logger("hookdesk.dispatcher")
RECONNECT_DELAY = 1.0


async def listen_for_wakeups(
    database_url: str, wake: asyncio.Event, *, default_mail: bool = True
) -> None:
    """Set `wake` on each notification; one of mail for the server's default SMTP server only
    when `default_mail` (else this dispatcher cannot send it)."""
    conninfo = make_url(database_url).set(drivername="postgresql").render_as_string(False)
    while True:
        try:
            async with await psycopg.AsyncConnection.connect(conninfo, autocommit=True) as conn:
                await conn.execute(f"LISTEN {CHANNEL}")
                wake.set()  # anything queued while not listening is due now
                async for notification in conn.notifies():
                    if default_mail or notification.payload != DEFAULT_MAIL_PAYLOAD:
                        wake.set()
        except psycopg.Error as error:
            log.warning("listen connection lost; polling until it is back", error=str(error))
            await asyncio.sleep(RECONNECT_DELAY)
