"""`hookdesk dispatcher` stops on SIGTERM within its timeout and hands back what is in flight."""

import os
import signal
import subprocess
import time
from pathlib import Path

import pytest
from cryptography.fernet import Fernet
from sqlalchemy import select

from hookdesk.db import Database
from hookdesk.migrations.migrate import prepare
from hookdesk.models.webhooks import WebhookEvent
from tests.support.processes import HOOKDESK
from tests.support.receivers import Receiver, Reply
from tests.support.waiting import wait_until
from tests.support.webhooks import one_delivery

pytestmark = pytest.mark.slow  # starts processes of its own


def start_dispatcher(url: str, key: str) -> subprocess.Popen[bytes]:
    env = {
        **os.environ,
        "HOOKDESK_SECRET_KEY": key,
        "HOOKDESK_DELIVERY_TIMEOUT": "20",
        "HOOKDESK_SHUTDOWN_TIMEOUT": "1",
    }
    return subprocess.Popen(
        [HOOKDESK, "dispatcher", "--dev", "--database-url", url],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )


def test_sigterm_releases_the_lease_and_exits_in_time(tmp_path: Path, receiver: Receiver) -> None:
    url = f"sqlite:///{tmp_path / 'hookdesk.db'}"
    key = Fernet.generate_key().decode()
    database = Database(url)
    prepare(database.engine)
    delivery_id = one_delivery(database, key, receiver.url)
    receiver.reply_with(Reply(200, delay=15))  # in flight far longer than the shutdown timeout
    dispatcher = start_dispatcher(url, key)
    try:
        receiver.wait_for(1)
        stopping = time.monotonic()
        dispatcher.send_signal(signal.SIGTERM)
        assert dispatcher.wait(timeout=10) == 0
        assert time.monotonic() - stopping < 5
        assert dispatcher.stderr is not None
        assert b"dispatcher stopped" in dispatcher.stderr.read()
    finally:
        dispatcher.kill()
    with database.read() as session:
        delivery = session.get(WebhookEvent, delivery_id)
        assert delivery is not None
        assert (delivery.status, delivery.lease_token) == ("pending", None)
        assert delivery.next_attempt_at is not None
        assert delivery.next_attempt_at <= time.time()  # due again now, not after a lease
    again = start_dispatcher(url, key)
    try:
        receiver.wait_for(2)
        wait_until(
            lambda: status_of_the_only_event(database),
            lambda status: status == "delivered",
            what="the released delivery to be delivered",
            timeout=10,
        )
    finally:
        again.terminate()
        again.wait(timeout=10)
        database.dispose()


def status_of_the_only_event(database: Database) -> str | None:
    with database.read() as session:
        return session.scalar(select(WebhookEvent.status))
