"""Following an account's events as they are committed: the loop behind `GET /v2/events/stream`
(`hookdesk listen`) and the console's `GET /console/stream`.

Woken at once by a commit in this process that wrote an event (`Database.add_wakeup_listener`),
and every POLL_SECONDS at the latest for commits of other processes (`serve --workers`, a
dispatcher).
"""

import asyncio
import contextlib
import time
from collections.abc import AsyncIterator, Awaitable, Callable, Sequence

from anyio import to_thread

from hookdesk.db.database import Database
from hookdesk.db.wakeup import Wake
from hookdesk.models.webhooks import OutboxEvent
from hookdesk.webhooks.outbox import stream

POLL_SECONDS = 0.5  # changes committed by other processes are seen this late at most
KEEPALIVE_SECONDS = 15.0


async def follow(
    db: Database,
    *,
    account_id: str,
    after_seq: int,
    event_types: Sequence[str] | None,
    disconnected: Callable[[], Awaitable[bool]],
) -> AsyncIterator[OutboxEvent | None]:
    """The account's events after `after_seq`, in commit order, until `disconnected()`; None
    when a keep-alive is due (nothing for KEEPALIVE_SECONDS), so that proxies keep the
    connection."""
    seq = after_seq
    wake = asyncio.Event()
    loop = asyncio.get_running_loop()

    def wake_up(_events: Wake) -> None:
        # A stream whose loop closed before its `finally` ran (a client gone with its loop) must
        # not fail the commits of others: it stops listening instead.
        try:
            loop.call_soon_threadsafe(wake.set)
        except RuntimeError:
            db.remove_wakeup_listener(wake_up)

    db.add_wakeup_listener(wake_up, Wake.EVENTS)
    quiet_since = time.monotonic()
    try:
        while not await disconnected():
            wake.clear()
            found = await to_thread.run_sync(_next_events, db, account_id, seq, event_types)
            for event in found:
                yield event
                seq = event.id
            if found:
                quiet_since = time.monotonic()
                continue
            if time.monotonic() - quiet_since > KEEPALIVE_SECONDS:
                yield None
                quiet_since = time.monotonic()
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(wake.wait(), POLL_SECONDS)
    finally:
        db.remove_wakeup_listener(wake_up)


def _next_events(
    db: Database, account_id: str, seq: int, types: Sequence[str] | None
) -> list[OutboxEvent]:
    with db.read() as session:
        return stream.after(session, account_id=account_id, seq=seq, event_types=types)
