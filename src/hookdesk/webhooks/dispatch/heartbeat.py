"""Dispatchers announce themselves in the `dispatchers` table, for readiness and metrics.

A running dispatcher updates its row every `BEAT_INTERVAL` seconds, with how many sends it has in
flight, and deletes it when it stops cleanly. A row not seen for `DEAD_AFTER` seconds is a
dispatcher that died (killed, or its machine gone); the beats of the living delete such a row
once it is `FORGET_AFTER` seconds old. One small write every few seconds, on its own task: the
claim and record loops never wait for it.
"""

import asyncio
import logging
import os
import secrets
import socket
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from sqlalchemy import delete, select, update
from sqlalchemy.orm import Session

from hookdesk.db import Database
from hookdesk.models.webhooks import DispatcherHeartbeat

log = logging.getLogger("hookdesk.dispatcher")

BEAT_INTERVAL = 5.0
DEAD_AFTER = 30.0  # six beats missed
FORGET_AFTER = 3600.0


@dataclass(frozen=True)
class Identity:
    id: str
    hostname: str
    pid: int
    started_at: int

    @classmethod
    def new(cls) -> "Identity":
        return cls(secrets.token_hex(16), socket.gethostname(), os.getpid(), int(time.time()))


def beat(session: Session, me: Identity, *, in_flight: int, now: float) -> None:
    """Say that `me` is alive now, and forget dispatchers long dead."""
    seen = session.execute(
        update(DispatcherHeartbeat)
        .where(DispatcherHeartbeat.id == me.id)
        .values(seen_at=now, in_flight=in_flight)
    )
    if seen.rowcount == 0:  # type: ignore[attr-defined]
        session.add(
            DispatcherHeartbeat(
                id=me.id,
                hostname=me.hostname,
                pid=me.pid,
                started_at=me.started_at,
                seen_at=now,
                in_flight=in_flight,
            )
        )
    session.execute(
        delete(DispatcherHeartbeat).where(DispatcherHeartbeat.seen_at < now - FORGET_AFTER)
    )


def forget(session: Session, dispatcher_id: str) -> None:
    session.execute(delete(DispatcherHeartbeat).where(DispatcherHeartbeat.id == dispatcher_id))


def alive(session: Session, *, now: float) -> Sequence[DispatcherHeartbeat]:
    """The dispatchers seen within `DEAD_AFTER` seconds. Not an account's data: not scoped."""
    statement = (
        select(DispatcherHeartbeat)
        .where(DispatcherHeartbeat.seen_at >= now - DEAD_AFTER)
        .order_by(DispatcherHeartbeat.hostname, DispatcherHeartbeat.pid)
    )
    return session.scalars(statement).all()


async def keep_beating(
    database: Database, in_flight: Callable[[], int], *, until: asyncio.Task[None]
) -> None:
    """Beat until the dispatcher's task ends, then delete the row."""
    me = Identity.new()
    while not until.done():
        await _in_a_transaction(
            database, lambda session: beat(session, me, in_flight=in_flight(), now=time.time())
        )
        await asyncio.wait({until}, timeout=BEAT_INTERVAL)
    await _in_a_transaction(database, lambda session: forget(session, me.id))


async def _in_a_transaction(database: Database, work: Callable[[Session], None]) -> None:
    def run() -> None:
        with database.transaction() as session:
            work(session)

    try:
        await asyncio.to_thread(run)
    except Exception as error:  # the database is away: readiness says so; keep beating
        log.warning("the dispatcher's heartbeat was not written: %s", error)
