"""Dispatchers keep their row in `dispatchers` fresh while they run and delete it on a clean stop."""

import os
import signal
import socket
import subprocess
import time
from collections.abc import Sequence

import pytest
from cryptography.fernet import Fernet
from sqlalchemy import select

from hookdesk.db import Database
from hookdesk.models.webhooks import DispatcherHeartbeat
from hookdesk.webhooks.dispatch.heartbeat import (
    DEAD_AFTER,
    FORGET_AFTER,
    Identity,
    alive,
    beat,
    forget,
)
from tests.support.processes import HOOKDESK
from tests.support.waiting import wait_until

ME = Identity(id="me", hostname="worker-1", pid=4242, started_at=1_000)


def rows(db: Database) -> Sequence[DispatcherHeartbeat]:
    with db.read() as session:
        return session.scalars(select(DispatcherHeartbeat).order_by(DispatcherHeartbeat.id)).all()


def other(name: str, seen_at: float) -> DispatcherHeartbeat:
    return DispatcherHeartbeat(
        id=name, hostname="worker-2", pid=1, started_at=0, seen_at=seen_at, in_flight=0
    )


def test_beats_keep_one_row_fresh_and_a_clean_stop_deletes_it(db: Database) -> None:
    with db.write() as session:
        beat(session, ME, in_flight=2, now=2_000.0)
    with db.write() as session:
        beat(session, ME, in_flight=0, now=2_005.0)
    [row] = rows(db)
    assert (row.id, row.hostname, row.pid, row.started_at) == ("me", "worker-1", 4242, 1_000)
    assert (row.seen_at, row.in_flight) == (2_005.0, 0)
    with db.write() as session:
        forget(session, "me")
    assert rows(db) == []


def test_a_dispatcher_not_seen_for_long_is_dead_and_later_forgotten(db: Database) -> None:
    now = time.time()
    with db.write() as session:
        session.add_all(
            [
                other("fresh", now - 1),
                other("dead", now - DEAD_AFTER - 1),
                other("forgotten", now - FORGET_AFTER - 1),
            ]
        )
    with db.read() as session:
        assert [row.id for row in alive(session, now=now)] == ["fresh"]
    with db.write() as session:
        beat(session, ME, in_flight=0, now=now)
    assert [row.id for row in rows(db)] == ["dead", "fresh", "me"]


@pytest.mark.slow  # a process of its own
def test_a_dispatcher_process_announces_itself_until_it_stops(db: Database) -> None:
    environment = {**os.environ, "HOOKDESK_SECRET_KEY": Fernet.generate_key().decode()}
    process = subprocess.Popen(
        [HOOKDESK, "dispatcher", "--database-url", db.url],
        env=environment,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        [row] = wait_until(lambda: rows(db), lambda seen: len(seen) == 1, "the dispatcher's row")
        assert (row.pid, row.hostname, row.in_flight) == (process.pid, socket.gethostname(), 0)
        assert time.time() - row.seen_at < DEAD_AFTER
        process.send_signal(signal.SIGTERM)
        assert process.wait(timeout=30) == 0
        assert rows(db) == []
    finally:
        if process.poll() is None:
            process.kill()
            process.wait(timeout=10)
