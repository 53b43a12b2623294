"""Dispatcher processes killed (SIGKILL) while they send a burst of notifications: none is lost.
Each message reaches the SMTP server at least once (one handed over but not yet recorded when its
dispatcher died goes out again: the at-least-once rule) and ends recorded `sent`."""

import signal
from collections import Counter
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import func, select

from hookdesk.config import Settings
from hookdesk.db import Database
from hookdesk.models.mail import MailMessage
from tests.mail.smtp_server import SmtpServer
from tests.support.api import Api
from tests.support.processes import Dispatchers
from tests.support.waiting import wait_until

pytestmark = pytest.mark.slow
MESSAGES = 60
KILLS = 2


@pytest.fixture
def dispatchers(
    api: Api, settings: Settings, smtp_server: SmtpServer, tmp_path: Path
) -> Iterator[Dispatchers]:
    assert settings.secret_key
    env = {
        "HOOKDESK_SECRET_KEY": settings.secret_key,
        "HOOKDESK_SMTP_URL": smtp_server.url,
        "HOOKDESK_MAIL_FROM": "Acme Support <support@acme.example>",
        # A dead dispatcher's leases run out after a few seconds, not the default 45.
        "HOOKDESK_DELIVERY_TIMEOUT": "2",
        "HOOKDESK_LEASE_MARGIN": "1",
        "HOOKDESK_RETRY_SCHEDULE": "0.5,0.5,0.5,0.5,0.5",
    }
    started = Dispatchers(api.db.url, tmp_path, env)
    yield started
    started.stop()


def sent(db: Database) -> int:
    with db.read() as session:
        return session.scalar(select(func.count()).where(MailMessage.status == "sent")) or 0


def test_killed_dispatchers_lose_no_message(
    api: Api,
    smtp_server: SmtpServer,
    dispatchers: Dispatchers,
) -> None:
    smtp_server.delay = 0.05  # the burst takes seconds: time to kill a dispatcher within it
    clients = [api.client() for _ in range(MESSAGES)]
    for client in clients:  # each queues one ticket_opened to its client
        api.ticket(client_id=client["id"])
    running = dispatchers.start()
    killed_at = []
    for kill in range(KILLS):
        target = (kill + 1) * MESSAGES // (KILLS + 1)
        smtp_server.wait_for(target, timeout=60)
        running.send_signal(signal.SIGKILL)
        running.wait(timeout=10)
        killed_at.append(len(smtp_server.received))
        running = dispatchers.start()
    wait_until(
        lambda: sent(api.db), MESSAGES.__eq__, what="every message recorded sent", timeout=90
    )

    reached = Counter(r.recipients[0] for r in smtp_server.received)
    lost = {c["email"] for c in clients} - set(reached)
    duplicates = sum(count - 1 for count in reached.values())
    print(f"killed after {killed_at} received; lost {len(lost)}, sent twice {duplicates}")
    assert lost == set()
    assert all(killed < MESSAGES for killed in killed_at)
