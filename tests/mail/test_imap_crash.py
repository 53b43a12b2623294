"""Dispatchers killed (SIGKILL) while they read an IMAP mailbox: two run at a time, the one holding
the mailbox's lease is killed, and the other takes the mailbox over once the lease ran out. In the
end every message delivered was applied, none twice, and every one is marked seen."""

import signal
from collections.abc import Iterator
from functools import partial
from operator import le
from pathlib import Path

import pytest
from cryptography.fernet import Fernet
from sqlalchemy import func, select

from hookdesk.db import Database
from hookdesk.mail import settings as mail_settings
from hookdesk.mail.schemas import MailSettingsUpdate
from hookdesk.models.mail import MailboxLease, MailMessage
from hookdesk.models.tickets import Ticket
from hookdesk.shared.secretbox import SecretBox
from tests.mail import messages as mails
from tests.mail.imap_server import ImapServer
from tests.support.acting import api_key_acting
from tests.support.api import Api
from tests.support.processes import Dispatchers
from tests.support.waiting import wait_until

pytestmark = pytest.mark.slow
MESSAGES = 40
KILLS = 3


@pytest.fixture
def key() -> str:
    return Fernet.generate_key().decode()


@pytest.fixture
def dispatchers(db: Database, key: str, tmp_path: Path) -> Iterator[Dispatchers]:
    env = {
        "HOOKDESK_SECRET_KEY": key,
        "HOOKDESK_IMAP_POLL_INTERVAL": "0.2",
        "HOOKDESK_IMAP_LEASE": "1",
    }
    started = Dispatchers(db.url, tmp_path, env)
    yield started
    started.stop()


def recorded(db: Database) -> tuple[int, int, int]:
    """Inbound records, distinct Message-IDs among them, tickets."""
    with db.read() as session:
        records = (
            session.scalar(select(func.count()).where(MailMessage.direction == "inbound")) or 0
        )
        distinct = (
            session.scalar(
                select(func.count(func.distinct(MailMessage.message_id))).where(
                    MailMessage.direction == "inbound"
                )
            )
            or 0
        )
        tickets = session.scalar(select(func.count()).select_from(Ticket)) or 0
        return records, distinct, tickets


def holder_pid(db: Database) -> int | None:
    """The process reading the mailbox: its lease's holder starts with its process id."""
    with db.read() as session:
        holder = session.scalar(select(MailboxLease.holder))
    return int(holder.partition(".")[0]) if holder else None


def test_killed_readers_lose_no_mail_and_apply_none_twice(
    api: Api, imap_server: ImapServer, key: str, dispatchers: Dispatchers
) -> None:
    api.category()
    with api.db.write() as session:
        acting = api_key_acting(api.account_id, SecretBox(key))
        mail_settings.update(session, acting, MailSettingsUpdate(imap_url=imap_server.url()))
    for n in range(MESSAGES):
        imap_server.append(
            mails.message(subject=f"Question {n}", message_id=f"<q{n}@mail.example.com>")
        )

    running = [dispatchers.start() for _ in range(2)]
    killed_at = []
    for kill in range(KILLS):
        target = (kill + 1) * MESSAGES // (KILLS + 1)
        wait_until(
            lambda: recorded(api.db)[0],
            partial(le, target),  # target <= what is applied
            what=f"{target} messages applied",
            timeout=60,
            every=0.02,
        )
        [reader] = [process for process in running if process.pid == holder_pid(api.db)]
        reader.send_signal(signal.SIGKILL)
        reader.wait(timeout=10)
        killed_at.append(recorded(api.db)[0])
        running.remove(reader)
        running.append(dispatchers.start())
    wait_until(
        lambda: recorded(api.db)[0] >= MESSAGES,
        what="every message applied",
        timeout=60,
        every=0.02,
    )
    wait_until(
        lambda: all("\\Seen" in flags for flags in imap_server.flags()),
        what="every message seen",
        timeout=60,
        every=0.02,
    )

    records, distinct, tickets = recorded(api.db)
    lost, twice = MESSAGES - distinct, records - distinct
    print(f"killed after {killed_at} applied; lost {lost}, applied twice {twice}")
    assert (lost, twice) == (0, 0)
    assert tickets == MESSAGES
    assert all(killed < MESSAGES for killed in killed_at)
