"""`hookdesk dispatcher` stops on SIGTERM within its timeout and hands back what is in flight."""

import os
import signal
import subprocess
import sys
import time
import uuid
from pathlib import Path

from cryptography.fernet import Fernet
from sqlalchemy import select

from hookdesk.accounts import service as accounts
from hookdesk.categories import service as categories
from hookdesk.categories.schemas import CategoryCreate
from hookdesk.clients import service as clients
from hookdesk.clients.schemas import ClientCreate
from hookdesk.db import Database
from hookdesk.migrations.migrate import prepare
from hookdesk.models.webhooks import WebhookEvent
from hookdesk.shared.secretbox import SecretBox
from hookdesk.tickets import service as tickets
from hookdesk.tickets.schemas import TicketCreate
from hookdesk.webhooks.endpoints import service as webhooks
from hookdesk.webhooks.endpoints.schemas import EndpointCreate
from tests.support.receivers import Receiver, Reply

HOOKDESK = str(Path(sys.executable).parent / "hookdesk")


def one_delivery(database: Database, key: str, url: str) -> str:
    with database.write() as session:
        account_id = accounts.create(session, name="Shutdown").account_id
        scope = webhooks.EndpointScope(account_id, dev=True, box=SecretBox(key))
        webhooks.create(
            session, scope, EndpointCreate(url=url, events=["whitelabel.ticket.created"])
        )
        client = clients.create(
            session, account_id=account_id, data=ClientCreate(name="C", email="c@example.com")
        )
        category = categories.create(
            session, account_id=account_id, data=CategoryCreate(title="G", language="en")
        )
        tickets.create(
            session,
            tickets.TicketScope(account_id, "http://localhost"),
            TicketCreate(
                client_id=uuid.UUID(client.id),
                title="t",
                description="d",
                category=uuid.UUID(category.id),
            ),
        )
    with database.read() as session:
        return str(session.scalar(select(WebhookEvent.id)))


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
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            with database.read() as session:
                if session.scalar(select(WebhookEvent.status)) == "delivered":
                    break
            time.sleep(0.1)
        else:
            raise AssertionError("the released delivery was not delivered")
    finally:
        again.terminate()
        again.wait(timeout=10)
        database.dispose()
